"""Loket NFC (issue #18): a clerk pastes the card's text, sells the token, sees the payload to
write to the card, sends the form again (one sale), and finds the card's months, arus included,
on the load profile; at desktop and at phone width."""

import pytest
from playwright.sync_api import expect

from meterops.prepaid.models import TokenSale
from tests.browser.conftest import PHONE, PageWatch, assert_fits_phone, login
from tests.conftest import build_cast
from tests.prepaid.builders import installed_meter, make_fee, make_keys, make_stock
from tests.prepaid.test_load_profile import SAMPLE_CARD_WITH_CURRENT

METER = "32031017679"
CARD = "\n".join([METER, *SAMPLE_CARD_WITH_CURRENT[:11], "2012010016540000052200000x5"])


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    make_fee()
    make_keys(cast.region)
    make_stock(cast.sp_a, METER, is_nfc=True)
    installed_meter(cast.sp_a, METER, name="SICILIA NFC")
    return cast


def sell(page, receipt):
    page.fill("#id_card_text", CARD)
    page.fill("#id_amount", "100000")
    page.fill("#id_receipt_number", receipt)
    page.get_by_role("button", name="Jual token").click()


def test_a_clerk_sells_at_the_nfc_counter_and_sends_the_form_again(cast, new_page, screenshot):
    page = new_page()
    watch = PageWatch(page)
    login(page, "pengawas.a")
    page.locator("#main-menu").get_by_role("link", name="Loket NFC").click()
    expect(page.locator("h1")).to_have_text("Loket Prabayar Dua Arah NFC")
    watch.assert_clean(page)

    sell(page, "KW-0001")
    expect(page.locator("#receipt-number")).to_have_text("KW-0001")
    sale = TokenSale.objects.get()
    expect(page.locator("#token")).to_have_text(sale.display())
    expect(page.locator("#card-payload")).to_have_text(f"{METER}\n{sale.token}")
    expect(page.locator("#card-records tbody tr")).to_have_count(11)
    expect(page.locator("#card-rejections")).to_contain_text(
        "Record 12: Arus berisi bukan angka pada posisi 26."
    )
    watch.assert_clean(page)
    screenshot(page, "prepaid-nfc-counter-receipt")

    # The back button and the same form sent again: the same token, no second sale.
    page.go_back()
    sell(page, "KW-0001")
    expect(page.locator(".alert-info")).to_contain_text("sudah tercatat")
    expect(page.locator("#token")).to_have_text(sale.display())
    assert TokenSale.objects.count() == 1

    page.get_by_role("link", name="Load profile meter ini").click()
    expect(page.locator("#load-profile-table tbody tr")).to_have_count(11)
    expect(page.locator("#load-profile-table tbody tr").last).to_contain_text("5,2")
    expect(page.locator("#chart-current")).to_have_count(1)
    watch.assert_clean(page)
    watch.assert_clean(page)


def test_the_counter_on_a_phone_names_a_wrong_card(cast, new_page):
    page = new_page(PHONE)
    watch = PageWatch(page)
    login(page, "pengawas.a")
    page.get_by_role("button", name="Buka menu").click()
    page.locator("#main-menu").get_by_role("link", name="Loket NFC").click()
    assert_fits_phone(page)

    page.fill("#id_card_text", "\n".join(SAMPLE_CARD_WITH_CURRENT))
    page.fill("#id_amount", "100000")
    page.fill("#id_receipt_number", "KW-0002")
    page.get_by_role("button", name="Jual token").click()
    expect(page.locator("#id_card_text")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#counter-form")).to_contain_text("Kartu: baris pertama: no meter")
    assert not TokenSale.objects.exists()

    sell(page, "KW-0002")
    expect(page.locator("#token")).to_be_visible()
    assert_fits_phone(page)
    watch.assert_clean(page)
    page.get_by_role("link", name="Penjualan berikutnya").click()
    expect(page.locator("#counter-table")).to_contain_text("KW-0002")
    assert_fits_phone(page)
    watch.assert_clean(page)
