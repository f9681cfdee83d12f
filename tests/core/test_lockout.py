"""Login lockout (issue #17): a username locks after its own failures, a client address only
after many more, and the address comes from X-Forwarded-For only behind trusted proxies."""

import pytest
from django.test import RequestFactory
from freezegun import freeze_time

from meterops.core.lockout import client_ip
from tests.factories import TEST_PASSWORD

from .test_auth_views import _login

pytestmark = pytest.mark.django_db

OFFICE = "10.20.30.40"  # one office behind one NAT
PROXY = "10.0.0.2"  # the nginx in front of the application


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOCKOUT_IP_FAILURE_LIMIT = 12


def api_login(client, username, password, **meta):
    return client.post(
        "/api/auth/login",
        {"username": username, "password": password},
        content_type="application/json",
        **meta,
    )


class UsernameLockTests:
    def test_made_up_usernames_from_one_address_do_not_lock_a_real_user_out(self, cast, client):
        for n in range(5):
            _login(client, f"tidak.ada.{n}", "salah")
        response = _login(client, "pengawas.a", TEST_PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(cast.supervisor.pk)

    def test_a_username_locks_after_its_failures_from_any_address(self, cast, client):
        for n in range(5):
            api_login(client, "petugas.a", "salah", REMOTE_ADDR=f"192.0.2.{n + 1}")
        locked = api_login(client, "petugas.a", TEST_PASSWORD, REMOTE_ADDR="192.0.2.99")
        assert locked.status_code == 429

    def test_a_locked_username_does_not_lock_its_colleagues(self, cast, client):
        for _ in range(5):
            api_login(client, "petugas.a", "salah", REMOTE_ADDR=OFFICE)
        assert api_login(client, "pengawas.a", TEST_PASSWORD, REMOTE_ADDR=OFFICE).status_code == 200


class AddressLimitTests:
    def test_one_address_is_limited_after_many_made_up_usernames(self, cast, client):
        for n in range(12):
            api_login(client, f"tidak.ada.{n}", "salah", REMOTE_ADDR=OFFICE)
        assert api_login(client, "pengawas.a", TEST_PASSWORD, REMOTE_ADDR=OFFICE).status_code == 429
        other = api_login(client, "pengawas.a", TEST_PASSWORD, REMOTE_ADDR="192.0.2.7")
        assert other.status_code == 200

    def test_behind_a_trusted_proxy_each_client_has_its_own_limit(self, cast, client, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        for n in range(12):
            api_login(
                client,
                f"tidak.ada.{n}",
                "salah",
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="198.51.100.1",
            )
        locked = api_login(
            client,
            "pengawas.a",
            TEST_PASSWORD,
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
        free = api_login(
            client,
            "pengawas.a",
            TEST_PASSWORD,
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.2",
        )
        assert locked.status_code == 429
        assert free.status_code == 200

    def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(self, cast, client, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        for n in range(12):
            # A client that invents a new address for every try is still one address.
            api_login(
                client,
                f"tidak.ada.{n}",
                "salah",
                REMOTE_ADDR=OFFICE,
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}",
            )
        answer = api_login(
            client,
            "pengawas.a",
            TEST_PASSWORD,
            REMOTE_ADDR=OFFICE,
            HTTP_X_FORWARDED_FOR="192.0.2.50",
        )
        assert answer.status_code == 429


class LockoutAnswerTests:
    def test_the_api_answers_a_lockout_in_json_in_indonesian(self, cast, client):
        for _ in range(5):
            api_login(client, "petugas.a", "salah")
        answer = api_login(client, "petugas.a", TEST_PASSWORD)
        assert answer.status_code == 429
        assert answer["Content-Type"].startswith("application/json")
        body = answer.json()
        assert body["code"] == "locked_out"
        assert "Terlalu banyak percobaan" in body["message"]

    def test_the_web_login_answers_a_lockout_with_its_page(self, cast, client):
        # The page names the locked account and the time it opens again, on the clock of the
        # zone the page shows (issue #20); 15 minutes after the last failure.
        with freeze_time("2026-12-06 03:00:00"):
            for _ in range(5):
                _login(client, "pengawas.a", "salah")
            page = _login(client, "pengawas.a", TEST_PASSWORD)
        assert page.status_code == 429
        text = page.content.decode()
        assert "Akun “pengawas.a” dikunci sampai pukul 10:15 WIB (06-12-2026)" in text

    def test_an_address_locked_by_many_usernames_is_named_as_the_address(self, cast, client):
        for n in range(12):
            _login(client, f"tidak.ada.{n}", "salah", REMOTE_ADDR=OFFICE)
        page = _login(client, "pengawas.a", TEST_PASSWORD, REMOTE_ADDR=OFFICE)
        assert page.status_code == 429
        assert "Alamat jaringan Anda dikunci sampai pukul" in page.content.decode()
        assert "pengawas.a" not in page.content.decode().split('id="lockout-message"')[1]


class ClientIpTests:
    def request(self, **meta):
        return RequestFactory().get("/", REMOTE_ADDR=PROXY, **meta)

    def test_without_trusted_proxies_the_socket_address_counts(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(self.request(HTTP_X_FORWARDED_FOR="198.51.100.1")) == PROXY

    def test_behind_one_proxy_the_address_it_appended_counts(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        # The client forged the first entry; nginx appended the address it really saw.
        forwarded = "203.0.113.9, 198.51.100.1"
        assert client_ip(self.request(HTTP_X_FORWARDED_FOR=forwarded)) == "198.51.100.1"

    def test_behind_two_proxies_the_second_entry_from_the_right_counts(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        forwarded = "203.0.113.9, 198.51.100.1, 10.0.0.3"
        assert client_ip(self.request(HTTP_X_FORWARDED_FOR=forwarded)) == "198.51.100.1"

    def test_a_missing_or_garbled_header_falls_back_to_the_socket(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(self.request()) == PROXY
        assert client_ip(self.request(HTTP_X_FORWARDED_FOR="bukan-alamat")) == PROXY
