"""A NUL character in a query, a form or an API body is refused by name, never a 500 (issue #17).

PostgreSQL refuses NUL in text, so on it the search boxes answered 500; SQLite stores it.
Run on PostgreSQL to see the defect: DATABASE_URL=postgres://…/meterops_hardening.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.core.menu import menu_for
from meterops.customers.models import Customer
from meterops.replacement.models import DamageType, ReplacementTarget
from tests.factories import UserFactory
from tests.replacement.conftest import jpeg


@pytest.fixture
def admin(cast):
    return UserFactory(username="super.nul", unit=cast.region, roles=[RoleCode.ADMIN])


class NulInQueriesTests:
    @pytest.mark.parametrize(
        "path", ["/replacement/replacements/", "/fieldwork/arrears/", "/m/tokens/"]
    )
    def test_named_search_boxes_refuse_nul_by_field(self, admin, client_for, path):
        response = client_for(admin).get(path, {"q": "ASEP\x00"})

        assert response.status_code == 400
        assert "“q”" in response.content.decode()
        assert "NUL" in response.content.decode()
        assert response["Cache-Control"] == "no-store"

    def test_no_menu_page_answers_500_to_nul_in_any_filter(self, admin, client_for):
        client = client_for(admin)
        pages = [entry["url"] for entry in menu_for(admin, "/")]
        assert len(pages) > 20
        for url in pages:
            response = client.get(url, {"q": "\x00", "page": "1\x00", "period": "\x00"})
            assert response.status_code == 400, url

    def test_nul_in_a_parameter_name_is_refused(self, admin, client_for):
        response = client_for(admin).get("/replacement/replacements/?%00=1")
        assert response.status_code == 400

    def test_a_query_without_nul_still_searches(self, admin, client_for):
        response = client_for(admin).get("/replacement/replacements/", {"q": "ASEP"})
        assert response.status_code == 200


class NulInFormsTests:
    def test_a_posted_form_field_with_nul_is_refused_and_nothing_is_written(
        self, cast, customer_a, client_for
    ):
        before = Customer.objects.get(pk=customer_a.pk).name
        response = client_for(cast.admin).post(
            reverse("core:password_change"),
            urlencode({"old_password": "x\x00", "new_password1": "a", "new_password2": "a"}),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400
        assert "“old_password”" in response.content.decode()
        assert Customer.objects.get(pk=customer_a.pk).name == before

    def test_a_file_form_is_not_read_early_and_its_form_refuses_nul(
        self, cast, customer_a, client_for
    ):
        """A multipart body is left to the view (its size is checked before it is read); the
        form's text field refuses NUL itself."""
        damage_type = DamageType.objects.filter(is_active=True).first()
        response = client_for(cast.supervisor).post(
            f"{reverse('replacement:target_create')}?customer_id={customer_a.customer_id}",
            {"damage_type": damage_type.pk, "notes": "display\x00mati", "photos": [jpeg()]},
        )
        assert response.status_code == 200
        assert "Karakter null tidak diizinkan" in response.content.decode()
        assert not ReplacementTarget.objects.exists()


class NulInApiTests:
    def test_a_json_string_with_nul_answers_422_naming_the_field(self, cast, client):
        response = client.post(
            "/api/auth/login",
            data='{"username": "petugas.a", "password": "x", "device_name": "HP\\u0000"}',
            content_type="application/json",
        )
        assert response.status_code == 422
        assert response.json()["field"] == "device_name"
        assert "NUL" in response.json()["message"]
