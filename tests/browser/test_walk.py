"""The strict walk (issue #20): every menu page of every demo role, on the demo data, at desktop
and phone width, as a real browser shows it. A page fails the walk on:

- a script or console error, or a request that failed or was answered 4xx/5xx (assets, htmx);
- a chart (an ``svg[role=img]``) without one drawn data mark (``.mark`` with a non-zero size);
- text a user should never read: template code, Python values, internal codes such as
  ``replacement.opened``, ``invalid: 1``, or framework words in English or mistranslated
  (Django's own catalogue turns our "No" into "Tidak" and "Order" into "Urutan");
- an accessibility violation of serious or critical impact found by axe-core
  (``tests/browser/vendor/axe-core``, from npm like the front end's libraries);
- on the phone, a page wider than the screen.

The desktop walk also opens the first record each list links to (details and timelines).
Every problem of a role is collected, so one run names them all.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from meterops.core.demo import DEMO_PASSWORD, DEMO_USERS
from tests.browser.conftest import DESKTOP, PHONE, PageWatch, fill_login
from tests.conftest import restore_migrated_rows

pytestmark = pytest.mark.walk

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WEB_ROLES = [user[0] for user in DEMO_USERS]

# Codes the domains write into events and summaries: "replacement.opened", "prepaid.tokens_issued".
DOMAINS = "|".join(
    [
        "core",
        "customers",
        "replacement",
        "reading",
        "prepaid",
        "keychange",
        "fieldwork",
        "complaints",
        "imports",
        "vending",
        "p2tl",
    ]
)
ENGLISH_KEYS = "invalid|valid|done|failed|pending|total|rows|errors?"
RAW_TEXT = [
    (re.compile(r"\{\{|\}\}|\{%|%\}"), "template code"),
    (re.compile(r"\b(None|True|False|nan)\b"), "a Python value"),
    (re.compile(rf"\b({DOMAINS})\.[a-z_]+\b"), "an internal code"),
    (re.compile(rf"\b([a-z]+_[a-z_]+|{ENGLISH_KEYS})\s*[:=] ?\d"), "a raw summary key"),
    (
        re.compile(r"\b(Previous|Next|Submit|Delete|Search|Loading|This field|Enter a valid)\b"),
        "English",
    ),
]
# Column headers Django's Indonesian catalogue made of our own words (the source is
# Indonesian): "No" became "Tidak". ("Urutan" is also our own word for a reading sequence;
# tests/core/test_screen_text.py guards "Order".)
MISTRANSLATED_HEADERS = {"Tidak", "Ya"}

CHART_MARKS = """() => Array.from(document.querySelectorAll('main svg[role=img]')).filter(svg => {
    return !Array.from(svg.querySelectorAll('.mark')).some(mark => {
        const box = mark.getBBox();
        return box.width > 0 && (box.height > 0 || mark.tagName === 'polyline');
    });
}).map(svg => svg.getAttribute('aria-label') || svg.id || 'svg')"""

AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.impact} ${v.id}: ${v.help} — ` +
                  v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture
def demo(django_db_serialized_rollback, transactional_db):
    """The demo data, on the rows the data migrations made (damage types, anomaly codes),
    which the flush after every live-server test removed."""
    restore_migrated_rows()
    call_command("seed_demo", customers=120, targets=6, verbosity=0)


def problems_on(page, watch, url, *, phone):
    """What is wrong with the page the browser shows now."""
    found = [f"{url}: {problem}" for problem in watch.problems]
    watch.problems.clear()
    text = page.locator("body").inner_text()
    for pattern, what in RAW_TEXT:
        for match in sorted({m.group(0) for m in pattern.finditer(text)}):
            found.append(f"{url}: shows {what} {match!r}")
    headers = {h.strip() for h in page.locator("th").all_inner_texts()}
    for header in sorted(headers & MISTRANSLATED_HEADERS):
        found.append(f"{url}: a column header reads {header!r}")
    for chart in page.evaluate(CHART_MARKS):
        found.append(f"{url}: chart {chart!r} draws nothing")
    page.evaluate(AXE)
    for violation in page.evaluate(AXE_RUN):
        found.append(f"{url}: axe {violation}")
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["viewport"]["width"]:
            found.append(f"{url}: {width}px wide on a {PHONE['viewport']['width']}px phone")
    return found


FIRST_DETAIL = """() => {
    const files = /\\.(pdf|xlsx|csv|png|jpe?g)$|\\/(pdf|excel|export|download|file)\\b/;
    const link = Array.from(document.querySelectorAll('main table tbody a[href^="/"]'))
        .find(a => !files.test(a.getAttribute('href')) && !a.target);
    return link ? link.getAttribute('href') : null;
}"""


# The README's pictures, taken on the demo data so the charts are drawn (make screenshots).
SCREENSHOTS = {
    ("admin", "/"): "dashboard",
    ("admin", "/keychange/campaigns/dashboard/"): "keychange-dashboard",
    ("admin", "/fieldwork/scorecard/"): "scorecard",
}


def settle(page, url):
    """Open ``url`` and wait until it is complete: the field app fetches after loading (half a
    second of network quiet); the web pages need only their load and no htmx call in flight,
    which saves that half second on each of some 900 pages."""
    page.goto(url)
    if url.startswith("/m/"):
        page.wait_for_load_state("networkidle")
    else:
        page.wait_for_function("() => !document.querySelector('.htmx-request')")


def walk(page, username, *, phone, screenshot):
    """Every menu page; on the desktop also the first record each list links to, where the
    timelines and details are."""
    watch = PageWatch(page)
    fill_login(page, username, DEMO_PASSWORD)
    page.wait_for_url("**/")
    urls = page.locator("#main-menu a.nav-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert urls, f"{username} has no menu"
    found, details = [], []
    for url in urls:
        settle(page, url)
        found += problems_on(page, watch, url, phone=phone)
        if not phone and (username, url) in SCREENSHOTS:
            screenshot(page, SCREENSHOTS[username, url])
        detail = page.evaluate(FIRST_DETAIL)
        if not phone and detail and detail not in urls and detail not in details:
            details.append(detail)
    for url in details:
        settle(page, url)
        found += problems_on(page, watch, url, phone=phone)
    return found


@pytest.mark.parametrize("username", WEB_ROLES)
def test_every_menu_page_is_clean_at_both_widths(demo, new_page, screenshot, username):
    found = []
    for device, phone in ((DESKTOP, False), (PHONE, True)):
        label = "phone" if phone else "desktop"
        found += [
            f"[{label}] {p}"
            for p in walk(new_page(device), username, phone=phone, screenshot=screenshot)
        ]
    assert not found, f"{len(found)} problems for {username}:\n" + "\n".join(found)
