"""A client of the running stack CI starts from deploy/ (nginx, gunicorn, worker): HTTPS through
nginx from a chosen loopback address, the login through the captcha, and the database and run
folder of that stack for what a client cannot see (the captcha's answer, a process id)."""

from __future__ import annotations

import os
import re
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from requests.adapters import HTTPAdapter

LIVE_URL = os.environ.get("METEROPS_LIVE_URL", "")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CAPTCHA_KEY = re.compile(r'name="captcha_0" value="([0-9a-f]+)"')


def live_env() -> dict[str, str]:
    """The stack's environment file, KEY=value lines (deploy/meterops.env.example)."""
    values = {}
    for line in Path(os.environ["METEROPS_ENV_FILE"]).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def database():
    return psycopg.connect(live_env()["DATABASE_URL"], autocommit=True)


def query(sql: str, *params):
    with database() as connection:
        return connection.execute(sql, params).fetchall()


class SourceAddressAdapter(HTTPAdapter):
    """Connects from one loopback address, so nginx sees this client as that address, and
    trusts the stack's own certificate."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        kwargs["ssl_context"] = ssl.create_default_context(cafile=os.environ["METEROPS_LIVE_CA"])
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Client:
    """One browser-like client behind the proxy, from ``address`` (127.0.0.x)."""

    address: str = "127.0.0.1"
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.session.mount("https://", SourceAddressAdapter(self.address))
        self.session.mount("http://", SourceAddressAdapter(self.address))

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.session.get(LIVE_URL + path, timeout=30, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        """A form post with the page's CSRF token and the Referer Django checks over HTTPS."""
        kwargs.setdefault("allow_redirects", False)
        headers = {"Referer": LIVE_URL + path, **kwargs.pop("headers", {})}
        return self.session.post(LIVE_URL + path, data=data, headers=headers, timeout=60, **kwargs)

    def form_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return CSRF.search(page.text).group(1)

    def login(self, username: str, password: str) -> requests.Response:
        """The web login with its math captcha, answered from the captcha's own table."""
        page = self.get("/login/")
        assert page.status_code == 200, page.status_code
        key = CAPTCHA_KEY.search(page.text).group(1)
        ((answer,),) = query("SELECT response FROM captcha_captchastore WHERE hashkey = %s", key)
        return self.post(
            "/login/",
            {
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
                "username": username,
                "password": password,
                "captcha_0": key,
                "captcha_1": answer,
            },
        )


def wait_for(condition, *, seconds: float, step: float = 0.05, what: str = "condition"):
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")
