"""Walk customers through HOME in a real browser: report → verify → PK → distribute → replace,
and report → re-verify → BA → drop."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from meterops.core.choices import RoleCode
from meterops.replacement.models import DamageType
from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.conftest import build_cast
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.replacement.conftest import jpeg, pdf


def _file(upload):
    upload.seek(0)
    return {"name": upload.name, "mimeType": upload.content_type, "buffer": upload.read()}


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    # The data migration's damage types are flushed between browser tests; add the one used.
    DamageType.objects.get_or_create(code="display-mati", defaults={"name": "Display mati / blank"})
    cast.customer = CustomerFactory(
        unit=cast.sp_a, name="ASEP SUNANDAR", customer_id="510010000777"
    )
    MeterFactory(customer=cast.customer, meter_number="45000000777")
    cast.lbkb_customer = CustomerFactory(
        unit=cast.sp_a, name="DEDI LBKB", customer_id="510010000888"
    )
    cast.field_officer = UserFactory(
        username="petugas.vendor",
        first_name="Ujang",
        contractor=cast.contractor_a,
        roles=[RoleCode.FIELD_OFFICER],
    )
    return cast


def _report(page, customer_id, lbkb=False):
    page.locator("#main-menu").get_by_role("link", name="Data APP Rusak").click()
    page.get_by_role("link", name="Tambah Ex DG").click()
    page.fill("#id_customer_id", customer_id)
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#customer-idpel")).to_have_text(customer_id)
    page.select_option("#id_damage_type", label="Display mati / blank")
    if lbkb:
        page.get_by_label("Data LBKB (kelainan baca)").check()
    page.fill("#id_reading_at_discovery", "1500.5")
    page.set_input_files("#id_photos", [_file(jpeg()), _file(jpeg("kedua.jpg"))])
    page.get_by_role("button", name="Simpan data rusak").click()
    expect(page.locator(".alert-success")).to_contain_text("dibuat untuk IDPEL")
    expect(page.locator("#photos img")).to_have_count(2)
    return page.locator("h1").inner_text()


def test_customer_walks_from_report_to_replacement(cast, new_page, screenshot):
    page = new_page(PHONE)
    login(page, "pengawas.a")
    page.get_by_role("button", name="Buka menu").click()
    reference = _report(page, "510010000777")
    assert_fits_phone(page)
    screenshot(page, "replacement-target-phone")

    page.goto("/replacement/verification/")
    page.get_by_role("checkbox", name=reference, exact=True).check()
    page.get_by_role("button", name="Verifikasi yang dipilih").click()
    expect(page.locator(".alert-success")).to_contain_text("1 target terverifikasi")

    page.goto("/replacement/work-orders/print/")
    page.get_by_role("checkbox", name=reference, exact=True).check()
    # The PDF opens in a new tab, in the browser's viewer; keep a copy of what it received.
    received = []

    def keep_pdf(route):
        response = route.fetch()
        received.append((response.headers["content-type"], response.body()))
        route.fulfill(response=response)

    page.context.route("**/work-orders/print/pdf/", keep_pdf)
    with page.context.expect_page() as viewer:
        page.get_by_role("button", name="Cetak PK yang dipilih").click()
    viewer.value.wait_for_load_state()
    content_type, body = received[0]
    assert content_type == "application/pdf"
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "PERINTAH KERJA" in text and "510010000777" in text and "45000000777" in text

    page.goto("/replacement/work-orders/distribution/")
    page.locator("#distribution-table input[name=selected]").first.check()
    page.select_option("#id_officer", label="Ujang (PT Vendor Alfa)")
    page.get_by_role("button", name="Distribusikan").click()
    expect(page.locator(".alert-success")).to_contain_text("1 PK diberikan")

    page.goto("/replacement/replacements/new/")
    page.fill("#id_customer_id", "510010000777")
    page.get_by_role("button", name="Cari").click()
    page.fill("#id_old_final_reading", "1520")
    page.fill("#id_brand", "ITRON")
    page.fill("#id_meter_number", "56000000777")
    page.fill("#id_seal_numbers", "SG-1, SG-2")
    page.set_input_files("#id_photos", [_file(jpeg("sebelum.jpg")), _file(jpeg("sesudah.jpg"))])
    assert_fits_phone(page)
    page.get_by_role("button", name="Simpan data ganti").click()
    expect(page.locator(".alert-success")).to_contain_text("proses selesai")
    expect(page.locator("#new-meter")).to_contain_text("56000000777")

    page.goto("/status/?customer_id=510010000777")
    expect(page.locator("#open-processes")).to_contain_text("Tidak ada proses")
    expect(page.locator("#timeline")).to_contain_text("replacement.replaced")


def test_lbkb_target_is_dropped_only_with_its_ba(cast, new_page):
    page = new_page()
    login(page, "pengawas.a")
    reference = _report(page, "510010000888", lbkb=True)  # marked on Tambah Ex DG (issue #19)
    expect(page.locator("h1 ~ span.text-muted")).to_contain_text("LBKB")

    page.goto("/replacement/verification/")
    row = page.locator("#verification-table tr", has_text=reference)
    row.get_by_placeholder("alasan").fill("meter terlihat normal")
    row.get_by_title("Kirim ke Verifikasi Ulang TO").click()
    expect(page.locator(".alert-success")).to_contain_text("Verifikasi Ulang TO")

    page.goto("/replacement/reverification/")
    card = page.locator(".card", has_text=reference)
    card.get_by_placeholder("alasan hapus").fill("bukan kerusakan meter")
    card.get_by_role("button", name="Hapus dari TO").click()
    expect(page.locator(".alert-danger")).to_contain_text("upload BA")

    card = page.locator(".card", has_text=reference)
    card.locator("input[type=file]").set_input_files(_file(pdf()))
    card.get_by_role("button", name="Upload BA").click()
    expect(page.locator(".alert-success")).to_contain_text("BA")
    card = page.locator(".card", has_text=reference)
    card.get_by_placeholder("alasan hapus").fill("bukan kerusakan meter")
    card.get_by_role("button", name="Hapus dari TO").click()
    expect(page.locator(".alert-success")).to_contain_text("dihapus dari TO")

    page.goto("/replacement/targets/?state=dropped")
    page.get_by_role("link", name=reference).click()
    expect(page.locator("#state-reason")).to_have_text("bukan kerusakan meter")
    expect(page.locator("#timeline")).to_contain_text("replacement.dropped")
