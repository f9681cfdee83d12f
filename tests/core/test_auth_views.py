import re

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse

from tests.factories import TEST_PASSWORD


def _captcha_answer(client):
    """Open the login page and read the expected captcha answer from the test database."""
    page = client.get(reverse("core:login")).content.decode()
    hashkey = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    return hashkey, CaptchaStore.objects.get(hashkey=hashkey).response


def _login(client, username, password, *, captcha_right=True, **meta):
    hashkey, answer = _captcha_answer(client)
    return client.post(
        reverse("core:login"),
        {
            "username": username,
            "password": password,
            "captcha_0": hashkey,
            "captcha_1": answer if captcha_right else "999",
        },
        **meta,
    )


@pytest.fixture(autouse=True)
def _axes_reset(db):
    from axes.utils import reset

    reset()


class LoginTests:
    def test_logs_in_with_password_and_captcha(self, cast, client):
        response = _login(client, "pengawas.a", TEST_PASSWORD)
        assert response.status_code == 302
        assert response.url == reverse("core:dashboard")

    def test_wrong_captcha_is_refused_in_indonesian(self, cast, client):
        response = _login(client, "pengawas.a", TEST_PASSWORD, captcha_right=False)
        assert response.status_code == 200
        assert "Jawaban captcha salah" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_wrong_password_says_so(self, cast, client):
        response = _login(client, "pengawas.a", "salah")
        assert "Username atau password salah" in response.content.decode()

    def test_inactive_user_cannot_log_in(self, cast, client):
        cast.officer.is_active = False
        cast.officer.save()
        response = _login(client, "petugas.a", TEST_PASSWORD)
        assert "_auth_user_id" not in client.session
        assert response.status_code == 200

    def test_five_failures_lock_the_account(self, cast, client):
        for _ in range(5):
            _login(client, "pengawas.a", "salah")
        response = _login(client, "pengawas.a", TEST_PASSWORD)
        assert response.status_code == 429
        assert "Akun “pengawas.a” dikunci sampai pukul" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_pages_require_login(self, client, db):
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("core:login"))

    def test_logout_is_post_only_and_ends_session(self, cast, client_for):
        client = client_for(cast.supervisor)
        assert client.get(reverse("core:logout")).status_code == 405
        client.post(reverse("core:logout"))
        assert "_auth_user_id" not in client.session


class PasswordChangeTests:
    def test_changes_password(self, cast, client_for):
        client = client_for(cast.supervisor)
        response = client.post(
            reverse("core:password_change"),
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "ganti-baru-2026",
                "new_password2": "ganti-baru-2026",
            },
        )
        assert response.status_code == 302
        cast.supervisor.refresh_from_db()
        assert cast.supervisor.check_password("ganti-baru-2026")

    def test_wrong_old_password_is_refused(self, cast, client_for):
        client = client_for(cast.supervisor)
        response = client.post(
            reverse("core:password_change"),
            {
                "old_password": "salah",
                "new_password1": "ganti-baru-2026",
                "new_password2": "ganti-baru-2026",
            },
        )
        assert response.status_code == 200
        assert "salah" in response.content.decode().lower()


def test_csrf_is_enforced_on_login(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("core:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403


class PasswordChangeLockoutTests:
    def test_wrong_old_passwords_count_toward_the_login_lockout(self, cast, client_for):
        client = client_for(cast.supervisor)
        for n in range(5):
            client.post(
                reverse("core:password_change"),
                {
                    "old_password": f"tebakan-{n}",
                    "new_password1": "ganti-baru-2026",
                    "new_password2": "ganti-baru-2026",
                },
            )
        response = client.post(
            reverse("core:password_change"),
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "ganti-baru-2026",
                "new_password2": "ganti-baru-2026",
            },
        )
        assert response.status_code == 429
        cast.supervisor.refresh_from_db()
        assert cast.supervisor.check_password(TEST_PASSWORD)
