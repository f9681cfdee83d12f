"""A KRN-2 campaign clicked through: generated in the background (db_worker), assigned, a wrong
display refused then Berhasil, a second meter confirmed by the 0 kWh test token, and the
dashboard per unit and contractor on a phone."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_fits_phone, login
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
