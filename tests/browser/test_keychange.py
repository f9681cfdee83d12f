"""A KRN-2 campaign clicked through: generated in the background (db_worker), assigned, a wrong
display refused then Berhasil, a second meter confirmed by the 0 kWh test token, and the
dashboard per unit and contractor on a phone. Then a mistaken Gagal corrected by the test token
(issue #18), by the unit at desktop and phone width and by the officer on his phone."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from meterops.customers.models import Meter
from meterops.keychange.choices import FailureReason
from meterops.keychange.services import (
    CampaignFilter,
    assign_targets,
    generate_campaign,
    report_key_change_failure,
)
from tests.browser.conftest import DESKTOP, PHONE, PageWatch, assert_fits_phone, login
from tests.conftest import build_cast
from tests.keychange.helpers import old_key_meter, prepare_keys


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    prepare_keys(cast)
    old_key_meter(cast.sp_a, meter_number="45012345678")
    old_key_meter(cast.sp_a, meter_number="45012345686")
    return cast


ZERO_TOKEN = re.compile(r"^\d{4}( \d{4}){4}$")


def test_campaign_from_generation_to_confirmation(cast, new_page, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    page = new_page()
    login(page, "admin.alfa")
    page.locator("#main-menu").get_by_role("link", name="Kampanye KRN").click()
    page.get_by_role("link", name="Buat kampanye").click()
    page.fill("#id_name", "KRN-2 ALFA")
    page.select_option("#id_unit", label="UP3 ALFA")
    page.get_by_role("button", name="Buat KCT").click()
    expect(page.locator(".alert-success")).to_contain_text("KCT untuk 2 meter dibuat di latar")
    expect(page.locator("#generation-progress")).to_contain_text("0 / 2 meter")
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    expect(page.locator("#sum-targeted")).to_have_text("2")  # the page polls and reloads
    expect(page.locator("#generation-progress")).to_have_count(0)
    page.get_by_label("Pilih 45012345678").check()
    page.get_by_label("Pilih 45012345686").check()
    page.select_option("#id_officer", label="petugas.a")
    page.get_by_role("button", name="Tugaskan").click()
    expect(page.locator(".alert-success")).to_contain_text("2 KCT ditugaskan")

    phone = new_page(PHONE)
    login(phone, "petugas.a")
    phone.get_by_role("button", name="Buka menu").click()
    phone.locator("#main-menu").get_by_role("link", name="Konfirmasi KCT").click()
    phone.get_by_role("link", name="45012345678").click()
    expect(phone.locator("#kct-tokens li")).to_have_count(2)
    assert_fits_phone(phone)
    phone.fill("#id_display", "KRN2 KT2")
    phone.get_by_role("button", name="Konfirmasi Berhasil").click()
    expect(phone.locator(".alert-danger")).to_contain_text("KRN 02 KT 02")
    phone.fill("#id_display", "KRN 02 KT 02")
    phone.get_by_role("button", name="Konfirmasi Berhasil").click()
    expect(phone.locator(".alert-success")).to_contain_text("sudah KRN-2")

    phone.get_by_role("link", name="45012345686").click()
    phone.get_by_role("button", name="Buat token uji 0 kWh").click()
    expect(phone.locator("#zero-token-value")).to_have_text(ZERO_TOKEN)
    assert_fits_phone(phone)
    phone.get_by_label("Diterima (sisa kWh tidak berubah)").check()
    phone.get_by_role("button", name="Konfirmasi dengan token uji").click()
    expect(phone.locator(".alert-success")).to_contain_text("45012345686")

    page.reload()
    expect(page.locator("#sum-done")).to_have_text("2")

    board = new_page(PHONE)
    login(board, "admin.alfa")
    board.get_by_role("button", name="Buka menu").click()
    board.locator("#main-menu").get_by_role("link", name="Dashboard KRN").click()
    expect(board.locator("#by-unit tbody tr")).to_have_count(1)
    expect(board.locator("#by-unit tbody tr td").last).to_have_text("100")
    expect(board.locator("svg rect.bar-done")).to_have_count(2)
    assert_fits_phone(board)


@pytest.fixture
def mistaken_gagal(cast):
    """A KCT the officer confirmed Gagal although the meter took it (seed 003, 5b)."""
    campaign = generate_campaign(
        actor=cast.unit_admin, unit=cast.area_a, name="KRN-2 ALFA", where=CampaignFilter()
    )
    target = campaign.targets.get(meter__meter_number="45012345678")
    assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
    return report_key_change_failure(
        actor=cast.officer, target=target, reason=FailureReason.INVALID, note="REJECT"
    )


def correct_on(page, screen, target):
    watch = PageWatch(page)
    page.get_by_role("button", name="Buat token uji 0 kWh").click()
    expect(page.locator("#zero-token-value")).to_have_text(ZERO_TOKEN)
    if screen is PHONE:
        assert_fits_phone(page)
    page.get_by_label("Diterima (sisa kWh tidak berubah)").check()
    page.get_by_label("Catatan (siapa memasukkan token uji, kapan)").fill("dicek di lokasi")
    page.get_by_role("button", name="Simpan jawaban meter").click()
    expect(page.locator(".alert-success")).to_contain_text("dikoreksi menjadi Berhasil")
    expect(page.locator("#target-state")).to_have_text("Berhasil")
    if screen is PHONE:
        assert_fits_phone(page)
    watch.assert_clean(page)
    assert Meter.objects.get(pk=target.meter_id).key_revision == 2


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_unit_corrects_a_mistaken_gagal(cast, mistaken_gagal, new_page, screen):
    page = new_page(screen)
    login(page, "admin.alfa")
    if screen is PHONE:
        page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Kampanye KRN").click()
    page.get_by_role("link", name="KRN-2 ALFA").click()
    page.get_by_label("Cek/koreksi konfirmasi 45012345678").click()
    expect(page.locator("#target-state")).to_have_text("Gagal, menunggu KCT baru")
    correct_on(page, screen, mistaken_gagal)


def test_the_officer_corrects_his_own_gagal_on_a_phone(cast, mistaken_gagal, new_page):
    page = new_page(PHONE)
    login(page, "petugas.a")
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Konfirmasi KCT").click()
    page.locator("#gagal-list").get_by_role("link", name="45012345678").click()
    correct_on(page, PHONE, mistaken_gagal)
