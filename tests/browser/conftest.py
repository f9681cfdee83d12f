"""Playwright driving Debian's Chromium against the live test server."""

import os
import shutil
from pathlib import Path

import pytest
from captcha.models import CaptchaStore

from tests.factories import TEST_PASSWORD

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("METEROPS_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium) but was not found.")
        pytest.skip("Chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# What the browser reports when a page breaks the response headers' rules (issue #17).
HEADER_COMPLAINTS = ("Content Security Policy", "Permissions-Policy")


@pytest.fixture
def new_page(browser, live_server):
    """A page on the test server; the test fails if the browser refused anything the
    Content-Security-Policy forbids (an inline style, script or handler, a foreign image) or
    found a Permissions-Policy feature it does not know."""
    contexts, complaints = [], []

    def listen(page):
        def on_console(message):
            if any(words in message.text for words in HEADER_COMPLAINTS):
                complaints.append(f"{page.url}: {message.text} at {message.location}")

        page.on("console", on_console)
        return page

    def make(device=DESKTOP):
        context = browser.new_context(base_url=live_server.url, locale="id-ID", **device)
        context.set_default_timeout(10_000)
        context.on("page", listen)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert complaints == [], "\n".join(complaints)


@pytest.fixture
def screenshot():
    """Save a screenshot for the README when METEROPS_SCREENSHOTS names a folder."""
    folder = os.environ.get("METEROPS_SCREENSHOTS")

    def take(page, name):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


def fill_login(page, username, password=TEST_PASSWORD, *, captcha_right=True):
    """Fill the login form, answering the math captcha from the test database."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    hashkey = page.get_attribute("#id_captcha_0", "value")
    answer = CaptchaStore.objects.get(hashkey=hashkey).response
    page.fill("#id_captcha_1", answer if captcha_right else str(int(answer) + 1))
    page.click("button[type=submit]")


def login(page, username):
    fill_login(page, username)
    page.wait_for_url("**/")
    assert page.locator("h1").first.inner_text() == "Dashboard"


def settle_fetches(page):
    """Wait until the phone app's start-up fetches and its fetch of the work list came back.

    ``networkidle`` cannot tell: it fires once per navigation, and the app fetches after login
    and on each tap without navigating, with gaps between one request and the next."""
    page.evaluate("() => startUp")
    page.wait_for_function("() => workFetch === null")


def assert_fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide on a 390px phone"


class PageWatch:
    """What went wrong on a page while a test clicked through it: script errors, console
    errors, requests that failed or were answered 4xx/5xx."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"),
        )
        page.on(
            "requestfailed",
            lambda request: self.problems.append(f"failed: {request.method} {request.url}"),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and self.problems.append(f"{response.status}: {response.url}")
            ),
        )

    def assert_clean(self, page):
        """No problem so far, and no template code or Python ``None`` left on the screen."""
        text = page.locator("body").inner_text()
        raw = [piece for piece in ("{{", "}}", "{%", "%}", "None") if piece in text]
        assert not raw, f"{page.url} shows {raw}"
        assert not self.problems, "\n".join(self.problems)
