"""Schedules, targets and visit lists per officer (seed 004 §IV–V) and the notice's "Dll" with
what the customer said, on the web and in the field app, clicked through on a desktop and on a
390 px phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meterops.core.choices import RoleCode
from meterops.fieldwork.choices import NoticeOutcome, OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder, OfficerTarget
from meterops.fieldwork.services import assign_orders
from tests.browser.conftest import DESKTOP, PHONE, PageWatch, assert_fits_phone, login
from tests.conftest import build_cast
from tests.factories import TEST_PASSWORD, CustomerFactory, UserFactory
from tests.fieldwork.helpers import jpeg


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    cast.vendor_officer = UserFactory(
        username="petugas.vendor",
        first_name="Ujang",
        contractor=cast.contractor_a,
        roles=[RoleCode.FIELD_OFFICER],
    )
    return cast


def _notice(cast, officer=None, **customer):
    order = FieldOrder.objects.create(
        unit=cast.sp_a,
        customer=CustomerFactory(unit=cast.sp_a, **customer),
        kind=OrderKind.NOTICE,
        issued_by=cast.supervisor,
    )
    if officer is not None:
        assign_orders(
            actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=officer
        )
        order.refresh_from_db()
    return order


def _photo():
    upload = jpeg("surat.jpg")
    upload.seek(0)
    return {"name": "surat.jpg", "mimeType": "image/jpeg", "buffer": upload.read()}


def _menu(page, device, label):
    if device is PHONE:
        page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name=label).click()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_plan_a_day_set_a_target_and_print_the_visit_list(cast, new_page, device):
    order = _notice(cast, name="SITI <b>AMINAH</b>")
    today = timezone.localdate(timezone.now())
    page = new_page(device)
    watch = PageWatch(page)
    login(page, "pengawas.a")

    _menu(page, device, "Order Lapangan")
    page.select_option("#id_officer", label="petugas.a")
    page.fill("#id_planned_on", today.isoformat())
    page.locator(f"input[name=selected][value='{order.pk}']").check()
    page.locator("#assign-button").click()
    expect(page.locator(".alert-success")).to_contain_text("1 order ditugaskan")
    order.refresh_from_db()
    assert order.planned_on == today and order.state == OrderState.ASSIGNED

    _menu(page, device, "Jadwal & Target Petugas")
    expect(page.locator("h1")).to_have_text("Jadwal & Target Petugas")
    page.select_option("#id_target-officer", label="petugas.a")
    page.select_option("#id_target-kind", label="Penyampaian informasi")
    page.fill("#id_target-last_day", (today - timedelta(days=1)).isoformat())
    page.fill("#id_target-target", "4")
    page.get_by_role("button", name="Simpan Target").click()
    expect(page.locator("#target-form .invalid-feedback")).to_contain_text("sebelum tanggal awal")
    assert not OfficerTarget.objects.exists()
    page.fill("#id_target-last_day", (today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Simpan Target").click()
    expect(page.locator(".alert-success")).to_contain_text("tersimpan untuk 2 hari")
    row = page.locator("#plan-table tbody tr").first
    expect(row).to_contain_text("Penyampaian informasi")
    expect(row.locator("td").nth(2)).to_have_text("4")
    expect(row.locator("td").nth(3)).to_have_text("1")
    expect(row.locator("td").nth(5)).to_have_text("0%")
    if device is PHONE:
        assert_fits_phone(page)
    watch.assert_clean(page)

    page.select_option("#id_visit-officer", label="petugas.a")
    with page.context.expect_event(
        "response", predicate=lambda r: "/plans/visit-list/" in r.url
    ) as printed:
        page.locator("#print-visit-list").click()
    response = printed.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"


def test_web_notice_dll_needs_what_the_customer_said(cast, new_page):
    order = _notice(cast, officer=cast.officer)
    page = new_page(PHONE)
    watch = PageWatch(page)
    login(page, "petugas.a")
    _menu(page, PHONE, "Order Lapangan")
    page.get_by_role("link", name=order.reference).click()
    page.select_option("#id_outcome", label="Dll")
    page.set_input_files("#id_photo", _photo())
    page.get_by_role("button", name="Simpan Hasil").click()
    expect(page.locator(".alert-danger")).to_contain_text("Keterangan Dll")
    page.select_option("#id_outcome", label="Dll")
    page.fill("#id_note", "Rumah sedang direnovasi, pemilik di luar kota")
    page.set_input_files("#id_photo", _photo())
    page.get_by_role("button", name="Simpan Hasil").click()
    expect(page.locator(".alert-success")).to_contain_text("tersimpan")
    expect(page.locator("#order-data")).to_contain_text("Dll")
    expect(page.locator("#order-data")).to_contain_text("Rumah sedang direnovasi")
    assert_fits_phone(page)
    watch.assert_clean(page)


def test_field_app_notice_dll_is_checked_before_queueing(cast, new_page):
    order = _notice(cast, officer=cast.vendor_officer)
    page = new_page(PHONE)
    page.goto("/m/")
    page.fill("#login-username", "petugas.vendor")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    page.locator(".work-item", has_text=order.reference).locator("a").tap()
    page.select_option("#order-notice", label="Dll")
    page.set_input_files("#order-photo", [_photo()])
    expect(page.locator("#order-thumbs img")).to_have_count(1)
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-error")).to_contain_text("Keterangan Dll")
    expect(page.locator("#order-done")).to_be_hidden()
    page.fill("#order-notice-note", "Pelanggan minta surat dikirim ulang bulan depan")
    assert_fits_phone(page)
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-done")).to_contain_text("tersimpan di HP")
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1)
    order.refresh_from_db()
    assert order.state == OrderState.DONE and order.outcome == NoticeOutcome.OTHER
    assert order.note == "Pelanggan minta surat dikirim ulang bulan depan"
