"""What the templates' inline handlers did, done by core/static/core/meterops.js under the CSP
(issue #17): "Pilih semua" ticks every row, the billing filter submits itself. The fixture
``new_page`` fails the test on any CSP violation the browser reports."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from meterops.replacement.models import DamageType
from meterops.replacement.services import DamageReport, report_damage
from tests.browser.conftest import login
from tests.conftest import build_cast
from tests.factories import CustomerFactory
from tests.replacement.conftest import jpeg


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    damage = DamageType.objects.get_or_create(code="display-mati", defaults={"name": "Mati"})[0]
    for number in ("510010000701", "510010000702"):
        report_damage(
            actor=cast.supervisor,
            customer=CustomerFactory(unit=cast.sp_a, customer_id=number),
            report=DamageReport(damage_type=damage, reading_at_discovery=Decimal("10")),
            photos=[jpeg()],
        )
    return cast


def test_select_all_ticks_every_row(cast, new_page):
    page = new_page()
    login(page, "pengawas.a")
    page.goto("/replacement/verification/")
    rows = page.locator("input[name=selected]")
    expect(rows).to_have_count(2)

    page.get_by_label("Pilih semua").check()
    for index in range(2):
        expect(rows.nth(index)).to_be_checked()
    page.get_by_label("Pilih semua").uncheck()
    expect(rows.first).not_to_be_checked()


def test_the_billing_filter_submits_on_change(cast, new_page):
    page = new_page()
    login(page, "pengawas.a")
    page.goto("/replacement/billing/")
    page.select_option("select[name=show]", "all")
    page.wait_for_url("**/replacement/billing/?show=all")
