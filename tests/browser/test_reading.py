"""A reading day clicked through: upload (on the shared pipeline, its worker run in-process),
verification, sending, approval, cancellation, recap."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from meterops.reading.choices import ReadingState
from meterops.reading.models import previous_period
from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.conftest import build_cast
from tests.reading.helpers import (
    PERIOD,
    anomaly,
    make_approver,
    make_customer,
    make_day,
    make_reading,
    make_route,
)


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    cast.day = make_day(cast.sp_a, code="A", day_of_month=15)
    route = make_route(cast.day, code="RBM-A1")
    cast.customers = [
        make_customer(route, 1, customer_id="510010000001", power_va=1300),
        make_customer(route, 2, customer_id="510010000002", power_va=1300),
        make_customer(route, 3, customer_id="510010000003", power_va=450),
    ]
    for customer in cast.customers:
        make_reading(
            customer,
            period=previous_period(PERIOD),
            register="1000",
            consumption_kwh=Decimal(100),
            state=ReadingState.APPROVED,
        )
    make_approver(cast.sp_a)
    anomaly("MB")
    return cast


CSV = (
    "BLTH;IDPEL;STAN;TGL_BACA;PETUGAS;LBKB;FOTO\n"
    f"{PERIOD};510010000001;1120;2026-02-15 08:00;UJANG;;1.jpg\n"
    f"{PERIOD};510010000002;1090;2026-02-15 08:10;UJANG;;2.jpg\n"
    f"{PERIOD};510010000003;2000;2026-02-15 08:20;UJANG;MB;3.jpg\n"
)


def _run_worker():
    """The upload's check and apply tasks, as the db_worker would run them."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _verify_all(page, button):
    page.get_by_label("Semua sesuai filter").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=button).click()
    expect(page.locator(".alert-success")).to_contain_text("3 stan diproses")


def test_reading_day_from_upload_to_recap(cast, new_page):
    vendor = new_page()
    login(vendor, "vendor.a")
    vendor.locator("#main-menu").get_by_role("link", name="Unggah Stan Meter").click()
    vendor.set_input_files(
        "#upload-form input[type=file]",
        {"name": "stan.csv", "mimeType": "text/csv", "buffer": CSV.encode()},
    )
    vendor.locator("#upload-form").get_by_role("button", name="Unggah").click()
    expect(vendor.locator("#upload-facts")).to_be_visible()
    _run_worker()
    vendor.reload()
    vendor.get_by_role("button", name="Terapkan 3 baris").click()
    _run_worker()
    vendor.goto(f"/reading/verifications/?reading_day={cast.day.pk}&period={PERIOD}")
    expect(vendor.locator("#reading-table")).to_contain_text("Jam nyala > 2000")
    _verify_all(vendor, "Setujui (Admin Vendor)")

    supervisor = new_page()
    login(supervisor, "pengawas.a")
    supervisor.goto(vendor.url)
    _verify_all(supervisor, "Setujui (Pengawas)")

    vendor.reload()
    vendor.once("dialog", lambda dialog: dialog.accept())
    vendor.get_by_role("button", name="Kirim ke AP2T").click()
    expect(vendor.locator(".alert-success")).to_contain_text("3 stan diproses")

    approver = new_page(PHONE)
    login(approver, "spvte.a")
    approver.get_by_role("button", name="Buka menu").click()
    approver.locator("#main-menu").get_by_role("link", name="Pengesahan Stan Meter").click()
    approver.select_option("#id_reading_day", label=f"ULP ALFA SATU · {cast.day}")
    approver.fill("#id_period", PERIOD)
    approver.get_by_role("button", name="Tampilkan").click()
    expect(approver.locator('[data-count="pending"]')).to_have_text("3")
    assert_fits_phone(approver)
    approver.once("dialog", lambda dialog: dialog.accept())
    approver.get_by_role("button", name="Sah/Setuju").click()
    expect(approver.locator(".alert-success")).to_contain_text("Sukses: 2 pelanggan disahkan")
    held = approver.locator("#approval-table tr", has_text="510010000003")
    expect(held).to_contain_text("Jam nyala > 2000")
    expect(held).to_contain_text("Belum disahkan")
    expect(approver.locator('[data-count="approved"]')).to_have_text("2")
    assert_fits_phone(approver)

    row = approver.locator("#approval-table tr", has_text="510010000002")
    row.get_by_label("Alasan pembatalan 510010000002").fill("Stan salah ketik")
    row.get_by_role("button", name="Batal").click()
    expect(approver.locator(".alert-success")).to_contain_text("1 pelanggan dibatalkan")
    expect(approver.locator('[data-count="pending"]')).to_have_text("2")

    approver.goto(f"/reading/recaps/?period={PERIOD}")
    recap = approver.locator("#recap-table tr", has_text="ULP ALFA SATU")
    expect(recap).to_contain_text("1")
    recap.get_by_role("link", name="2").click()
    expect(approver.locator("#recap-customers")).to_contain_text("Belum disahkan")
    assert_fits_phone(approver)
