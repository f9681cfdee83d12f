"""The PLN 123 wizard down both ticket kinds, on a phone-width screen."""

import pytest
from playwright.sync_api import expect

from meterops.core.choices import RoleCode
from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.complaints.helpers import upgraded_meter
from tests.conftest import build_cast
from tests.factories import UserFactory


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])
    cast.meters = [upgraded_meter(cast)[0], upgraded_meter(cast)[0]]
    return cast


def answer(page, meter, *, power, kwh=None):
    page.goto("/")
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Token Tidak Bisa Masuk").click()
    page.fill("#id_q", meter.meter_number)
    page.get_by_role("button", name="Cek").click()
    expect(page.locator("#wizard-vkrn")).to_have_text("43")
    page.get_by_label("1. Pelanggan sudah menginput nomor token yang sesuai").check()
    page.get_by_role("radio", name="Ya", exact=True).check()
    page.get_by_role("radio", name=power, exact=True).check()
    if kwh is not None:
        page.fill("#id_remaining_kwh", kwh)
    assert_fits_phone(page)
    page.get_by_role("button", name="5. Kirim ke APKT").click()


def test_wizard_sends_keluhan_then_gangguan(cast, new_page):
    page = new_page(PHONE)
    login(page, "cso.uid")
    answer(page, cast.meters[0], power="Menyala, sisa kWh diketahui", kwh="25")
    expect(page.locator("#ticket-kind")).to_have_text("APKT Keluhan")
    assert_fits_phone(page)
    answer(page, cast.meters[1], power="Padam")
    expect(page.locator("#ticket-kind")).to_have_text("APKT Gangguan")
    expect(page.locator("#diagnosis")).to_contain_text("Waktu update")
    page.goto("/")
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Tiket APKT").click()
    expect(page.locator("#ticket-table tbody tr")).to_have_count(2)
    assert_fits_phone(page)
