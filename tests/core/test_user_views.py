from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.core.models import User


class UserListTests:
    def test_lists_only_users_of_the_actor_units(self, cast, client_for):
        page = client_for(cast.unit_admin).get(reverse("core:user_list")).content.decode()
        assert "pengawas.a" in page and "vendor.a" in page
        assert "pengawas.b" not in page and "vendor.b" not in page

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
            reverse("core:user_edit", args=[cast.officer.pk]),
            {"first_name": "Ganti", "unit": cast.sp_a.pk, "roles": [RoleCode.SUPERVISOR]},
        )
        assert response.status_code == 302
        cast.officer.refresh_from_db()
        assert cast.officer.first_name == "Ganti"
        # field_officer is outside the unit admin's reach, so it stays.
        assert cast.officer.role_codes == {RoleCode.SUPERVISOR, RoleCode.FIELD_OFFICER}


class UserActionTests:
    def test_forged_deactivation_of_another_unit_user_is_404(self, cast, client_for):
        url = reverse("core:user_set_active", args=[cast.outsider.pk])
        response = client_for(cast.unit_admin).post(url, {"active": "0"})
        assert response.status_code == 404
        cast.outsider.refresh_from_db()
        assert cast.outsider.is_active

    def test_deactivates_user(self, cast, client_for):
        url = reverse("core:user_set_active", args=[cast.officer.pk])
        client_for(cast.unit_admin).post(url, {"active": "0"})
        cast.officer.refresh_from_db()
        assert not cast.officer.is_active

    def test_resets_password(self, cast, client_for):
        url = reverse("core:user_reset_password", args=[cast.officer.pk])
        client_for(cast.unit_admin).post(
            url, {"password1": "reset-baru-2026", "password2": "reset-baru-2026"}
        )
        cast.officer.refresh_from_db()
        assert cast.officer.check_password("reset-baru-2026")

    def test_mismatched_reset_is_reported(self, cast, client_for):
        url = reverse("core:user_reset_password", args=[cast.officer.pk])
        response = client_for(cast.unit_admin).post(
            url, {"password1": "reset-baru-2026", "password2": "lain"}, follow=True
        )
        assert "tidak sama" in response.content.decode()
