"""Menu Upload in a real browser: template download, upload, progress, preview, apply, history,
at desktop width and on a 390 px phone."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from meterops.replacement.models import DamageType, ReplacementTarget
from tests.browser.conftest import DESKTOP, PHONE, assert_fits_phone, login
from tests.conftest import build_cast
from tests.factories import CustomerFactory, MeterFactory


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    DamageType.objects.get_or_create(code="display-mati", defaults={"name": "Display mati / blank"})
    cast.customers = [CustomerFactory(unit=cast.sp_a) for _ in range(2)]
    for customer in cast.customers:
        MeterFactory(customer=customer)
    return cast


def _open_menu(page, label, device):
    if device is PHONE:
        page.locator(".navbar-toggler").click()
    page.locator("#main-menu").get_by_role("link", name=label).click()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_upload_template_check_preview_apply_history(cast, new_page, screenshot, device):
    page = new_page(device)
    login(page, "pengawas.a")
    _open_menu(page, "TO Ganti Meter Ex DG", device)
    expect(page.locator("h1")).to_contain_text("TO Ganti Meter Ex DG")
    if device is PHONE:
        assert_fits_phone(page)

    with page.expect_download() as download:
        page.locator("#download-template").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert [c.value for c in workbook["Data"][1]][:2] == ["IDPEL", "JENIS_KERUSAKAN"]
    sheet = workbook["Data"]
    sheet.delete_rows(2)
    for customer in cast.customers:
        sheet.append([customer.customer_id, "Display mati / blank", "1.234,5"])
    sheet.append(["520010000001", "Display mati / blank"])  # another unit's IDPEL
    buffer = io.BytesIO()
    workbook.save(buffer)

    page.set_input_files(
        "#id_file",
        {
            "name": "to-ex-dg.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": buffer.getvalue(),
        },
    )
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#progress [role=progressbar]")).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("Memeriksa berkas")
    run_worker()  # the background worker checks the file; the page polls and reloads
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("#rejected-rows")).to_contain_text("tidak ada di DIL unit Anda")
    with page.expect_download() as report:
        page.locator("#error-report").click()
    rejected = openpyxl.load_workbook(io.BytesIO(report.value.path().read_bytes())).active
    assert rejected["A2"].value == "520010000001"
    if device is PHONE:
        assert_fits_phone(page)
    screenshot(page, f"imports-preview-{'phone' if device is PHONE else 'desktop'}")

    page.locator("#apply-form button").click()
    expect(page.locator("#progress")).to_be_visible()
    run_worker()
    expect(page.locator("h1 .badge")).to_have_text("Selesai")
    expect(page.locator("#created-records a")).to_have_count(2)
    assert ReplacementTarget.objects.count() == 2
    page.locator("#created-records a").first.click()
    expect(page.locator("h1")).to_contain_text("TO-")

    _open_menu(page, "Upload", device)
    history = page.locator("#upload-history")
    expect(history).to_contain_text("to-ex-dg.xlsx")
    expect(history.locator("[data-state=applied]")).to_have_count(1)
    if device is PHONE:
        assert_fits_phone(page)
