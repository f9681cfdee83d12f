"""Upload › Stok Meter Prabayar in a real browser: the template, a file with a good and a bad
row, the preview naming the bad cell, apply; at desktop width and on a 390 px phone."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from meterops.prepaid.models import MeterStock
from tests.browser.conftest import DESKTOP, PHONE, assert_fits_phone, login
from tests.browser.test_imports import run_worker
from tests.conftest import build_cast


@pytest.fixture
def cast(transactional_db):
    return build_cast()


def _watch(page) -> list[str]:
    """Console errors and failed requests of the page, as they happen; a download is a
    navigation the browser aborts by design."""
    problems = []

    def failed(request):
        if not request.url.endswith(".xlsx"):
            problems.append(f"{request.url} {request.failure}")

    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", failed)
    return problems


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_supervisor_loads_the_ulp_stock_from_the_template(cast, new_page, screenshot, device):
    page = new_page(device)
    problems = _watch(page)
    login(page, "pengawas.a")
    if device is PHONE:
        page.locator(".navbar-toggler").click()
    page.locator("#main-menu").get_by_role("link", name="Stok Meter Prabayar").click()
    expect(page.locator("h1")).to_contain_text("Stok Meter Prabayar")
    if device is PHONE:
        assert_fits_phone(page)

    with page.expect_download() as download:
        page.locator("#download-template").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook["Data"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["KODE_ULP", "NO_METER", "MERK"]
    sheet.delete_rows(2)
    good = {"KODE_ULP": "51001", "NO_METER": "32031017700", "MERK": "ITRON", "NFC": "YA"}
    good |= {"SGC": "600551", "TI": "01", "VKRN": "42", "KRN": 2}
    sheet.append([good.get(h) for h in headers])
    bad = {**good, "NO_METER": "32031017701", "VKRN": "41"}  # KRN 2 does not fit VKRN 41
    sheet.append([bad.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)

    page.set_input_files(
        "#id_file",
        {"name": "stok.xlsx", "mimeType": "application/octet-stream", "buffer": buffer.getvalue()},
    )
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#progress")).to_contain_text("Memeriksa berkas")
    run_worker()
    expect(page.locator('[data-count="new"]')).to_have_text("1")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("#rejected-rows")).to_contain_text("VKRN 41 memakai KRN 1, bukan 2.")
    if device is PHONE:
        assert_fits_phone(page)
    screenshot(page, f"stock-upload-preview-{'phone' if device is PHONE else 'desktop'}")

    page.locator("#apply-form button").click()
    run_worker()
    expect(page.locator("h1 .badge")).to_have_text("Selesai")
    stock = MeterStock.objects.get()
    assert (stock.meter_number, stock.unit, stock.vkrn, stock.key_revision) == (
        "32031017700",
        cast.sp_a,
        42,
        2,
    )
    expect(page.locator("main")).not_to_contain_text("{{")
    assert problems == []
