"""A KRN-2 key-change target (seed 003) done from the field app on a phone: the work list
shows the KCT pair and the display to expect; the officer confirms it offline, the entry waits
in the queue and arrives once when the signal returns. A target changed on the server meanwhile
comes back as a conflict in the queue."""

import re

import pytest
from playwright.sync_api import expect

from meterops.api.models import IdempotentWrite
from meterops.core.choices import RoleCode
from meterops.keychange.choices import Proof, TargetState
from meterops.keychange.models import CampaignTarget
from meterops.keychange.services import assign_targets
from tests.browser.conftest import PHONE, assert_fits_phone
from tests.conftest import build_cast
from tests.factories import TEST_PASSWORD, UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter

TOKEN = re.compile(r"^\d{4}( \d{4}){4}$")


@pytest.fixture
def field(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cast = build_cast()
    cast.officer = UserFactory(
        username="petugas.kct",
        first_name="Ujang",
        contractor=cast.contractor_a,
        roles=[RoleCode.FIELD_OFFICER],
    )
    meter = old_key_meter(cast.sp_a, brand="HEXING", meter_number="45012345678")
    meter.customer.name = "ASEP SUNANDAR"
    meter.customer.save(update_fields=["name"])
    campaign = campaign_with(cast, [])
    cast.target = campaign.targets.get()
    assign_targets(actor=cast.vendor_a, targets=[cast.target], officer=cast.officer)
    cast.target.refresh_from_db()
    return cast


def _open_target(page):
    page.goto("/m/")
    page.fill("#login-username", "petugas.kct")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    expect(page.locator("#who")).to_contain_text("Ujang")
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    item = page.locator(".work-item", has_text="KCT-")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Ganti kunci meter KRN-2")
    expect(item).to_contain_text("ASEP SUNANDAR")
    item.locator("a").tap()
    expect(page.locator("#title")).to_have_text("Ganti Kunci KCT")


def test_kct_confirmed_offline_arrives_once(field, new_page):
    page = new_page(PHONE)
    context = page.context
    _open_target(page)
    tokens = page.locator("#kct-tokens li")
    expect(tokens).to_have_count(2)
    live = field.target.tokens.get(voided_at__isnull=True)
    assert [t.strip() for t in tokens.all_inner_texts()] == live.formatted
    assert all(TOKEN.match(text.strip()) for text in tokens.all_inner_texts())
    expect(page.locator("#kct-expected")).to_have_text("KRN 02 KT 02")
    expect(page.locator("#kct-customer")).to_contain_text("45012345678")
    assert_fits_phone(page)

    # The shell must be cached by the service worker before the signal goes, or a page opened
    # offline later has nothing to load.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")
    # The test token needs the server: offline the app says so instead of hanging.
    page.get_by_text("Token uji 0 kWh", exact=True).tap()
    page.get_by_role("button", name="Minta token uji 0 kWh").tap()
    expect(page.locator("#kct-zero-error")).to_contain_text("butuh sinyal")

    page.get_by_text("Tampilan 04 enter", exact=True).tap()
    page.fill("#kct-display", "KRN 01 KT 02")
    page.get_by_role("button", name="Simpan hasil KCT").tap()
    expect(page.locator("#kct-error")).to_contain_text('Tampilan harus "KRN 02 KT 02"')
    page.fill("#kct-display", "krn 02 kt 02")
    page.get_by_role("button", name="Simpan hasil KCT").tap()
    expect(page.locator("#kct-done")).to_contain_text("tersimpan di HP")
    assert_fits_phone(page)

    page.locator("#back").tap()
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    expect(page.locator(".work-item", has_text="KCT-")).to_contain_text("Sudah diinput")
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    expect(page.locator(".queue-item[data-kind='kct'][data-state='pending']")).to_have_count(1)
    field.target.refresh_from_db()
    assert field.target.state == TargetState.ASSIGNED

    # Closed while offline, opened again: the entry is still queued on the phone.
    page.close()
    page = context.new_page()
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-kind='kct'][data-state='pending']")).to_have_count(1)

    context.set_offline(False)
    sent = page.locator(".queue-item[data-kind='kct'][data-state='sent']")
    expect(sent).to_have_count(1, timeout=30_000)
    expect(sent).to_contain_text("Berhasil")
    page.get_by_role("button", name="Kirim sekarang").tap()
    expect(sent).to_have_count(1)

    target = CampaignTarget.objects.get(pk=field.target.pk)
    assert target.state == TargetState.SUCCEEDED
    assert target.proof == Proof.DISPLAY
    assert target.confirmed_by == field.officer
    assert target.meter.key_revision == 2
    assert IdempotentWrite.objects.filter(user=field.officer).count() == 1


def test_kct_changed_on_the_server_shows_a_conflict(field, new_page):
    page = new_page(PHONE)
    _open_target(page)
    page.context.set_offline(True)
    page.fill("#kct-display", "KRN 02 KT 02")
    page.get_by_role("button", name="Simpan hasil KCT").tap()
    expect(page.locator("#kct-done")).to_contain_text("tersimpan di HP")

    target = CampaignTarget.objects.get(pk=field.target.pk)
    target.note = "Dicek ulang admin"
    target.save(update_fields=["note", "updated_at"])

    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    page.context.set_offline(False)
    item = page.locator(".queue-item[data-kind='kct'][data-state='conflict']")
    expect(item).to_have_count(1, timeout=30_000)
    expect(item.locator(".conflict")).to_contain_text("Data di server")
    expect(item).to_contain_text("sudah berubah di server")
    assert_fits_phone(page)
    target.refresh_from_db()
    assert target.state == TargetState.ASSIGNED
    # Sent again on the server's version, it goes through.
    item.get_by_role("button", name="Kirim ulang").tap()
    expect(page.locator(".queue-item[data-kind='kct'][data-state='sent']")).to_have_count(1)
    target.refresh_from_db()
    assert target.state == TargetState.SUCCEEDED


def test_kct_confirmed_by_the_zero_token(field, new_page):
    page = new_page(PHONE)
    _open_target(page)
    page.get_by_text("Token uji 0 kWh", exact=True).tap()
    page.get_by_role("button", name="Simpan hasil KCT").tap()
    expect(page.locator("#kct-error")).to_contain_text("Minta token uji 0 kWh dulu")
    page.get_by_role("button", name="Minta token uji 0 kWh").tap()
    shown = page.locator("#kct-test-token")
    expect(shown).to_contain_text("Token uji: ")
    kct = field.target.tokens.get(voided_at__isnull=True)
    kct.refresh_from_db()
    assert TOKEN.match(kct.formatted_test_token)
    expect(shown).to_have_text(f"Token uji: {kct.formatted_test_token}")
    assert_fits_phone(page)
    page.get_by_text("Diterima (sisa kWh tidak berubah)").tap()
    page.get_by_role("button", name="Simpan hasil KCT").tap()
    expect(page.locator("#kct-done")).to_contain_text("tersimpan di HP")
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    expect(page.locator(".queue-item[data-kind='kct'][data-state='sent']")).to_have_count(
        1, timeout=30_000
    )
    target = CampaignTarget.objects.get(pk=field.target.pk)
    assert target.state == TargetState.SUCCEEDED
    assert target.proof == Proof.TEST_TOKEN
