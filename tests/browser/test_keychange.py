"""A KRN-2 campaign clicked through: generate, assign, a wrong display refused, then Berhasil."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.conftest import build_cast
from tests.keychange.helpers import old_key_meter, prepare_keys


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    prepare_keys(cast)
    old_key_meter(cast.sp_a, meter_number="45012345678")
    return cast


def test_campaign_from_generation_to_confirmation(cast, new_page):
    page = new_page()
    login(page, "admin.alfa")
    page.locator("#main-menu").get_by_role("link", name="Kampanye KRN").click()
    page.get_by_role("link", name="Buat kampanye").click()
    page.fill("#id_name", "KRN-2 ALFA")
    page.select_option("#id_unit", label="UP3 ALFA")
    page.get_by_role("button", name="Buat KCT").click()
    expect(page.locator(".alert-success")).to_contain_text("1 KCT masuk Bank KCT")
    page.get_by_label("Pilih 45012345678").check()
    page.select_option("#id_officer", label="petugas.a")
    page.get_by_role("button", name="Tugaskan").click()
    expect(page.locator(".alert-success")).to_contain_text("1 KCT ditugaskan")

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

    page.reload()
    expect(page.locator("#sum-done")).to_have_text("1")
