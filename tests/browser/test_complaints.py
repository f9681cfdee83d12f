"""The PLN 123 wizard down both ticket kinds, on a phone-width screen; then the defects of
issue #18 clicked through at desktop and phone width: a misread token refused, a second call
added to the open ticket, a replacement token from the receipt's kWh that the ULP sees."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from meterops.complaints.choices import PowerState
from meterops.complaints.models import TokenCall
from meterops.complaints.services import assign_ticket, handle_token_call
from meterops.core.choices import RoleCode, TimeZoneName
from meterops.core.models import UnitSettings
from tests.browser.conftest import DESKTOP, PHONE, PageWatch, assert_fits_phone, login
from tests.complaints.helpers import UPGRADED_AT, upgraded_meter
from tests.conftest import build_cast
from tests.factories import UserFactory

TOKEN = re.compile(r"^\d{4}( \d{4}){4}$")
SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    cast.agent = UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])
    cast.meters = [upgraded_meter(cast)[0], upgraded_meter(cast)[0]]
    return cast


def open_menu(page, name):
    page.goto("/")
    if page.get_by_role("button", name="Buka menu").is_visible():
        page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name=name).click()


def fits(page, screen):
    if screen is PHONE:
        assert_fits_phone(page)


def answer(page, meter, *, power, kwh=None):
    open_menu(page, "Token Tidak Bisa Masuk")
    page.fill("#id_q", meter.meter_number)
    page.get_by_role("button", name="Cek").click()
    expect(page.locator("#wizard-vkrn")).to_have_text("43")
    page.get_by_label("1. Pelanggan sudah menginput nomor token yang sesuai").check()
    page.get_by_role("radio", name="Ya", exact=True).check()
    page.get_by_role("radio", name=power, exact=True).check()
    if kwh is not None:
        page.fill("#id_remaining_kwh", kwh)
    assert_fits_phone(page)
    page.get_by_role("button", name="5. Kirim ke APKT").click()


def test_wizard_sends_keluhan_then_gangguan(cast, new_page):
    page = new_page(PHONE)
    login(page, "cso.uid")
    answer(page, cast.meters[0], power="Menyala, sisa kWh diketahui", kwh="25")
    expect(page.locator("#ticket-kind")).to_have_text("APKT Keluhan")
    assert_fits_phone(page)
    answer(page, cast.meters[1], power="Padam")
    expect(page.locator("#ticket-kind")).to_have_text("APKT Gangguan")
    expect(page.locator("#diagnosis")).to_contain_text("Waktu update")
    open_menu(page, "Tiket APKT")
    expect(page.locator("#ticket-table tbody tr")).to_have_count(2)
    assert_fits_phone(page)


@SCREENS
def test_a_second_call_joins_the_open_ticket(cast, new_page, screen):
    UnitSettings.objects.create(unit=cast.sp_a, time_zone=TimeZoneName.WIT)
    meter = cast.meters[0]
    ticket = handle_token_call(
        actor=cast.agent,
        customer=meter.customer,
        right_token=True,
        officer_visited=True,
        power_state=PowerState.ON_UNKNOWN,
    )
    assign_ticket(actor=cast.supervisor, ticket=ticket, officer=cast.officer)
    page = new_page(screen)
    watch = PageWatch(page)
    login(page, "cso.uid")
    open_menu(page, "Token Tidak Bisa Masuk")
    page.fill("#id_q", meter.meter_number)
    page.get_by_role("button", name="Cek").click()
    expect(page.locator("#open-ticket-link")).to_have_text(ticket.reference)
    expect(page.locator("#open-ticket-state")).to_have_text("Ditugaskan")
    expect(page.locator("#wizard-update")).to_have_text("02-06-2024 15:00 WIT")
    expect(page.get_by_text("waktu setempat pelanggan: WIT (UTC+9)")).to_be_visible()
    page.get_by_label("1. Pelanggan sudah menginput nomor token yang sesuai").check()
    page.get_by_role("radio", name="Ya", exact=True).check()
    page.get_by_role("radio", name="Padam", exact=True).check()
    page.fill("#id_token", "1234 5678 9012 3456 789")
    add = page.get_by_role("button", name=f"5. Tambahkan ke tiket {ticket.reference}")
    add.click()
    expect(page.get_by_text("yang diisi 19 digit")).to_be_visible()
    assert TokenCall.objects.count() == 1
    fits(page, screen)
    page.fill("#id_token", "")
    add.click()
    expect(page.locator(".alert-success")).to_contain_text(
        f"Panggilan ditambahkan ke tiket {ticket.reference}"
    )
    expect(page.locator("#ticket-calls li")).to_have_count(2)
    expect(page.locator("#ticket-events")).to_contain_text("Panggilan ulang ditambahkan")
    fits(page, screen)
    watch.assert_clean(page)


@SCREENS
def test_a_replacement_from_the_receipt_shows_to_the_ulp(cast, new_page, screen):
    meter = cast.meters[1]
    ticket = handle_token_call(
        actor=cast.agent,
        customer=meter.customer,
        right_token=True,
        officer_visited=True,
        power_state=PowerState.OFF,
        purchased_at=UPGRADED_AT - timedelta(days=2),
    )
    page = new_page(screen)
    watch = PageWatch(page)
    login(page, "cso.uid")
    open_menu(page, "Tiket APKT")
    page.get_by_role("link", name=ticket.reference).click()
    expect(page.locator("#replacements")).to_contain_text("Tanyakan jumlah kWh pada struk")
    page.get_by_label("kWh pembelian (dari struk, bukan rupiah)").fill("13.6")
    fits(page, screen)
    page.get_by_role("button", name="Buat token pengganti").click()
    issued = page.locator(".replacement-token")
    expect(issued).to_have_text(TOKEN)
    expect(page.locator("#replacements")).to_contain_text("13,6 kWh, dari struk")
    expect(page.get_by_role("button", name="Buat token pengganti")).to_have_count(0)
    token = issued.inner_text()
    fits(page, screen)
    watch.assert_clean(page)

    ulp = new_page(screen)
    ulp_watch = PageWatch(ulp)
    login(ulp, "pengawas.a")
    open_menu(ulp, "Tiket APKT")
    ulp.get_by_role("link", name=ticket.reference).click()
    expect(ulp.locator(".replacement-token")).to_have_text(token)
    expect(ulp.locator("#ticket-events")).to_contain_text("Token pengganti diterbitkan")
    fits(ulp, screen)
    ulp_watch.assert_clean(ulp)
