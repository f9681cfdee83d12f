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


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_billing_conflict_reviewed_from_konflik_peremajaan(cast, new_page, device):
    from datetime import date
    from decimal import Decimal

    from meterops.replacement.choices import BillingOutcome
    from meterops.replacement.models import BillingReplacement

    customer = cast.customers[0]
    BillingReplacement.objects.create(
        row_key="AGD-0001",
        customer=customer,
        unit=cast.sp_a,
        replaced_on=date(2026, 11, 20),
        new_meter_brand="ITRON",
        new_meter_number="45000000001",
        old_final_reading=Decimal("1200.5"),
        new_initial_reading=Decimal("0"),
        outcome=BillingOutcome.CONFLICT,
        conflict_reason="Lapangan memasang meter 45000000999, billing mencatat 45000000001.",
    )
    page = new_page(device)
    login(page, "pengawas.a")
    _open_menu(page, "Konflik Peremajaan", device)
    expect(page.locator("main")).to_contain_text("AGD-0001")
    if device is PHONE:
        assert_fits_phone(page)
    page.get_by_role("link", name="AGD-0001").click()
    expect(page.locator("main")).to_contain_text("45000000999")
    # The browser refuses an empty note before it is sent; the service refuses it too.
    expect(page.locator("textarea[name=note]")).to_have_attribute("required", "")
    page.locator("textarea[name=note]").fill("Meter lapangan benar; billing dikoreksi via AP2T.")
    page.locator("button[type=submit]", has_text="Tandai sudah ditinjau").click()
    expect(page.locator(".alert")).to_contain_text("sudah ditinjau")
    page.get_by_role("link", name="Kembali ke Konflik Peremajaan").click()
    expect(page.locator("main")).not_to_contain_text("AGD-0001")
    row = BillingReplacement.objects.get(row_key="AGD-0001")
    assert row.resolved_by.username == "pengawas.a"
    assert row.resolution_note.startswith("Meter lapangan benar")
