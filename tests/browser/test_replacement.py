"""Walk customers through HOME in a real browser: report → verify → PK → distribute → replace,
and report → re-verify → BA → drop."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from meterops.core.choices import RoleCode
from meterops.replacement.choices import TargetState
from meterops.replacement.models import DamageType, PrintBatch, ReplacementTarget, WorkOrder
from meterops.replacement.services import (
    DamageReport,
    report_damage,
    send_target_to_reverification,
    verify_target,
)
from tests.browser.conftest import DESKTOP, PHONE, PageWatch, assert_fits_phone, login
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


def _batch_pdf_text(page) -> str:
    """The PDF the list offers for the batch just printed, fetched as the link does."""
    pdf = page.request.get(page.locator("#printed-batch-pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    return PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()


def test_customer_walks_from_report_to_replacement(cast, new_page, screenshot):
    page = new_page(PHONE)
    login(page, "pengawas.a")
    page.get_by_role("button", name="Buka menu").click()
    reference = _report(page, "510010000777")
    assert_fits_phone(page)
    screenshot(page, "replacement-target-phone")

    page.goto("/replacement/verification/")
    page.get_by_role("checkbox", name=reference, exact=True).check()
    page.once("dialog", lambda dialog: dialog.accept())  # "Verifikasi 1 target?"
    page.get_by_role("button", name="Verifikasi yang dipilih").click()
    expect(page.locator(".alert-success")).to_contain_text("1 target terverifikasi")

    page.goto("/replacement/work-orders/print/")
    page.get_by_role("checkbox", name=reference, exact=True).check()
    page.get_by_role("button", name="Cetak PK yang dipilih").click()
    expect(page.locator(".alert-success")).to_contain_text("1 PK dicetak")
    expect(page.locator("#print-table")).to_contain_text("Tidak ada target yang siap dicetak")
    text = _batch_pdf_text(page)
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
    expect(page.locator("#timeline")).to_contain_text("Meter diganti")


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
    page.on("dialog", lambda dialog: dialog.accept())  # "Hapus … dari TO?"
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
    expect(page.locator("#timeline")).to_contain_text("Dihapus dari TO")


def _pump_until(page, condition) -> None:
    """Let the browser's events (route handlers) run until ``condition()`` holds."""
    for _ in range(200):
        if condition():
            return
        page.wait_for_timeout(25)
    raise AssertionError("the browser never got there")


def _verified_target(cast):
    return verify_target(target=_report_as_supervisor(cast, cast.customer), actor=cast.supervisor)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_cetak_pk_clicked_twice_prints_once_and_stays_on_the_list(cast, new_page, device):
    """Issue #20: a double click opened two tabs and the first paper read "cetakan ke-2"."""
    target = _verified_target(cast)
    page = new_page(device)
    watch = PageWatch(page)
    login(page, "pengawas.a")
    page.goto("/replacement/work-orders/print/")
    page.get_by_role("checkbox", name=target.reference, exact=True).check()
    # The first press is held on its way, as a slow print would be, while the user presses again
    # (Playwright's locators wait for a pending navigation; the mouse does not).
    held = []
    page.route("**/work-orders/print/batches/", lambda route: held.append(route))
    box = page.get_by_role("button", name="Cetak PK yang dipilih").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request("**/work-orders/print/batches/"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)
    page.keyboard.press("Enter")
    _pump_until(page, lambda: held)
    held[0].continue_()
    page.wait_for_url("**/replacement/work-orders/print/?printed=*")
    expect(page.locator(".alert-success")).to_have_count(1)
    expect(page.locator(".alert-success")).to_contain_text("1 PK dicetak")
    expect(page.locator("#print-table")).to_contain_text("Tidak ada target yang siap dicetak")
    assert len(held) == 1, "the form was sent again"
    assert len(page.context.pages) == 1
    assert "cetakan ke-1" in _batch_pdf_text(page)
    assert WorkOrder.objects.get().print_count == 1
    assert PrintBatch.objects.count() == 1
    watch.assert_clean(page)
    if device is PHONE:
        assert_fits_phone(page)


def test_cetak_pk_with_nothing_ticked_is_told_on_the_list(cast, new_page):
    _verified_target(cast)
    page = new_page()
    watch = PageWatch(page)
    login(page, "pengawas.a")
    page.goto("/replacement/work-orders/print/")
    page.get_by_role("button", name="Cetak PK yang dipilih").click()
    expect(page.locator(".alert-danger")).to_contain_text("Pilih minimal satu target")
    assert len(page.context.pages) == 1
    assert not WorkOrder.objects.exists()
    watch.assert_clean(page)


class Dialogs:
    """Answers the page's confirmation dialogs as ``accept`` says, noting each question."""

    def __init__(self, page):
        self.asked: list[str] = []
        self.accept = False
        page.on("dialog", self._answer)

    def _answer(self, dialog):
        self.asked.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def _report_as_supervisor(cast, customer):
    report = DamageReport(damage_type=DamageType.objects.get(code="display-mati"))
    return report_damage(actor=cast.supervisor, customer=customer, report=report, photos=[jpeg()])


def _states() -> set[str]:
    return set(ReplacementTarget.objects.values_list("state", flat=True))


def test_bulk_verification_asks_naming_the_count(cast, new_page):
    for customer in (cast.customer, cast.lbkb_customer):
        _report_as_supervisor(cast, customer)
    page = new_page()
    watch = PageWatch(page)
    dialogs = Dialogs(page)
    login(page, "pengawas.a")
    page.goto("/replacement/verification/")
    page.get_by_role("checkbox", name="Pilih semua").check()
    page.get_by_role("button", name="Verifikasi yang dipilih").click()
    assert dialogs.asked == ["Verifikasi 2 target? Target yang diverifikasi lanjut ke Cetak PK."]
    page.reload()
    expect(page.locator("#verification-table tbody input[name=selected]")).to_have_count(2)
    assert _states() == {TargetState.SUBMITTED}

    dialogs.accept = True
    page.get_by_role("checkbox", name="Pilih semua").check()
    page.get_by_role("button", name="Verifikasi yang dipilih").click()
    expect(page.locator(".alert-success")).to_contain_text("2 target terverifikasi")
    assert len(dialogs.asked) == 2
    assert _states() == {TargetState.VERIFIED}
    watch.assert_clean(page)


def test_hapus_dari_to_asks_first(cast, new_page):
    target = _report_as_supervisor(cast, cast.customer)
    send_target_to_reverification(target=target, actor=cast.supervisor, reason="cek ulang")
    page = new_page(PHONE)
    watch = PageWatch(page)
    dialogs = Dialogs(page)
    login(page, "pengawas.a")
    page.goto("/replacement/reverification/")
    card = page.locator(".card", has_text=target.reference)
    card.get_by_placeholder("alasan hapus").fill("bukan kerusakan meter")
    card.get_by_role("button", name="Hapus dari TO").click()
    question = (
        f"Hapus {target.reference} (IDPEL 510010000777) dari TO? "
        "Target ini ditutup dan tidak akan dicetak PK-nya."
    )
    assert dialogs.asked == [question]
    page.reload()
    expect(page.locator(".card", has_text=target.reference)).to_have_count(1)
    assert _states() == {TargetState.REVERIFY}

    dialogs.accept = True
    card.get_by_placeholder("alasan hapus").fill("bukan kerusakan meter")
    card.get_by_role("button", name="Hapus dari TO").click()
    expect(page.locator(".alert-success")).to_contain_text("dihapus dari TO")
    assert _states() == {TargetState.DROPPED}
    watch.assert_clean(page)
