"""Issue #20 on the phone: an entry the server refuses (a 4xx with its reason) comes back in its
form with everything the officer entered, photos included, the refused field marked; saved
again it is sent under the same client id and recorded once. A transient failure (5xx) is
only sent again."""

from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from meterops.api.models import IdempotentWrite, PhotoUpload
from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading
from meterops.replacement.choices import PhotoStage
from meterops.replacement.models import Replacement
from tests.browser.conftest import PageWatch, assert_fits_phone
from tests.browser.test_mobile import (  # noqa: F401 - field is the fixture
    _photo,
    _work_list,
    enter_replacement,
    field,
)
from tests.factories import RouteFactory
from tests.reading.helpers import WIB, make_customer, make_day, make_reading, make_route

THUMBS_LOADED = """([selector, count]) => {
  const images = [...document.querySelectorAll(selector)];
  return images.length === count && images.every((i) => i.complete && i.naturalWidth > 0);
}"""


def _newer_reading(customer, kwh):
    """A meter reader's stan that reaches the server after the phone fetched its work list."""
    return Reading.objects.create(
        customer=customer,
        unit=customer.unit,
        reading_day=make_day(customer.unit),
        period=f"{timezone.now().astimezone(WIB):%Y%m}",
        register_kwh=Decimal(kwh),
        state=ReadingState.READ,
        read_at=timezone.now(),
        photo="foto.jpg",
        power_va=customer.power_va,
    )


def _only_the_expected_answer(watch, page, url, status):
    """The page had no problem but the answer the test provoked (the response and the line
    Chromium writes to the console for it), and that answer came exactly once."""
    answer = f"{status}: {url}"
    assert watch.problems.count(answer) == 1, watch.problems
    watch.problems = [
        p
        for p in watch.problems
        if p != answer and not (p.startswith("console: ") and f"status of {status}" in p)
    ]
    watch.assert_clean(page)


