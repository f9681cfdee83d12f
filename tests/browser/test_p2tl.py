"""Daftar Suspect P2TL in a real browser on a 390 px phone: the supervisor finds the list in
the menu, orders an inspection for a suspect, the officer records a violation with its photo,
the list marks it, and the Excel export carries the same rows (issue #23)."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from meterops.fieldwork import services as fieldwork
from meterops.fieldwork.choices import OrderKind
from meterops.fieldwork.models import FieldOrder
from tests.browser.conftest import PHONE, PageWatch, assert_fits_phone, login
from tests.conftest import build_cast
from tests.fieldwork.helpers import jpeg
from tests.p2tl.helpers import card_months, prepaid_customer, token_calls


@pytest.fixture
def cast(transactional_db):
    return build_cast()


def _file(upload):
    upload.seek(0)
    return {"name": upload.name, "mimeType": upload.content_type, "buffer": upload.read()}


def test_from_the_list_to_an_inspection_and_back(cast, new_page):
    tampered = prepaid_customer(cast.sp_a, name="TERDUGA SATU")
    card_months(tampered, tamper=(0, 1))
    caller = prepaid_customer(cast.sp_a, name="TERDUGA DUA")
    token_calls(caller, 3)

    page = new_page(PHONE)
    watch = PageWatch(page)
    login(page, "pengawas.a")
    # Every page is in the menu (collapsed on a phone): check the entry, then go there.
    expect(page.locator("#main-menu a", has_text="Daftar Suspect P2TL")).to_have_count(1)
    page.goto("/p2tl/suspects/")
    expect(page.locator("h1")).to_have_text("Daftar Suspect P2TL")
    rows = page.locator("#suspect-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(tampered.customer_id)
    expect(rows.first).to_contain_text("Status tamper 08 pada 2 bulan load profile")
    assert_fits_phone(page)

    page.locator(f"input[name=selected][value='{tampered.pk}']").check()
    page.locator("#inspect-button").click()
    expect(page.locator(".alert-success")).to_contain_text("1 order Pemeriksaan P2TL")
    order = FieldOrder.objects.get(kind=OrderKind.P2TL_INSPECTION)
    expect(page.locator(f"#suspect-{tampered.customer_id}")).to_contain_text(order.reference)
    expect(page.locator(f"input[name=selected][value='{tampered.pk}']")).to_have_count(0)
    assert_fits_phone(page)

    fieldwork.assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.all(), officer=cast.officer
    )
    officer = new_page(PHONE)
    officer_watch = PageWatch(officer)
    login(officer, "petugas.a")
    officer.goto(f"/fieldwork/orders/{order.pk}/")
    officer.select_option("#id_finding", "violation")
    officer.set_input_files("#id_photo", _file(jpeg()))
    officer.fill("#id_note", "Segel terminal rusak, kabel by-pass")
    officer.get_by_role("button", name="Simpan Hasil").click()
    expect(officer.locator(".alert-success")).to_contain_text("tersimpan")
    expect(officer.locator("#inspection-finding")).to_have_text("Ditemukan pelanggaran")
    assert_fits_phone(officer)
    officer_watch.assert_clean(officer)

    page.reload()
    expect(page.locator(f"#suspect-{tampered.customer_id}")).to_contain_text(
        "Pelanggaran ditemukan"
    )
    with page.expect_download() as download:
        page.locator("#export-link").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    listed = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert listed == [tampered.customer_id, caller.customer_id]
    watch.assert_clean(page)
