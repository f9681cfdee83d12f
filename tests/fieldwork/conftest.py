import pytest

from meterops.core.choices import RoleCode
from tests.factories import UserFactory


@pytest.fixture
def officer_a(cast):
    return cast.officer


@pytest.fixture
def vendor_officer(cast):
    return UserFactory(
        username="petugas.vendor.a", contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER]
    )
