"""A prepaid installation PK (seed 002, Bab 2 step 5) done from the field app (issue #18): the
work list shows the meter and the tokens to enter in order; the officer records the
realisation offline with the signed BA, SPJBTL and a photo; the entry waits in the queue, even
across closing the app, and arrives once when the signal returns; the web shows the
application installed, waiting for PDL. An application cancelled meanwhile comes back refused
with the office's reason."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meterops.api.models import IdempotentWrite
from meterops.prepaid import services
from meterops.prepaid.choices import RequestState, TokenStatus
from meterops.prepaid.models import ServiceRequest
from tests.browser.conftest import DESKTOP, PHONE, assert_fits_phone, login, settle_fetches
from tests.conftest import build_cast
from tests.factories import TEST_PASSWORD
from tests.prepaid.builders import activated, make_fee, make_keys, make_stock
from tests.replacement.conftest import jpeg

TOKEN = re.compile(r"^\d{4}( \d{4}){4}$")
PHONE_IN_WIB = {**PHONE, "timezone_id": "Asia/Jakarta"}
RAW = ("undefined", "null", "NaN", "[object", "{{", "{%")


@pytest.fixture
def field(transactional_db):
    cast = build_cast()
    make_fee()
    make_keys(cast.region)
    cast.nfc_meter = make_stock(cast.sp_a, "32031017679", is_nfc=True)
    request = services.issue_request_tokens(request=activated(cast), actor=cast.supervisor)
    cast.request = services.assign_work_order(
        request=request, officer=cast.officer, actor=cast.supervisor
    )
    return cast


def _photo(name):
    upload = jpeg(name)
    upload.seek(0)
    return {"name": name, "mimeType": "image/jpeg", "buffer": upload.read()}


def _watch(page, problems, online):
    """Collect script errors, and console errors and failed requests while online (offline,
    a failed request is the point)."""
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    page.on(
        "console",
        lambda m: online[0] and m.type == "error" and problems.append(f"console: {m.text}"),
    )
    page.on(
        "requestfailed",
        lambda r: online[0] and problems.append(f"request: {r.url} {r.failure}"),
    )


def _open_pk(page, number):
    page.goto("/m/")
    page.fill("#login-username", "petugas.a")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    expect(page.locator("#who")).to_contain_text("Uji")
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    item = page.locator(".work-item", has_text=number)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Pasang Baru (PB): pasang meter prabayar")
    expect(item).to_contain_text("SICILIA NFC")
    expect(item).to_contain_text("Meter 32031017679")
    item.locator("a").tap()
    expect(page.locator("#title")).to_have_text("Pasang Prabayar")


def _fill_realisation(page):
    page.set_input_files("#install-report", [_photo("ba.jpg")])
    page.set_input_files("#install-contract", [_photo("spjbtl.jpg")])
    page.set_input_files("#install-photo", [_photo("pasang.jpg")])
    expect(page.locator("#install-thumbs img")).to_have_count(3)
    page.get_by_role("button", name="Simpan realisasi").tap()
    expect(page.locator("#install-done")).to_contain_text("tersimpan di HP")


def test_installation_recorded_offline_arrives_once_and_the_web_shows_it(
    field, new_page, screenshot
):
    problems, online = [], [True]
    page = new_page(PHONE_IN_WIB)
    context = page.context
    _watch(page, problems, online)
    number = field.request.request_number
    _open_pk(page, number)

    tokens = page.locator("#install-tokens li")
    expect(tokens).to_have_count(3)
    issued = list(field.request.tokens.order_by("sequence"))
    shown = [li.locator(".token").inner_text().strip() for li in tokens.all()]
    assert shown == [t.display() for t in issued]
    assert all(TOKEN.match(text) for text in shown)
    expect(tokens.nth(0)).to_contain_text("Key Change Token (KCT)")
    expect(tokens.nth(1)).to_contain_text("Key Change Token (KCT)")
    expect(tokens.nth(2)).to_contain_text("Stroom awal")
    expect(page.locator("#install-meter-number")).to_contain_text("ITRON EM512 TYPE 710")
    expect(page.locator("#install-meter-number")).to_contain_text("32031017679")
    text = page.locator("#screen-install").inner_text()
    assert not [raw for raw in RAW if raw in text], text
    assert_fits_phone(page)

    # The shell must be in the service worker's cache before the signal goes.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    online[0] = False
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")
    page.get_by_role("button", name="Simpan realisasi").tap()
    expect(page.locator("#install-error")).to_contain_text(
        "Foto BA pasang yang ditandatangani wajib"
    )
    expect(page.locator("#install-error")).to_contain_text("Foto SPJBTL yang ditandatangani wajib")
    _fill_realisation(page)
    assert_fits_phone(page)
    screenshot(page, "mobile-prepaid-installation")
    # A second tap on the saved form queues nothing more.
    page.get_by_role("button", name="Simpan realisasi").tap()
    expect(page.locator("#install-error")).to_contain_text("sudah ada di Antrian Kirim")

    page.locator("#back").tap()
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    expect(page.locator(".work-item", has_text=number)).to_contain_text("Sudah diinput")
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    pending = page.locator(".queue-item[data-kind='install'][data-state='pending']")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Realisasi pasang")
    expect(pending).to_contain_text("3 foto")
    assert ServiceRequest.objects.get(pk=field.request.pk).state == RequestState.ASSIGNED

    # Opened again offline from the service worker: still queued. The same tab reloads: a new
    # tab in an offline context can start before the emulation reaches it (navigator.onLine
    # true, fetches going out), which sent the entry for real once in CI.
    page.reload()
    expect(page.locator(".queue-item[data-kind='install'][data-state='pending']")).to_have_count(1)

    online[0] = True
    context.set_offline(False)
    sent = page.locator(".queue-item[data-kind='install'][data-state='sent']")
    expect(sent).to_have_count(1, timeout=30_000)
    expect(sent).to_contain_text("Terpasang, menunggu PDL, 3 token masuk")
    page.get_by_role("button", name="Kirim sekarang").tap()
    expect(sent).to_have_count(1)

    request = ServiceRequest.objects.get(pk=field.request.pk)
    assert request.state == RequestState.INSTALLED
    assert request.installed_by == field.officer
    assert request.report_scan and request.contract_scan and request.photo
    assert set(request.tokens.values_list("status", flat=True)) == {TokenStatus.ENTERED}
    assert IdempotentWrite.objects.filter(user=field.officer).count() == 1
    # The work list no longer carries it.
    page.goto("/m/#work")
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    expect(page.locator("#work-fetched")).to_contain_text("0 pekerjaan")
    assert problems == [], "\n".join(problems)

    web = new_page(DESKTOP)
    login(web, "pengawas.a")
    web.goto(f"/prepaid/requests/{request.pk}/")
    expect(web.locator("#request-state")).to_have_text("Terpasang, menunggu PDL")
    expect(web.locator("#token-table")).to_contain_text("Sudah dimasukkan ke meter")
    expect(web.get_by_role("button", name="PDL (peremajaan data pelanggan)")).to_be_visible()


def test_an_application_cancelled_meanwhile_comes_back_refused_with_the_reason(field, new_page):
    page = new_page(PHONE_IN_WIB)
    _open_pk(page, field.request.request_number)
    page.context.set_offline(True)
    _fill_realisation(page)
    services.cancel_request(
        request=field.request, actor=field.supervisor, reason="Pemohon membatalkan, pindah rumah"
    )
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    page.context.set_offline(False)
    failed = page.locator(".queue-item[data-kind='install'][data-state='failed']")
    expect(failed).to_have_count(1, timeout=30_000)
    expect(failed).to_contain_text("sudah dibatalkan kantor")
    expect(failed).to_contain_text("Pemohon membatalkan, pindah rumah")
    expect(failed.get_by_role("button", name="Hapus")).to_be_visible()
    assert_fits_phone(page)
    request = ServiceRequest.objects.get(pk=field.request.pk)
    assert request.state == RequestState.CANCELLED and not request.report_scan
    assert not IdempotentWrite.objects.exists()


def test_a_temporary_connection_past_its_end_is_refused_on_the_phone(field, new_page):
    """Issue #20: the phone checks the installation date against the PS end date the work list
    carries, before queueing, as record_installation does."""
    from tests.prepaid.test_temporary_connection import register

    make_stock(field.sp_a, "14012345678", is_nfc=False)
    request = register(field)
    services.record_payment(
        request=request,
        amount=request.amount_due,
        channel="LOKET",
        reference=f"KW-{request.pk}",
        actor=field.supervisor,
    )
    request = services.activate_meter(
        request=request, meter_number="14012345678", actor=field.supervisor
    )
    request = services.issue_request_tokens(request=request, actor=field.supervisor)
    services.assign_work_order(request=request, officer=field.officer, actor=field.supervisor)
    # The PS has ended by the time its PK is done (an end date is data, not a state).
    ended = timezone.localdate() - timedelta(days=1)
    ServiceRequest.objects.filter(pk=request.pk).update(ends_on=ended)

    page = new_page(PHONE_IN_WIB)
    page.goto("/m/")
    page.fill("#login-username", "petugas.a")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    page.locator(".work-item", has_text=request.request_number).locator("a").tap()
    settle_fetches(page)
    page.context.set_offline(True)
    page.set_input_files("#install-report", [_photo("ba.jpg")])
    page.set_input_files("#install-contract", [_photo("spjbtl.jpg")])
    expect(page.locator("#install-thumbs img")).to_have_count(2)
    page.get_by_role("button", name="Simpan realisasi").tap()
    expect(page.locator("#install-error")).to_contain_text(
        f"melewati tanggal berakhir Penyambungan Sementara ({ended:%d-%m-%Y})"
    )
    expect(page.locator("#install-done")).to_be_hidden()
    page.fill("#install-date", ended.isoformat())
    page.get_by_role("button", name="Simpan realisasi").tap()
    expect(page.locator("#install-done")).to_contain_text("tersimpan di HP")
    assert not IdempotentWrite.objects.exists()
