"""Issue #19 on the phone: Input Data Ganti refuses, offline and before queueing, what the server
would refuse (a date before the PK's print day, a final stan far from the last one without a
reason), and Input Data Rusak can mark an LBKB target (seed 000)."""

from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from meterops.api.models import IdempotentWrite
from meterops.replacement.models import Replacement, ReplacementTarget
from tests.browser.conftest import PHONE, assert_fits_phone
from tests.browser.test_mobile import _photo, _work_list, field  # noqa: F401 - the fixture
from tests.factories import TEST_PASSWORD


def test_replacement_refused_on_the_phone_before_queueing(field, new_page):  # noqa: F811
    ReplacementTarget.objects.filter(pk=field.order.target_id).update(
        reading_at_discovery=Decimal("1500.50")
    )
    page = _work_list(new_page)
    expect(page.locator(".work-item")).to_have_count(1)
    page.context.set_offline(True)  # the phone checks with what the work list brought

    page.locator(".work-item a").tap()
    printed = timezone.localdate().strftime("%d-%m-%Y")
    expect(page.locator("#replace-facts")).to_contain_text(f"PK dicetak {printed}")
    expect(page.locator("#replace-facts")).to_contain_text("Stan terakhir: 1.500,5 kWh")
    page.locator("#replace-form .step[data-step='1'] .next").tap()
    page.fill("#replace-old-reading", "99999")
    page.fill("#replace-brand", "Itron")
    page.fill("#replace-number", "56000000997")
    page.fill("#replace-new-reading", "0")
    page.fill("#replace-date", "1990-01-01")
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    error = page.locator("#replace-error")
    expect(error).to_contain_text(f"Tanggal ganti 01-01-1990 sebelum tanggal cetak PK {printed}")
    expect(error).to_contain_text("Stan akhir 99.999 melebihi stan terakhir 1.500,5")
    expect(page.locator("#replace-form")).to_have_attribute("data-step", "2")
    assert_fits_phone(page)

    page.fill("#replace-date", timezone.localdate().isoformat())
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    expect(error).to_contain_text("isi alasannya")
    expect(error).not_to_contain_text("tanggal cetak PK")
    expect(page.locator("#replace-form")).to_have_attribute("data-step", "2")
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    expect(page.locator(".queue-item")).to_have_count(0)  # nothing queued for the server
    page.locator("#back").tap()

    page.get_by_role("link", name="Input Data Ganti").tap()
    page.select_option("#replace-wo", str(field.order.pk))
    page.locator("#replace-form .step[data-step='1'] .next").tap()
    page.fill("#replace-old-reading", "99999")
    page.fill("#replace-brand", "Itron")
    page.fill("#replace-number", "56000000997")
    page.fill("#replace-new-reading", "0")
    page.fill("#replace-reason", "Register meloncat, foto terlampir")
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    page.set_input_files("#replace-before", [_photo("sebelum.jpg")])
    page.set_input_files("#replace-after", [_photo("sesudah.jpg")])
    expect(page.locator("#replace-thumbs img")).to_have_count(2)
    page.get_by_role("button", name="Simpan data ganti").tap()
    expect(page.locator("#replace-done")).to_contain_text("Akan dikirim saat ada sinyal")
    assert not IdempotentWrite.objects.exists()

    page.context.set_offline(False)
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    assert Replacement.objects.get().low_reading_reason == "Register meloncat, foto terlampir"


def test_lbkb_damage_report_from_the_phone(field, new_page):  # noqa: F811
    page = new_page(PHONE)
    page.goto("/m/")
    page.fill("#login-username", "petugas.vendor")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    expect(page.locator("#who")).to_contain_text("Ujang")
    page.get_by_role("link", name="Input Data Rusak").tap()
    expect(page.locator("#damage-type")).to_contain_text("Display mati / blank")
    page.fill("#damage-idpel", "510010000888")
    page.locator("#damage-form .step[data-step='1'] .next").tap()
    page.select_option("#damage-type", label="Display mati / blank")
    page.get_by_label("Data LBKB (kelainan baca)").check()
    assert_fits_phone(page)
    page.locator("#damage-form .step[data-step='2'] .next").tap()
    page.set_input_files("#damage-photos", [_photo("rusak.jpg")])
    expect(page.locator("#damage-thumbs img")).to_have_count(1)
    page.get_by_role("button", name="Simpan data rusak").tap()
    expect(page.locator("#damage-done")).to_contain_text("tersimpan di HP")
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    assert ReplacementTarget.objects.get(customer=field.new_customer).from_reading_anomaly
