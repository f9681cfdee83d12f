"""No dead links: every menu entry a user is shown opens for that user."""

import pytest

from meterops.core.choices import RoleCode
from meterops.core.menu import menu_for
from tests.factories import UserFactory


@pytest.mark.parametrize("role", RoleCode.values)
def test_every_menu_entry_opens_for_a_user_of_each_role(cast, client_for, role):
    if role in (RoleCode.CONTRACTOR_ADMIN, RoleCode.FIELD_OFFICER):
        user = UserFactory(contractor=cast.contractor_a, roles=[role])
    else:
        user = UserFactory(unit=cast.sp_a, roles=[role])
    client = client_for(user)
    entries = menu_for(user, "/")
    assert entries, role
    for entry in entries:
        response = client.get(entry["url"])
        assert response.status_code == 200, (role, entry["url"], response.status_code)
