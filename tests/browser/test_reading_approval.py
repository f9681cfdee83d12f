"""The approver's view clicked through on a desktop and a phone (seed 001: "Memverifikasi hasil
verifikasi yang dilakukan oleh Admin Vendor & Pengawas"; issue #19)."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from meterops.reading.choices import ApprovalScope
from meterops.reading.models import Reading, ReadingSettings, previous_period
from meterops.reading.services import (
    send_reading_day,
    verify_readings_as_supervisor,
    verify_readings_as_vendor,
)
from tests.browser.conftest import DESKTOP, PHONE, PageWatch, assert_fits_phone, login
from tests.conftest import build_cast
from tests.reading.helpers import (
    PERIOD,
    make_approver,
    make_customer,
    make_day,
    make_reading,
    make_route,
)

WAITING = previous_period(PERIOD)


@pytest.fixture
def cast(transactional_db):
    """ULP A approves per RBM: RBM-A1 verified by both and sent, RBM-A2 with an unread customer."""
    cast = build_cast()
    ReadingSettings.objects.create(unit=cast.area_a, approval_scope=ApprovalScope.ROUTE)
    cast.day = make_day(cast.sp_a, code="A", day_of_month=15)
    ready, cast.unread_route = make_route(cast.day, "RBM-A1"), make_route(cast.day, "RBM-A2")
    for n in (1, 2):
        make_reading(
            make_customer(ready, n, customer_id=f"51001000000{n}", name="<i>BUDI</i>"),
            period=WAITING,
        )
    make_customer(cast.unread_route, 1, customer_id="510010000009")
    readings = Reading.objects.filter(period=WAITING)
    verify_readings_as_vendor(actor=cast.vendor_a, readings=readings)
    verify_readings_as_supervisor(actor=cast.supervisor, readings=readings)
    send_reading_day(actor=cast.vendor_a, reading_day=cast.day, period=WAITING)
    make_approver(cast.sp_a)
    return cast


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_approver_checks_the_verifications_and_approves_one_rbm(cast, new_page, device):
    page = new_page(device)
    watch = PageWatch(page)
    login(page, "spvte.a")
    if device is PHONE:
        page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Pengesahan Stan Meter").click()

    # Opens on the BLTH with readings waiting, not the current month.
    expect(page.locator("#approval-day")).to_contain_text(f"BLTH {WAITING}")
    expect(page.locator("#pending-days-table")).to_contain_text(WAITING)
    expect(page.locator("#approval-pattern")).to_contain_text("Per RBM")
    expect(page.locator("#choose-route")).to_be_visible()
    expect(page.locator("#waiting-table")).to_contain_text("510010000009")
    expect(page.locator("#waiting-table")).to_contain_text("Belum terbaca")
    row = page.locator("#approval-table tr", has_text="510010000001")
    expect(row).to_contain_text("Belum disahkan")
    if device is DESKTOP:
        expect(row.locator('[data-step="vendor"]')).to_contain_text("Diterima")
        expect(row.locator('[data-step="supervisor"]')).to_contain_text("Diterima")
        expect(page.locator("#approval-table")).to_contain_text("<i>BUDI</i>")
    if device is PHONE:
        assert_fits_phone(page)

    page.select_option("#id_route", label="RBM-A1")
    page.fill("#id_customer_id", "510010000002")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#approval-table tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("#approval-export").click()
    assert download.value.suggested_filename == f"pengesahan-51001-A-{WAITING}.xlsx"
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["IDPEL", "510010000002"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sah/Setuju").click()
    expect(page.locator(".alert-success")).to_contain_text("Sukses: 2 pelanggan disahkan")
    expect(page.locator("#posting-list")).to_contain_text(f"P1F2-51001-{WAITING}-RBM-A1-")
    expect(page.locator("#posting-list")).to_contain_text("Tandai diambil AP2T")
    if device is PHONE:
        assert_fits_phone(page)
    watch.assert_clean(page)