def test_refused_replacement_is_corrected_with_its_photos_and_recorded_once(
    field,  # noqa: F811
    new_page,
    live_server,
):
    page = _work_list(new_page)
    expect(page.locator(".work-item")).to_have_count(1)
    page.context.set_offline(True)
    # The phone knows no stan of this meter: nothing to check the final stan against.
    enter_replacement(page, "1000", "56000000996")
    _newer_reading(field.broken, "1600")  # read after the phone fetched its list

    watch = PageWatch(page)
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    page.context.set_offline(False)
    refused = page.locator(".queue-item[data-state='failed']")
    expect(refused).to_have_count(1, timeout=30_000)
    expect(refused).to_contain_text("Ditolak server (isian Stan akhir meter lama")
    expect(refused).to_contain_text("Stan akhir 1.000 lebih kecil dari stan terakhir 1.600")
    expect(refused.get_by_role("button", name="Kirim ulang")).to_have_count(0)
    assert_fits_phone(page)
    assert not Replacement.objects.exists() and not IdempotentWrite.objects.exists()

    # Perbaiki, then back without saving, then Perbaiki again: still one entry.
    refused.get_by_role("button", name="Perbaiki").tap()
    expect(page.locator("#replace-old-reading")).to_have_value("1000")
    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    page.locator(".queue-item").get_by_role("button", name="Perbaiki").tap()

    form = page.locator("#replace-form")
    expect(form).to_have_attribute("data-step", "2")  # where the refused field is
    expect(page.locator("#replace-wo")).to_be_disabled()
    expect(page.locator("#replace-old-reading")).to_have_value("1000")
    expect(page.locator("#replace-old-reading")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error")).to_contain_text("lebih kecil dari stan terakhir 1.600")
    expect(page.locator("#replace-brand")).to_have_value("Itron")
    expect(page.locator("#replace-number")).to_have_value("56000000996")
    expect(page.locator("#replace-form [name=seal_numbers]")).to_have_value("SGL-01")
    # The work list was fetched again after the refusal: the phone now checks the new stan.
    expect(page.locator("#replace-facts")).to_contain_text("Stan terakhir: 1.600 kWh")
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    expect(page.locator("#replace-error")).to_contain_text("lebih kecil dari stan terakhir 1.600")
    assert_fits_phone(page)

    page.fill("#replace-old-reading", "1620")
    expect(form.locator(".field-error")).to_have_count(0)
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    page.wait_for_function(THUMBS_LOADED, arg=["#replace-thumbs img", 2])
    page.get_by_role("button", name="Simpan data ganti").dblclick()  # the careless double tap
    expect(page.locator("#replace-done")).to_contain_text("tersimpan di HP")

    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    expect(page.locator(".queue-item")).to_have_count(1)
    expect(page.locator(".queue-item")).to_contain_text("diperbaiki")
    page.get_by_role("button", name="Kirim sekarang").tap()
    page.wait_for_load_state("networkidle")

    replacement = Replacement.objects.get()
    assert replacement.old_final_reading == Decimal("1620")
    assert replacement.seal_numbers == "SGL-01"
    taken = replacement.target.photos.exclude(stage=PhotoStage.DAMAGE)
    assert sorted(taken.values_list("stage", flat=True)) == [PhotoStage.AFTER, PhotoStage.BEFORE]
    # Sent under the refused entry's client id, with the photos uploaded the first time.
    assert IdempotentWrite.objects.count() == 1
    assert PhotoUpload.objects.count() == 2
    _only_the_expected_answer(watch, page, f"{live_server.url}/api/replacements", 422)


def test_refused_reread_is_corrected_with_its_photo(field, new_page, live_server):  # noqa: F811
    customer = make_customer(make_route(make_day(field.sp_a)), name="NENG ROSITA")
    reading = make_reading(
        customer,
        period=f"{timezone.now().astimezone(WIB):%Y%m}",
        register="880",
        state=ReadingState.REREAD_REQUESTED,
        reread_reason="Angka stan tidak terbaca di foto",
        read_at=timezone.now(),
    )
    page = _work_list(new_page)
    page.context.set_offline(True)
    page.locator(".work-item", has_text="Baca ulang stan").locator("a").tap()
    page.fill("#reread-register", "912,5")
    page.fill("#reread-anomaly", "zz")  # no such LBKB code: the phone has no list to check
    page.set_input_files("#reread-photo", [_photo("stan.jpg")])
    expect(page.locator("#reread-thumbs img")).to_have_count(1)
    page.get_by_role("button", name="Simpan stan baca ulang").tap()
    expect(page.locator("#reread-done")).to_contain_text("tersimpan di HP")

    watch = PageWatch(page)
    page.goto("/m/#queue")
    page.context.set_offline(False)
    page.get_by_role("button", name="Kirim sekarang").tap()
    refused = page.locator(".queue-item[data-state='failed']")
    expect(refused).to_have_count(1, timeout=30_000)
    expect(refused).to_contain_text("isian Kode LBKB): Kode LBKB tidak dikenal")
    refused.get_by_role("button", name="Perbaiki").tap()

    expect(page.locator("#reread-register")).to_have_value("912.5")
    expect(page.locator("#reread-anomaly")).to_have_attribute("aria-invalid", "true")
    page.wait_for_function(THUMBS_LOADED, arg=["#reread-thumbs img", 1])
    page.fill("#reread-anomaly", "")
    page.get_by_role("button", name="Simpan stan baca ulang").tap()
    expect(page.locator("#reread-done")).to_contain_text("tersimpan di HP")
    page.get_by_role("button", name="Simpan stan baca ulang").tap()  # again, by mistake
    expect(page.locator("#reread-error")).not_to_be_empty()

    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    expect(page.locator(".queue-item")).to_have_count(1)
    reading = Reading.objects.get(pk=reading.pk)
    assert reading.state == ReadingState.READ and reading.register_kwh == Decimal("912.50")
    assert reading.photo.name.endswith(".jpg") and reading.anomaly is None
    assert IdempotentWrite.objects.count() == 1
    _only_the_expected_answer(
        watch, page, f"{live_server.url}/api/readings/{reading.pk}/reread", 422
    )


def test_server_error_keeps_kirim_ulang_and_opens_nothing(field, new_page, live_server):  # noqa: F811
    page = _work_list(new_page)
    expect(page.locator(".work-item")).to_have_count(1)
    watch = PageWatch(page)
    page.route("**/api/replacements", lambda route: route.fulfill(status=503, body="{}"))
    enter_replacement(page, "1000", "56000000996")
    page.goto("/m/#queue")
    waiting = page.locator(".queue-item[data-state='pending']")
    expect(waiting).to_contain_text("server sedang bermasalah (HTTP 503)", timeout=30_000)
    expect(waiting.get_by_role("button", name="Perbaiki")).to_have_count(0)
    assert not Replacement.objects.exists()

    page.unroute("**/api/replacements")
    waiting.get_by_role("button", name="Kirim ulang").tap()
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    assert Replacement.objects.get().old_final_reading == Decimal("1000")
    _only_the_expected_answer(watch, page, f"{live_server.url}/api/replacements", 503)


def test_refused_survey_order_is_corrected_in_its_form(field, new_page, live_server):  # noqa: F811
    from meterops.fieldwork.choices import OrderKind, OrderState
    from meterops.fieldwork.models import FieldOrder
    from meterops.fieldwork.services import assign_orders

    order = FieldOrder.objects.create(
        unit=field.sp_a,
        customer=field.new_customer,
        kind=OrderKind.SURVEY,
        issued_by=field.supervisor,
    )
    assign_orders(
        actor=field.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=field.officer
    )
    route = RouteFactory(unit=field.sp_a, code="RBM-A01")
    page = _work_list(new_page)
    page.context.set_offline(True)
    page.locator(".work-item", has_text=order.reference).locator("a").tap()
    page.fill("#order-form [name=route_code]", "RBM-A1")  # a typo: no such RBM
    page.fill("#order-form [name=note]", "Pelanggan pindah tiang")
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-done")).to_contain_text("tersimpan di HP")

    watch = PageWatch(page)
    page.goto("/m/#queue")
    page.context.set_offline(False)
    page.get_by_role("button", name="Kirim sekarang").tap()
    refused = page.locator(".queue-item[data-state='failed']")
    expect(refused).to_contain_text("(isian Kode RBM): RBM tidak ditemukan", timeout=30_000)
    refused.get_by_role("button", name="Perbaiki").tap()

    route_code = page.locator("#order-form [name=route_code]")
    expect(route_code).to_have_value("RBM-A1")
    expect(route_code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#order-form [name=note]")).to_have_value("Pelanggan pindah tiang")
    page.fill("#order-form [name=route_code]", route.code)
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-done")).to_contain_text("tersimpan di HP")
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    expect(page.locator(".queue-item")).to_have_count(1)
    order.refresh_from_db()
    assert order.state == OrderState.DONE and order.note == "Pelanggan pindah tiang"
    _only_the_expected_answer(
        watch, page, f"{live_server.url}/api/field-orders/{order.pk}/outcome", 422
    )
