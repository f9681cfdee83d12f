"""Click through a PB NFC application from entry to PDL, then the meter's load profile."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from meterops.prepaid.services import record_nfc_transaction
from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.conftest import build_cast
from tests.prepaid.builders import make_fee, make_keys, make_stock
from tests.prepaid.test_load_profile import SAMPLE_CARD

PDF = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 scan"}


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    make_fee()
    make_keys(cast.region)
    make_stock(cast.sp_a, "32031017679", is_nfc=True)
    make_stock(cast.sp_a, "14012345678", is_nfc=False)
    return cast


def test_supervisor_takes_a_pb_nfc_application_to_pdl(cast, new_page, screenshot):
    page = new_page()
    login(page, "pengawas.a")
    page.locator("#main-menu").get_by_role("link", name="Permohonan Prabayar").click()
    page.get_by_role("link", name="Entri permohonan").click()
    page.select_option("#id_kind", "new_connection")
    page.select_option("#id_product", "prepaid_nfc")
    page.fill("#id_applicant_name", "SICILIA NFC")
    page.fill("#id_address", "DK. SELATAN NO. 12")
    page.select_option("#id_tariff", "R1T")
    page.select_option("#id_power_va", "2200")
    page.get_by_role("button", name="Simpan permohonan").click()
    expect(page.locator("#amount-due")).to_have_text("Rp 1.670.000")
    number = page.locator("#request-number").inner_text()
    slip = page.request.get(page.get_by_role("link", name="Cetak SIP").get_attribute("href"))
    assert slip.body().startswith(b"%PDF")

    page.locator("#main-menu").get_by_role("link", name="Pelunasan").click()
    page.fill("#id_request_number", number)
    page.fill("#id_amount", "1670000")
    page.fill("#id_receipt_number", "KW-0001")
    page.get_by_role("button", name="Simpan pelunasan").click()
    expect(page.locator("#request-state")).to_have_text("Lunas, menunggu aktivasi meter")

    page.locator("#next-step").get_by_role("link", name="Aktivasi meter").click()
    page.fill("#id_meter_number", "14012345678")
    page.get_by_role("button", name="Aktivasi").click()
    expect(page.locator("#activation-error")).to_contain_text("tidak sesuai dengan pilihan produk")
    page.fill("#id_meter_number", "32031017679")
    page.get_by_role("button", name="Aktivasi").click()
    expect(page.locator("#request-meter")).to_contain_text("32031017679 (NFC)")

    page.get_by_role("button", name="Generate token").click()
    expect(page.locator("#token-table tbody tr")).to_have_count(3)
    page.select_option("#id_officer", label="petugas.a")
    page.get_by_role("button", name="Terbitkan PK").click()
    expect(page.get_by_role("link", name="Cetak PK / BA pasang")).to_be_visible()

    page.set_input_files("#id_report_scan", PDF)
    page.set_input_files("#id_contract_scan", PDF)
    page.get_by_role("button", name="Simpan realisasi").click()
    expect(page.locator("#request-state")).to_have_text("Terpasang, menunggu PDL")
    page.get_by_role("button", name="PDL (peremajaan data pelanggan)").click()
    expect(page.locator("#request-state")).to_have_text("Selesai (PDL)")
    expect(page.locator("#timeline")).to_contain_text("Selesai")
    screenshot(page, "prepaid-request")


def test_load_profile_of_a_meter_after_an_nfc_transaction_on_a_phone(cast, new_page, screenshot):
    from tests.factories import CustomerFactory, MeterFactory

    customer = CustomerFactory(unit=cast.sp_a, customer_id="510010000777", name="SICILIA NFC")
    MeterFactory(customer=customer, meter_number="32031017679")
    record_nfc_transaction(
        meter_number="32031017679",
        channel="BSM",
        reference="NFC-1",
        amount=Decimal("50000"),
        card_records=SAMPLE_CARD,
    )
    page = new_page(PHONE)
    login(page, "pengawas.a")
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Load Profile NFC").click()
    expect(page.locator("#flagged-table")).to_contain_text("32031017679")
    assert_fits_phone(page)
    page.fill("#id_meter_number", "32031017679")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#load-profile-table tbody tr")).to_have_count(12)
    expect(page.locator("#flag-tamper")).to_be_visible()
    expect(page.locator("#load-profile-chart svg rect")).to_have_count(12)
    assert_fits_phone(page)
    screenshot(page, "prepaid-load-profile-phone")


def test_cancel_an_activated_application_on_a_phone_releases_its_meter(cast, new_page):
    from meterops.prepaid.models import MeterStock
    from tests.prepaid.builders import activated

    request = activated(cast, meter=MeterStock.objects.get(meter_number="32031017679"))
    phone = new_page(PHONE)
    login(phone, "pengawas.a")
    phone.get_by_role("button", name="Buka menu").click()
    phone.locator("#main-menu").get_by_role("link", name="Permohonan Prabayar").click()
    phone.get_by_role("link", name=request.request_number).click()
    phone.locator("#cancel-link").click()
    expect(phone.locator("#cancel-effects")).to_contain_text("32031017679 kembali ke stok")
    expect(phone.locator("#cancel-effects")).to_contain_text("perlu dikembalikan")
    assert_fits_phone(phone)
    phone.fill("#id_reason", "batal")
    phone.get_by_role("button", name="Batalkan permohonan").click()
    expect(phone.locator("form[novalidate]")).to_contain_text("minimal 10")
    phone.fill("#id_reason", "Pemohon membatalkan, pindah rumah")
    phone.get_by_role("button", name="Batalkan permohonan").click()
    expect(phone.locator("#request-state")).to_have_text("Dibatalkan")
    expect(phone.locator("#cancel-note")).to_contain_text("pindah rumah")
    expect(phone.locator("#timeline")).to_contain_text("kembali ke stok")
    expect(phone.locator("#cancel-link")).to_have_count(0)
