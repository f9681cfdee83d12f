"""The field app's shell, manifest and service worker, and the admin's device-token page."""

import pytest
from django.urls import reverse

from meterops.api.models import DeviceToken
from meterops.api.services import issue_token
from meterops.core.menu import menu_for

pytestmark = pytest.mark.django_db


class AppShellTests:
    def test_shell_needs_no_session_and_links_manifest_and_worker(self, client):
        page = client.get("/m/")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'rel="manifest"' in html and "/m/sw.js" in html
        assert "Input Data Rusak" in html and "Kontak Kami" in html

    def test_manifest_is_installable(self, client):
        manifest = client.get("/m/manifest.webmanifest")
        assert manifest["Content-Type"] == "application/manifest+json"
        data = manifest.json()
        assert data["display"] == "standalone" and data["start_url"] == "/m/"
        assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}

    def test_service_worker_is_scoped_to_the_app_and_caches_the_shell(self, client):
        worker = client.get("/m/sw.js")
        assert worker["Content-Type"] == "application/javascript"
        assert worker["Service-Worker-Allowed"] == "/m/"
        body = worker.content.decode()
        assert '"/m/"' in body and "mobile/app.js" in body and "/api/" in body
        assert "mobile/queue.js" in body  # the queue's part of the app works offline too


class TokenPageTests:
    def test_admin_sees_tokens_of_own_units_only(self, client_for, cast):
        issue_token(user=cast.supervisor, device_name="HP Ujang")
        issue_token(user=cast.outsider, device_name="HP Beta")
        page = client_for(cast.unit_admin).get(reverse("mobile:token_list"))
        assert page.status_code == 200
        assert "HP Ujang" in page.content.decode()
        assert "HP Beta" not in page.content.decode()

    def test_contractor_admin_sees_own_officers_tokens(self, client_for, cast, field_officer):
        issue_token(user=field_officer, device_name="HP Vendor")
        page = client_for(cast.vendor_a).get(reverse("mobile:token_list"))
        assert "HP Vendor" in page.content.decode()

    def test_revoke_logs_the_phone_out(self, client_for, cast):
        token, raw = issue_token(user=cast.supervisor)
        answer = client_for(cast.unit_admin).post(reverse("mobile:token_revoke", args=[token.pk]))
        assert answer.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None and token.revoked_by == cast.unit_admin
        api = client_for(cast.supervisor).get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert api.status_code == 401

    def test_outsider_admin_cannot_revoke(self, client_for, cast):
        token, _raw = issue_token(user=cast.officer)
        answer = client_for(cast.outsider_admin).post(
            reverse("mobile:token_revoke", args=[token.pk])
        )
        assert answer.status_code == 404
        assert DeviceToken.objects.get(pk=token.pk).revoked_at is None

    def test_contractor_admin_neither_lists_nor_revokes_pln_staff_tokens(self, client_for, cast):
        token, _raw = issue_token(user=cast.supervisor, device_name="HP Pengawas PLN")
        client = client_for(cast.vendor_a)
        assert "HP Pengawas PLN" not in client.get(reverse("mobile:token_list")).content.decode()
        answer = client.post(reverse("mobile:token_revoke", args=[token.pk]))
        assert answer.status_code == 404
        assert DeviceToken.objects.get(pk=token.pk).revoked_at is None

    def test_field_officer_gets_403(self, client_for, cast):
        assert client_for(cast.officer).get(reverse("mobile:token_list")).status_code == 403

    def test_menu_has_token_page_for_admins_and_app_link_for_all(self, cast):
        admin_urls = [e["url"] for e in menu_for(cast.unit_admin, "/")]
        officer_urls = [e["url"] for e in menu_for(cast.officer, "/")]
        assert "/m/tokens/" in admin_urls and "/m/" in admin_urls
        assert "/m/tokens/" not in officer_urls and "/m/" in officer_urls
