"""Response headers of the outside security test (issue #17): a Content-Security-Policy without
inline script or style, a Permissions-Policy that lets only the field app's camera and location
through, and ``Cache-Control: no-store`` on whatever an authenticated user is answered."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

import meterops
from meterops.core.models import UnitSettings

SRC = Path(meterops.__file__).resolve().parent


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class ContentSecurityPolicyTests:
    def test_pages_carry_a_policy_without_inline_script_or_style(self, cast, client_for):
        policy = _policy(client_for(cast.supervisor).get(reverse("core:dashboard")))

        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert sorted(policy["img-src"]) == sorted(["'self'", "data:", "blob:"])
        assert policy["connect-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]

    def test_the_login_page_and_the_field_app_carry_it_too(self, db, client):
        for url in (reverse("core:login"), "/m/", "/api/health"):
            assert "'unsafe-inline'" not in client.get(url)["Content-Security-Policy"], url

    def test_the_route_map_lets_in_only_its_units_tile_server(self, cast, client_for):
        UnitSettings.objects.update_or_create(
            unit=cast.region,
            defaults={"map_tile_url": "https://tile.intranet:8443/{z}/{x}/{y}.png"},
        )
        response = client_for(cast.supervisor).get(reverse("fieldwork:route_map"))

        assert "https://tile.intranet:8443" in _policy(response)["img-src"]
        other = client_for(cast.supervisor).get(reverse("core:dashboard"))
        assert "https://tile.intranet:8443" not in _policy(other)["img-src"]


class TemplatesTests:
    """What the policy forbids is not in the templates: inline handlers, style attributes,
    inline scripts (a JSON data block is not a script)."""

    @pytest.fixture
    def templates(self):
        return {path.relative_to(SRC): path.read_text() for path in SRC.rglob("*.html")}

    def test_no_inline_event_handlers(self, templates):
        found = {str(p) for p, text in templates.items() if re.search(r"\son[a-z]+\s*=", text)}
        assert found == set()

    def test_no_style_attributes_or_elements(self, templates):
        found = {str(p) for p, text in templates.items() if re.search(r"\sstyle\s*=|<style", text)}
        assert found == set()

    def test_no_inline_scripts(self, templates):
        found = set()
        for path, text in templates.items():
            for tag in re.findall(r"<script[^>]*>", text):
                if "src=" not in tag and "application/json" not in tag:
                    found.add(str(path))
        assert found == set()

    def test_htmx_injects_no_indicator_style(self, db, client):
        page = client.get(reverse("core:login")).content.decode()
        assert '"includeIndicatorStyles": false' in page
        css = Path(finders.find("core/meterops.css")).read_text()
        assert ".htmx-indicator" in css


class PermissionsPolicyTests:
    def test_only_camera_and_location_for_the_site_itself(self, db, client):
        header = client.get(reverse("core:login"))["Permissions-Policy"]
        features = dict(item.strip().split("=") for item in header.split(","))

        assert features["camera"] == "(self)"
        assert features["geolocation"] == "(self)"
        assert features["microphone"] == "()"
        assert features["payment"] == "()"
        assert features["usb"] == "()"
        assert {
            value for name, value in features.items() if name not in {"camera", "geolocation"}
        } == {"()"}


class NoStoreTests:
    @pytest.mark.parametrize(
        "url",
        [
            "/",
            "/replacement/targets/",
            "/replacement/targets/?export=xlsx",
        ],
    )
    def test_pages_and_exports_behind_login_are_not_stored(self, cast, client_for, url):
        response = client_for(cast.admin).get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"

    def test_a_pdf_is_not_stored(self, cast, client_for):
        from tests.keychange.helpers import campaign_with, old_key_meter

        old_key_meter(cast.sp_a)
        campaign = campaign_with(cast, [])
        response = client_for(cast.unit_admin).get(
            reverse("keychange:campaign_work_orders", args=[campaign.pk])
        )
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "no-store"

    def test_the_api_with_a_token_is_not_stored(self, cast, client):
        from meterops.api.services import issue_token

        _token, raw = issue_token(user=cast.officer, device_name="HP")
        response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response["Cache-Control"] == "no-store"

    def test_an_anonymous_page_keeps_its_own_caching(self, db, client):
        assert "no-store" not in client.get("/api/health").get("Cache-Control", "")

    @pytest.mark.django_db(transaction=True)
    def test_static_assets_are_not_marked(self, cast, client_for, live_server):
        from urllib.request import Request, urlopen

        session = client_for(cast.admin).cookies["sessionid"].value
        request = Request(  # noqa: S310 - the test's own server
            f"{live_server.url}/static/core/meterops.css",
            headers={"Cookie": f"sessionid={session}"},
        )
        with urlopen(request) as response:  # noqa: S310
            assert "no-store" not in (response.headers.get("Cache-Control") or "")
