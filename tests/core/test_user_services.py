import pytest
from django.core.exceptions import ValidationError

from meterops.core.choices import RoleCode
from meterops.core.errors import DomainError, OutsideUnit, RoleNotGrantable
from meterops.core.services import (
    create_user,
    grantable_roles,
    reset_user_password,
    set_user_active,
    update_user,
)

PASSWORD = "kuat-sekali-2026"


class GrantableRolesTests:
    def test_admin_grants_every_role(self, cast):
        assert grantable_roles(cast.admin) == set(RoleCode.values)

    def test_unit_admin_grants_only_its_own_roles(self, cast):
        assert grantable_roles(cast.unit_admin) == {RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR}

    def test_supervisor_grants_nothing(self, cast):
        assert grantable_roles(cast.supervisor) == frozenset()


class CreateUserTests:
    def test_unit_admin_creates_user_in_its_unit(self, cast):
        user = create_user(
            actor=cast.unit_admin,
            username="baru",
            password=PASSWORD,
            roles={RoleCode.SUPERVISOR},
            unit=cast.sp_a,
        )
        assert user.unit == cast.sp_a
        assert user.role_codes == {RoleCode.SUPERVISOR}
        assert user.check_password(PASSWORD)
        assert not user.password.startswith(PASSWORD)

    def test_unit_admin_cannot_grant_role_it_lacks(self, cast):
        with pytest.raises(RoleNotGrantable) as error:
            create_user(
                actor=cast.unit_admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.READING_APPROVER},
                unit=cast.sp_a,
            )
        assert "ADMIN_CMT" in str(error.value.message)

    def test_unit_admin_cannot_create_outside_its_unit(self, cast):
        with pytest.raises(OutsideUnit):
            create_user(
                actor=cast.unit_admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_b,
            )

    def test_contractor_must_work_for_the_actor_unit(self, cast):
        with pytest.raises(OutsideUnit):
            create_user(
                actor=cast.unit_admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.SUPERVISOR},
                contractor=cast.contractor_b,
            )

    def test_user_needs_exactly_one_placement(self, cast):
        with pytest.raises(DomainError):
            create_user(
                actor=cast.admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_a,
                contractor=cast.contractor_a,
            )

    def test_weak_password_is_refused(self, cast):
        with pytest.raises(ValidationError):
            create_user(
                actor=cast.admin,
                username="baru",
                password="12345678",
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_a,
            )

    def test_supervisor_cannot_manage_users(self, cast):
        with pytest.raises(DomainError):
            create_user(
                actor=cast.supervisor,
                username="baru",
                password=PASSWORD,
                roles=set(),
                unit=cast.sp_a,
            )

    def test_history_records_the_actor(self, cast):
        user = create_user(
            actor=cast.admin,
            username="baru",
            password=PASSWORD,
            roles={RoleCode.HELPDESK},
            unit=cast.region,
        )
        assert user.history.first().history_user == cast.admin


class UpdateUserTests:
    def test_keeps_roles_the_actor_cannot_touch(self, cast):
        cast.supervisor.roles.add(RoleCode.READING_APPROVER)
        user = update_user(
            actor=cast.unit_admin, user=cast.supervisor, roles={RoleCode.UNIT_ADMIN}, unit=cast.sp_a
        )
        assert user.role_codes == {RoleCode.UNIT_ADMIN, RoleCode.READING_APPROVER}

    def test_cannot_move_user_outside_actor_unit(self, cast):
        with pytest.raises(OutsideUnit):
            update_user(
                actor=cast.unit_admin,
                user=cast.supervisor,
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_b,
            )


class SetUserActiveTests:
    def test_deactivates(self, cast):
        user = set_user_active(actor=cast.admin, user=cast.officer, active=False)
        assert not user.is_active

    def test_cannot_deactivate_self(self, cast):
        with pytest.raises(DomainError):
            set_user_active(actor=cast.admin, user=cast.admin, active=False)


class ResetUserPasswordTests:
    def test_sets_new_password(self, cast):
        user = reset_user_password(actor=cast.admin, user=cast.officer, password=PASSWORD)
        assert user.check_password(PASSWORD)
