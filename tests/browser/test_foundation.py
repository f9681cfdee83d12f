"""Click through the foundation as its users do: login, every menu page, search, status."""

import re

import pytest
from playwright.sync_api import expect

from meterops.core.menu import menu_for
from meterops.core.services import open_process
from tests.browser.conftest import PHONE, assert_fits_phone, fill_login, login
from tests.conftest import build_cast
from tests.factories import CustomerFactory, MeterFactory


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    cast.customer = CustomerFactory(
        unit=cast.sp_a, name="ASEP SUNANDAR", customer_id="510010000123"
    )
    MeterFactory(customer=cast.customer, meter_number="45099887766")
    CustomerFactory(unit=cast.sp_b, name="BUDI HARTONO", customer_id="520010000456")
    open_process(
        customer=cast.customer,
        domain="replacement",
        kind="Target ganti meter",
        reference="TO-0042",
        state="submitted",
        state_label="Menunggu verifikasi",
        actor=cast.supervisor,
    )
    return cast


def test_admin_opens_every_menu_page(cast, new_page):
    page = new_page()
    login(page, "admin")
    labels = [str(entry["label"]) for entry in menu_for(cast.admin, "/")]
    assert labels[:2] == ["Dashboard", "Cek Status Terakhir"]
    for label in labels:
        page.locator("#main-menu").get_by_role("link", name=label, exact=True).click()
        if "/m/" in page.url:  # the field app has its own shell, without the web menu
            expect(page.locator("h1").first).to_be_visible()
            assert "Kesalahan" not in page.content()
            page.go_back()
            continue
        expect(page.locator("#main-menu a.active")).to_have_text(re.compile(re.escape(label)))
        expect(page.locator("main h1").first).to_be_visible()
        assert "Kesalahan" not in page.content()


def test_officer_searches_customer_and_checks_status_on_a_phone(cast, new_page, screenshot):
    page = new_page(PHONE)
    login(page, "petugas.a")
    assert_fits_phone(page)
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Pelanggan (DIL)").click()
    page.fill("#id_q", "sunandar")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#customer-table")).to_contain_text("510010000123")
    assert_fits_phone(page)
    page.get_by_role("link", name="510010000123").click()
    page.get_by_role("link", name="Cek Status Terakhir").click()
    expect(page.locator("#open-processes")).to_contain_text("TO-0042")
    expect(page.locator("#timeline")).to_contain_text("Target ganti meter dibuka")
    assert_fits_phone(page)
    screenshot(page, "status-phone")


def test_status_explains_bad_and_foreign_idpel(cast, new_page):
    page = new_page()
    login(page, "petugas.a")
    page.goto("/status/")
    page.fill("#id_customer_id", "12AB")
    page.get_by_role("button", name="Cek").click()
    expect(page.locator("#customer-id-error")).to_have_text("IDPEL harus 12 digit angka.")
    page.fill("#id_customer_id", "520010000456")
    page.get_by_role("button", name="Cek").click()
    expect(page.locator("#customer-id-error")).to_contain_text("tidak ditemukan di unit Anda")
    expect(page.locator("body")).not_to_contain_text("BUDI HARTONO")


def test_empty_customer_search_is_explained(cast, new_page):
    page = new_page()
    login(page, "petugas.a")
    page.goto("/customers/?q=")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#search-error")).to_contain_text("Masukkan IDPEL")


def test_five_failed_logins_lock_the_account(cast, new_page, screenshot):
    page = new_page()
    for _ in range(4):
        fill_login(page, "pengawas.a", "salah-password")
        expect(page.locator(".alert-danger")).to_contain_text("Username atau password salah")
    locked = "Akun “pengawas.a” dikunci sampai pukul"  # which account, until when (issue #20)
    fill_login(page, "pengawas.a", "salah-password")
    expect(page.locator("#lockout-message")).to_contain_text(locked)
    fill_login(page, "pengawas.a")  # even the right password waits out the lockout
    expect(page.locator("#lockout-message")).to_contain_text(locked)
    screenshot(page, "lockout")


def test_wrong_captcha_is_explained(cast, new_page):
    page = new_page()
    fill_login(page, "pengawas.a", captcha_right=False)
    expect(page.locator("body")).to_contain_text("Jawaban captcha salah")


def test_unit_admin_creates_and_deactivates_a_user(cast, new_page, screenshot):
    page = new_page(PHONE)
    login(page, "admin.alfa")
    page.goto("/users/")
    assert_fits_phone(page)
    page.get_by_role("link", name="Tambah pengguna").click()
    page.fill("#id_username", "petugas.baru")
    page.fill("#id_first_name", "Petugas")
    page.select_option("#id_unit", label="ULP ALFA SATU")
    page.get_by_label("Pengawas").check()
    page.fill("#id_password", "kuat-sekali-2026")
    screenshot(page, "user-form-phone")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".alert-success")).to_contain_text("petugas.baru dibuat")
    row = page.locator("#user-table tr", has_text="petugas.baru")
    row.get_by_role("button", name="Nonaktifkan").click()
    expect(page.locator(".alert-success")).to_contain_text("dinonaktifkan")
    expect(page.locator("#user-table tr", has_text="petugas.baru")).to_contain_text("Nonaktif")


def test_unit_admin_changes_time_zone_setting(cast, new_page):
    page = new_page()
    login(page, "admin.alfa")
    page.locator("#main-menu").get_by_role("link", name="Setting").click()
    page.select_option("#id_time_zone", label="WITA (UTC+8)")
    page.fill("#id_contact_phone", "022-555")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".alert-success")).to_contain_text("disimpan")
    expect(page.locator("#settings-history li").first).to_contain_text("admin.alfa")


def test_user_changes_password_and_logs_out(cast, new_page):
    page = new_page()
    login(page, "pengawas.a")
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Ganti Password").click()
    page.fill("#id_old_password", "rahasia-uji-123")
    page.fill("#id_new_password1", "password-baru-2026")
    page.fill("#id_new_password2", "password-baru-2026")
    page.get_by_role("button", name="Simpan password baru").click()
    expect(page.locator(".alert-success")).to_contain_text("Password berhasil diganti")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url("**/login/")
