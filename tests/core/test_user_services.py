import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meterops.core.choices import RoleCode
from meterops.core.errors import (
    DomainError,
    InvalidInput,
    NotAllowed,
    OutsideUnit,
    RoleNotGrantable,
)
from meterops.core.models import User
from meterops.core.scoping import visible_unit_ids
from meterops.core.services import (
    create_user,
    grantable_roles,
    reset_user_password,
    set_user_active,
    update_user,
)
from tests.factories import UserFactory

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

    def test_contractor_user_is_placed_only_within_the_actor_unit(self, cast):
        with pytest.raises(OutsideUnit):
            create_user(
                actor=cast.unit_admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.SUPERVISOR},
                contractor=cast.contractor_b,
                placed_units=[cast.sp_b],
            )

    def test_contractor_user_is_placed_only_where_its_contractor_works(self, cast):
        with pytest.raises(InvalidInput) as error:
            create_user(
                actor=cast.admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.FIELD_OFFICER},
                contractor=cast.contractor_b,
                placed_units=[cast.sp_a],
            )
        assert error.value.field == "placed_units"
        assert "tidak bekerja untuk ULP ALFA SATU" in str(error.value.message)

    def test_contractor_user_needs_a_placement(self, cast):
        with pytest.raises(InvalidInput) as error:
            create_user(
                actor=cast.admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.FIELD_OFFICER},
                contractor=cast.contractor_a,
            )
        assert error.value.field == "placed_units"

    def test_pln_user_takes_no_placement(self, cast):
        with pytest.raises(InvalidInput) as error:
            create_user(
                actor=cast.admin,
                username="baru",
                password=PASSWORD,
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_a,
                placed_units=[cast.sp_a],
            )
        assert error.value.field == "placed_units"

    def test_ulp_admin_places_a_up3_contractors_user_in_its_ulp(self, cast):
        ulp_admin = UserFactory(
            username="admin.ulp", unit=cast.sp_a, roles=[RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR]
        )
        user = create_user(
            actor=ulp_admin,
            username="mitra.ulp",
            password=PASSWORD,
            roles={RoleCode.SUPERVISOR},
            contractor=cast.contractor_a,
            placed_units=[cast.sp_a],
        )
        assert visible_unit_ids(user) == {cast.sp_a.pk}

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
    def test_refuses_a_user_holding_a_role_the_actor_cannot_grant(self, cast):
        cast.supervisor.roles.add(RoleCode.READING_APPROVER)
        with pytest.raises(NotAllowed):
            update_user(
                actor=cast.unit_admin,
                user=cast.supervisor,
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_a,
            )
        assert cast.supervisor.roles.count() == 2

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


class UsernameCaseTests:
    def test_the_database_refuses_a_username_differing_only_in_case(self, cast):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username="PENGAWAS.A", unit=cast.sp_a)

    def test_create_user_names_the_field_for_a_case_duplicate(self, cast):
        with pytest.raises(InvalidInput) as error:
            create_user(
                actor=cast.admin,
                username="Pengawas.A",
                password=PASSWORD,
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_a,
            )
        assert error.value.field == "username"
        assert "sudah dipakai" in str(error.value.message)
