from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.customers.models import Customer
from tests.factories import ContractorFactory, CustomerFactory, UserFactory


class UserListTests:
    def test_lists_only_users_the_actor_may_manage(self, cast, client_for):
        page = client_for(cast.unit_admin).get(reverse("core:user_list"))
        listed = {u.username for u in page.context["page"]}
        assert {"pengawas.a", "spv.alfa", "admin.alfa"} <= listed
        # in its units, but holding a role it cannot grant (field officer, contractor admin)
        assert "petugas.a" not in listed and "vendor.a" not in listed
        assert "pengawas.b" not in listed and "vendor.b" not in listed

    def test_search_filters(self, cast, client_for):
        page = client_for(cast.admin).get(reverse("core:user_list"), {"q": "petugas"})
        assert [u.username for u in page.context["page"]] == ["petugas.a"]

    def test_supervisor_gets_403(self, cast, client_for):
        assert client_for(cast.supervisor).get(reverse("core:user_list")).status_code == 403

    def test_menu_hides_user_management_from_supervisor(self, cast, client_for):
        page = client_for(cast.supervisor).get(reverse("core:dashboard")).content.decode()
        assert reverse("core:user_list") not in page


class UserCreateTests:
    def test_creates_user_through_the_form(self, cast, client_for):
        response = client_for(cast.unit_admin).post(
            reverse("core:user_create"),
            {
                "username": "baru.alfa",
                "first_name": "Baru",
                "unit": cast.sp_a.pk,
                "roles": [RoleCode.SUPERVISOR],
                "password": "kuat-sekali-2026",
            },
        )
        assert response.status_code == 302
        assert User.objects.get(username="baru.alfa").unit == cast.sp_a

    def test_neither_unit_nor_vendor_is_reported_on_the_unit_field(self, cast, client_for):
        # Before issue #20 it said "tidak keduanya" (not both) when neither was chosen.
        response = client_for(cast.unit_admin).post(
            reverse("core:user_create"),
            {"username": "baru.alfa", "roles": [RoleCode.SUPERVISOR], "password": "kuat-2026-x"},
        )
        form = response.context["form"]
        assert form.errors["unit"] == [
            "Pilih unit pengguna PLN, atau vendor untuk pengguna dari vendor."
        ]
        assert "tidak keduanya" not in response.content.decode()
        assert not User.objects.filter(username="baru.alfa").exists()

    def test_role_outside_reach_is_not_offered_and_is_refused(self, cast, client_for):
        client = client_for(cast.unit_admin)
        page = client.get(reverse("core:user_create")).content.decode()
        assert 'value="reading_approver"' not in page
        response = client.post(
            reverse("core:user_create"),
            {
                "username": "baru.alfa",
                "unit": cast.sp_a.pk,
                "roles": [RoleCode.READING_APPROVER],
                "password": "kuat-sekali-2026",
            },
        )
        assert response.status_code == 200
        assert not User.objects.filter(username="baru.alfa").exists()

    def test_unit_of_another_area_is_refused(self, cast, client_for):
        response = client_for(cast.unit_admin).post(
            reverse("core:user_create"),
            {
                "username": "baru.alfa",
                "unit": cast.sp_b.pk,
                "roles": [RoleCode.SUPERVISOR],
                "password": "kuat-sekali-2026",
            },
        )
        assert response.status_code == 200
        assert "unit" in response.context["form"].errors
        assert not User.objects.filter(username="baru.alfa").exists()

    def test_duplicate_username_is_reported_on_the_field(self, cast, client_for):
        response = client_for(cast.admin).post(
            reverse("core:user_create"),
            {
                "username": "pengawas.a",
                "unit": cast.sp_a.pk,
                "roles": [RoleCode.SUPERVISOR],
                "password": "kuat-sekali-2026",
            },
        )
        assert "sudah dipakai" in response.content.decode()

    def test_weak_password_is_reported(self, cast, client_for):
        response = client_for(cast.admin).post(
            reverse("core:user_create"),
            {
                "username": "baru",
                "unit": cast.sp_a.pk,
                "roles": [RoleCode.SUPERVISOR],
                "password": "12345678",
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["password"]


class UserEditTests:
    def test_outsider_admin_gets_404(self, cast, client_for):
        url = reverse("core:user_edit", args=[cast.supervisor.pk])
        assert client_for(cast.outsider_admin).get(url).status_code == 404

    def test_edits_name_and_roles(self, cast, client_for):
        response = client_for(cast.unit_admin).post(
            reverse("core:user_edit", args=[cast.supervisor.pk]),
            {
                "first_name": "Ganti",
                "unit": cast.sp_a.pk,
                "roles": [RoleCode.SUPERVISOR, RoleCode.UNIT_ADMIN],
            },
        )
        assert response.status_code == 302
        cast.supervisor.refresh_from_db()
        assert cast.supervisor.first_name == "Ganti"
        assert cast.supervisor.role_codes == {RoleCode.SUPERVISOR, RoleCode.UNIT_ADMIN}

    def test_user_holding_a_role_the_actor_cannot_grant_is_403(self, cast, client_for):
        url = reverse("core:user_edit", args=[cast.officer.pk])
        assert client_for(cast.unit_admin).get(url).status_code == 403

    def test_contractor_user_is_placed_through_the_form(self, cast, client_for):
        response = client_for(cast.admin).post(
            reverse("core:user_create"),
            {
                "username": "mitra.baru",
                "contractor": cast.contractor_a.pk,
                "placed_units": [cast.sp_a2.pk],
                "roles": [RoleCode.FIELD_OFFICER],
                "password": "kuat-sekali-2026",
            },
        )
        assert response.status_code == 302
        assert set(User.objects.get(username="mitra.baru").placed_units.all()) == {cast.sp_a2}

    def test_contractor_user_without_placement_is_refused_on_the_field(self, cast, client_for):
        response = client_for(cast.admin).post(
            reverse("core:user_create"),
            {
                "username": "mitra.baru",
                "contractor": cast.contractor_a.pk,
                "roles": [RoleCode.FIELD_OFFICER],
                "password": "kuat-sekali-2026",
            },
        )
        assert response.status_code == 200
        assert "unit penempatan" in response.context["form"].errors["placed_units"][0]
        assert not User.objects.filter(username="mitra.baru").exists()


class UserActionTests:
    def test_forged_deactivation_of_another_unit_user_is_404(self, cast, client_for):
        url = reverse("core:user_set_active", args=[cast.outsider.pk])
        response = client_for(cast.unit_admin).post(url, {"active": "0"})
        assert response.status_code == 404
        cast.outsider.refresh_from_db()
        assert cast.outsider.is_active

    def test_deactivates_user(self, cast, client_for):
        url = reverse("core:user_set_active", args=[cast.supervisor.pk])
        client_for(cast.unit_admin).post(url, {"active": "0"})
        cast.supervisor.refresh_from_db()
        assert not cast.supervisor.is_active

    def test_resets_password(self, cast, client_for):
        url = reverse("core:user_reset_password", args=[cast.supervisor.pk])
        client_for(cast.unit_admin).post(
            url, {"password1": "reset-baru-2026", "password2": "reset-baru-2026"}
        )
        cast.supervisor.refresh_from_db()
        assert cast.supervisor.check_password("reset-baru-2026")

    def test_mismatched_reset_is_reported(self, cast, client_for):
        url = reverse("core:user_reset_password", args=[cast.supervisor.pk])
        response = client_for(cast.unit_admin).post(
            url, {"password1": "reset-baru-2026", "password2": "lain"}, follow=True
        )
        assert "tidak sama" in response.content.decode()


class WhoMayActOnWhomTests:
    """The findings of issue #17 one by one; the whole matrix is in test_user_management.py."""

    def test_unit_admin_cannot_reset_an_administrators_password_in_its_unit(self, cast, client_for):
        boss = UserFactory(username="admin.ulp", unit=cast.sp_a, roles=[RoleCode.ADMIN])
        before = boss.password
        response = client_for(cast.unit_admin).post(
            reverse("core:user_reset_password", args=[boss.pk]),
            {"password1": "reset-baru-2026", "password2": "reset-baru-2026"},
        )
        assert response.status_code == 403
        boss.refresh_from_db()
        assert boss.password == before

    def test_a_shared_contractors_new_user_reads_only_the_creating_up3(self, cast, client_for):
        shared = ContractorFactory(code="VND-S", units=[cast.area_a, cast.area_b])
        other_customer = CustomerFactory(unit=cast.sp_b)
        own_customer = CustomerFactory(unit=cast.sp_a)
        response = client_for(cast.unit_admin).post(
            reverse("core:user_create"),
            {
                "username": "mitra.bersama",
                "contractor": shared.pk,
                "placed_units": [cast.area_a.pk],
                "roles": [RoleCode.SUPERVISOR],
                "password": "kuat-sekali-2026",
            },
        )
        assert response.status_code == 302
        created = User.objects.get(username="mitra.bersama")
        seen = set(scoped(Customer, created).values_list("pk", flat=True))
        assert own_customer.pk in seen
        assert other_customer.pk not in seen

    def test_one_up3_cannot_reset_a_shared_contractor_user_reaching_both(self, cast, client_for):
        shared = ContractorFactory(code="VND-S", units=[cast.area_a, cast.area_b])
        both = UserFactory(username="mitra.lama", contractor=shared, roles=[RoleCode.SUPERVISOR])
        before = both.password
        response = client_for(cast.unit_admin).post(
            reverse("core:user_reset_password", args=[both.pk]),
            {"password1": "reset-baru-2026", "password2": "reset-baru-2026"},
        )
        assert response.status_code in {403, 404}
        both.refresh_from_db()
        assert both.password == before


def test_user_list_shows_a_contractor_users_placement(cast, client_for):
    UserFactory(
        username="mitra.a2",
        contractor=cast.contractor_a,
        placed_units=[cast.sp_a2],
        roles=[RoleCode.FIELD_OFFICER],
    )
    page = client_for(cast.admin).get(reverse("core:user_list"), {"q": "mitra.a2"})
    assert "Penempatan: ULP ALFA DUA" in page.content.decode()
