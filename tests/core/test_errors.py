"""The four kinds of domain error and the one pair of role and unit checks (issue #16)."""

import pytest
from django.core.handlers.exception import response_for_exception

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, NotFound, OutsideUnit, WrongState
from meterops.core.services import require_role, require_unit

pytestmark = pytest.mark.django_db


class ViewPageTests:
    """A view that does not catch the error answers Django's 403 or 404 page."""

    def test_not_allowed_is_the_403_page(self, rf):
        assert response_for_exception(rf.get("/"), NotAllowed()).status_code == 403

    def test_not_found_is_the_404_page(self, rf):
        assert response_for_exception(rf.get("/"), NotFound()).status_code == 404


class KindTests:
    def test_each_kind_carries_its_status(self):
        statuses = [kind.status for kind in (NotFound, NotAllowed, WrongState, InvalidInput)]
        assert statuses == [404, 403, 409, 422]

    def test_invalid_input_names_the_field(self):
        error = InvalidInput("reason", "Isi alasannya.")
        assert (error.field, error.extra, str(error.message)) == (
            "reason",
            {"field": "reason"},
            "Isi alasannya.",
        )


class RequireRoleTests:
    def test_refuses_a_user_without_the_role(self, cast):
        with pytest.raises(NotAllowed, match="Peran Anda"):
            require_role(cast.officer, (RoleCode.SUPERVISOR, RoleCode.ADMIN))

    def test_lets_a_user_with_one_of_the_roles_pass(self, cast):
        require_role(cast.supervisor, (RoleCode.SUPERVISOR, RoleCode.ADMIN))


class RequireUnitTests:
    def test_another_area_is_out_of_reach(self, cast):
        with pytest.raises(OutsideUnit) as refused:
            require_unit(cast.supervisor, cast.sp_b)
        assert isinstance(refused.value, NotFound)

    def test_a_unit_below_is_in_reach(self, cast):
        require_unit(cast.area_user, cast.sp_a2)
