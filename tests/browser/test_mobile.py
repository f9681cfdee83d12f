"""The field app on a phone: log in, fetch the work list, work offline, close the app, come
back online and see every entry arrive on the server exactly once."""

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from meterops.api.models import IdempotentWrite
from meterops.core.choices import RoleCode
from meterops.core.models import UnitSettings
from meterops.replacement import services as replacement
from meterops.replacement.choices import TargetState
from meterops.replacement.models import DamageType, Replacement, ReplacementTarget
from tests.browser.conftest import PHONE, assert_fits_phone, settle_fetches
from tests.conftest import build_cast
from tests.factories import TEST_PASSWORD, CustomerFactory, MeterFactory, UserFactory
from tests.replacement.conftest import jpeg

GUIDE = Path(__file__).resolve().parents[2] / "src/meterops/mobile/static/mobile/guide"
PHONE_WITH_GPS = {
    **PHONE,
    "permissions": ["geolocation"],
    "geolocation": {"latitude": -6.914744, "longitude": 107.60981},
}


@pytest.fixture
def field(transactional_db):
    cast = build_cast()
    damage_type, _ = DamageType.objects.get_or_create(
        code="display-mati", defaults={"name": "Display mati / blank"}
    )
    UnitSettings.objects.create(
        unit=cast.area_a, contact_phone="022-123456", contact_address="Jl. Asia Afrika 1"
    )
    cast.officer = UserFactory(
        username="petugas.vendor",
        first_name="Ujang",
        contractor=cast.contractor_a,
        roles=[RoleCode.FIELD_OFFICER],
    )
    cast.broken = CustomerFactory(unit=cast.sp_a, name="ASEP SUNANDAR", customer_id="510010000777")
    MeterFactory(customer=cast.broken, meter_number="45000000777")
    target = replacement.report_damage(
        actor=cast.supervisor,
        customer=cast.broken,
        report=replacement.DamageReport(damage_type=damage_type),
        photos=[jpeg()],
    )
    replacement.verify_target(target=target, actor=cast.supervisor)
    [order] = replacement.print_work_orders(targets=[target], actor=cast.supervisor)
    replacement.assign_work_orders(work_orders=[order], officer=cast.officer, actor=cast.supervisor)
    cast.order = order
    cast.new_customer = CustomerFactory(
        unit=cast.sp_a, name="DEDI MULYADI", customer_id="510010000888"
    )
    MeterFactory(customer=cast.new_customer, meter_number="45000000888")
    return cast


def _photo(name):
    upload = jpeg(name)
    upload.seek(0)
    return {"name": name, "mimeType": "image/jpeg", "buffer": upload.read()}


def _work_list(new_page):
    """The field officer logged in on a phone, the work list just fetched."""
    page = new_page(PHONE)
    page.goto("/m/")
    page.fill("#login-username", "petugas.vendor")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    settle_fetches(page)
    return page


def enter_replacement(page, final, meter_number):
    """Input Data Ganti for the work list's only PK: stands, new meter, seal, two photos."""
    page.locator(".work-item a").tap()
    expect(page.locator("#replace-customer")).to_contain_text("ASEP SUNANDAR")
    page.locator("#replace-form .step[data-step='1'] .next").tap()
    page.fill("#replace-old-reading", final)
    page.fill("#replace-brand", "Itron")
    page.fill("#replace-number", meter_number)
    page.fill("#replace-new-reading", "0")
    page.fill("#replace-form [name=seal_numbers]", "SGL-01")
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    page.set_input_files("#replace-before", [_photo("sebelum.jpg")])
    page.set_input_files("#replace-after", [_photo("sesudah.jpg")])
    expect(page.locator("#replace-thumbs img")).to_have_count(2)
    page.get_by_role("button", name="Simpan data ganti").tap()
    expect(page.locator("#replace-done")).to_contain_text("tersimpan di HP")


def _guide(page, name):
    """Refresh Panduan Aplikasi's screenshots when METEROPS_MOBILE_GUIDE is set."""
    if os.environ.get("METEROPS_MOBILE_GUIDE"):
        page.screenshot(path=str(GUIDE / f"{name}.png"))


def test_offline_entries_arrive_once_after_reopening(field, new_page):
    page = new_page(PHONE_WITH_GPS)
    context = page.context
    page.goto("/m/")
    expect(page.locator("#screen-login")).to_be_visible()
    _guide(page, "01-login")
    page.fill("#login-username", "petugas.vendor")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    expect(page.locator("#who")).to_contain_text("Ujang")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert_fits_phone(page)

    page.get_by_role("link", name="Pekerjaan Hari Ini").tap()
    page.get_by_role("button", name="Ambil daftar kerja").tap()
    expect(page.locator(".work-item")).to_have_count(1)
    expect(page.locator(".work-item")).to_contain_text(field.order.number)
    _guide(page, "03-worklist")
    page.locator("#back").tap()
    expect(page.locator("#work-count")).to_have_text("1")
    _guide(page, "02-home")
    # The damage types are on the phone before the signal goes.
    page.get_by_role("link", name="Input Data Rusak").tap()
    expect(page.locator("#damage-type")).to_contain_text("Display mati / blank")
    page.locator("#back").tap()

    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")

    page.get_by_role("link", name="Input Data Rusak").tap()
    page.fill("#damage-idpel", "510010000888")
    page.locator("#damage-form .step[data-step='1'] .next").tap()
    page.select_option("#damage-type", label="Display mati / blank")
    page.fill("#damage-reading", "2100.5")
    page.fill("#damage-notes", "Display mati, segel utuh")
    page.locator("#damage-form .step[data-step='2'] .next").tap()
    page.set_input_files("#damage-photos", [_photo("rusak.jpg")])
    expect(page.locator("#damage-thumbs img")).to_have_count(1)
    _guide(page, "04-rusak")
    page.get_by_role("button", name="Simpan data rusak").tap()
    expect(page.locator("#damage-done")).to_contain_text("tersimpan di HP")
    expect(page.locator("#damage-done")).to_contain_text("GPS -6.914744")

    page.locator("#back").tap()
    page.get_by_role("link", name="Input Data Ganti").tap()
    page.select_option("#replace-wo", str(field.order.pk))
    expect(page.locator("#replace-customer")).to_contain_text("ASEP SUNANDAR")
    page.locator("#replace-form .step[data-step='1'] .next").tap()
    page.fill("#replace-old-reading", "1750")
    page.fill("#replace-brand", "Itron")
    page.fill("#replace-number", "56000000999")
    page.fill("#replace-new-reading", "0")
    _guide(page, "05-ganti")
    page.locator("#replace-form .step[data-step='2'] .next").tap()
    page.set_input_files("#replace-before", [_photo("sebelum.jpg")])
    page.set_input_files("#replace-after", [_photo("sesudah.jpg")])
    expect(page.locator("#replace-thumbs img")).to_have_count(2)
    page.get_by_role("button", name="Simpan data ganti").tap()
    expect(page.locator("#replace-done")).to_contain_text("tersimpan di HP")

    page.locator("#back").tap()
    page.get_by_role("link", name="Antrian Kirim").tap()
    expect(page.locator(".queue-item[data-state='pending']")).to_have_count(2)
    _guide(page, "06-antrian")
    assert_fits_phone(page)
    assert not ReplacementTarget.objects.filter(customer=field.new_customer).exists()

    # The officer closes the app while still offline and opens it again.
    page.close()
    page = context.new_page()
    page.goto("/m/#queue")
    expect(page.locator(".queue-item")).to_have_count(2)
    expect(page.locator(".queue-item[data-state='pending']")).to_have_count(2)

    context.set_offline(False)
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(2, timeout=30_000)
    page.get_by_role("button", name="Kirim sekarang").tap()
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(2)

    reported = ReplacementTarget.objects.get(customer=field.new_customer)
    assert reported.photos.count() == 1
    assert str(reported.latitude) == "-6.914744"
    assert reported.reported_by == field.officer
    assert Replacement.objects.filter(target=field.order.target).count() == 1
    field.order.target.refresh_from_db()
    assert field.order.target.state == TargetState.REPLACED
    assert IdempotentWrite.objects.filter(user=field.officer).count() == 2


def test_every_screen_of_the_seed_fits_a_phone(field, new_page):
    page = new_page(PHONE)
    page.goto("/m/")
    page.fill("#login-username", "petugas.vendor")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    # The seed's menus in its order; a field officer does not distribute PKs.
    expect(page.locator(".tiles .tile:visible")).to_have_count(9)
    hrefs = page.eval_on_selector_all(
        ".tiles .tile", "tiles => tiles.filter(t => !t.hidden).map(t => t.getAttribute('href'))"
    )
    assert hrefs == [
        "#work",
        "#status",
        "#damage",
        "#monitoring",
        "#replace",
        "#guide",
        "#password",
        "#contact",
        "#queue",
    ]
    page.get_by_role("link", name="Cek Status APP").tap()
    page.fill("#screen-status input[name=customer_id]", "510010000777")
    page.get_by_role("button", name="Cek Status").tap()
    expect(page.locator("#status-result")).to_contain_text("PK didistribusikan")
    assert_fits_phone(page)
    page.goto("/m/#contact")
    expect(page.locator("#contact-card")).to_contain_text("022-123456")
    page.goto("/m/#guide")
    expect(page.locator(".guide img")).to_have_count(6)
    for image in page.locator(".guide img").all():  # loaded lazily, as the officer scrolls
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("i => i.naturalWidth") > 300
    assert_fits_phone(page)
    page.goto("/m/#monitoring")
    expect(page.locator("#monitoring-list li")).to_contain_text(field.order.number)
    page.goto("/m/#password")
    page.fill("input[name=old_password]", TEST_PASSWORD)
    page.fill("input[name=new_password]", "Baru-rahasia-2026")
    page.fill("input[name=new_password2]", "Baru-rahasia-2026")
    page.get_by_role("button", name="Ganti Password").tap()
    expect(page.locator("#password-done")).to_contain_text("berhasil")
    field.officer.refresh_from_db()
    assert field.officer.check_password("Baru-rahasia-2026")
    manifest = page.request.get("/m/manifest.webmanifest").json()
    assert manifest["display"] == "standalone"
    icon = page.request.get(manifest["icons"][1]["src"])
    assert icon.body()[:8] == b"\x89PNG\r\n\x1a\n"
    assert io.BytesIO(icon.body()).getbuffer().nbytes > 500


def test_fieldwork_order_outcome_from_the_work_list(field, new_page):
    from meterops.fieldwork.choices import OrderKind, OrderState
    from meterops.fieldwork.models import FieldOrder
    from meterops.fieldwork.services import assign_orders

    order = FieldOrder.objects.create(
        unit=field.sp_a,
        customer=field.new_customer,
        kind=OrderKind.NOTICE,
        issued_by=field.supervisor,
    )
    assign_orders(
        actor=field.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=field.officer
    )
    page = _work_list(new_page)
    expect(page.locator(".work-item")).to_have_count(2)
    page.locator(".work-item", has_text=order.reference).locator("a").tap()
    expect(page.locator("#order-customer")).to_contain_text("DEDI MULYADI")
    page.get_by_text("Gagal", exact=True).tap()
    page.fill("#order-reason", "Alamat tidak ketemu")
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-done")).to_contain_text("tersimpan di HP")
    assert_fits_phone(page)
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1)
    order.refresh_from_db()
    assert order.state == OrderState.FAILED
    assert order.note == "Alamat tidak ketemu"


def test_notice_delivered_in_person_is_signed_on_the_screen(field, new_page):
    from PIL import Image

    from meterops.fieldwork.choices import NoticeOutcome, OrderKind, OrderState
    from meterops.fieldwork.models import FieldOrder
    from meterops.fieldwork.services import assign_orders

    order = FieldOrder.objects.create(
        unit=field.sp_a,
        customer=field.new_customer,
        kind=OrderKind.NOTICE,
        issued_by=field.supervisor,
    )
    assign_orders(
        actor=field.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=field.officer
    )
    page = _work_list(new_page)
    page.locator(".work-item", has_text=order.reference).locator("a").tap()
    expect(page.locator("#order-signature")).to_be_visible()
    page.set_input_files("#order-photo", [_photo("surat.jpg")])
    expect(page.locator("#order-thumbs img")).to_have_count(1)
    page.get_by_role("button", name="Simpan hasil order").tap()  # neither initials nor signature
    expect(page.locator("#order-error")).to_contain_text("paraf/nama penerima atau tanda tangan")
    box = page.locator("#order-signature").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 30 + (step % 3) * 25)
    page.mouse.up()
    assert_fits_phone(page)
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-done")).to_contain_text("tersimpan di HP")
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1)
    order.refresh_from_db()
    assert order.state == OrderState.DONE and order.outcome == NoticeOutcome.IN_PERSON
    with order.signature.open("rb") as stored, Image.open(stored) as image:
        shades = image.convert("L").histogram()
    inked = sum(shades[:100])
    assert 200 < inked < sum(shades) // 4  # the stroke drawn above on white, not a blank box


def test_disconnection_on_the_phone_mcb_off_and_sealed(field, new_page):
    """Seed 004 §VI: "Membawa Surat Pemberitahuan Pemutusan Sementara (TUL Vl-01) yang telah
    ditandatangani"; "meng Off kan sakelar MCB dan di segel"; "membuka segel OA Kas dan
    memutus Lewat SR, tidak diperkenankan"."""
    from meterops.fieldwork import services as fieldwork
    from meterops.fieldwork.choices import OrderKind, OrderState
    from meterops.fieldwork.models import Arrears, FieldOrder
    from tests.fieldwork.helpers import arrears, print_notice

    owed = arrears(field.new_customer, bills=2)
    print_notice(field, Arrears.objects.filter(pk=owed.pk))
    fieldwork.issue_disconnection_orders(
        actor=field.supervisor, arrears=Arrears.objects.filter(pk=owed.pk)
    )
    order = FieldOrder.objects.get(kind=OrderKind.DISCONNECTION)
    fieldwork.assign_orders(
        actor=field.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=field.officer
    )
    page = _work_list(new_page)
    page.locator(".work-item", has_text=order.reference).locator("a").tap()
    expect(page.locator("#order-notice-carried")).to_contain_text("TUL VI-01")
    expect(page.locator("#order-notice-carried")).to_contain_text("Manajer ULP ALFA SATU")
    page.fill("#order-register", "4321")
    page.set_input_files("#order-photo", [_photo("putus.jpg")])
    expect(page.locator("#order-thumbs img")).to_have_count(1)
    page.select_option("#order-method", "sr_cut")
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-error")).to_contain_text("tidak diperkenankan")
    expect(page.locator("#order-error")).to_contain_text("Nomor segel wajib")
    page.select_option("#order-method", "mcb_sealed")
    page.fill("#order-seal", "sg-0042")
    assert_fits_phone(page)
    page.get_by_role("button", name="Simpan hasil order").tap()
    expect(page.locator("#order-done")).to_contain_text("tersimpan di HP")
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1)
    order.refresh_from_db()
    assert order.state == OrderState.DONE and order.seal_number == "SG-0042"
    assert order.disconnection_method == "mcb_sealed" and order.reported_late is False
    assert Arrears.objects.get().disconnected_at == order.done_at


def test_reading_sent_back_is_read_again_from_the_work_list(field, new_page):
    from django.utils import timezone

    from meterops.reading.choices import ReadingState
    from meterops.reading.models import Reading
    from tests.reading.helpers import WIB, make_customer, make_day, make_reading, make_route

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
    item = page.locator(".work-item", has_text="Baca ulang stan")
    expect(item).to_contain_text("NENG ROSITA")
    item.locator("a").tap()
    expect(page.locator("#reread-reason")).to_contain_text("tidak terbaca")
    expect(page.locator("#reread-reason")).to_contain_text("880")
    page.fill("#reread-register", "912,5")
    page.get_by_role("button", name="Simpan stan baca ulang").tap()
    expect(page.locator("#reread-error")).to_contain_text("Ambil foto stan")
    page.set_input_files("#reread-photo", [_photo("stan.jpg")])
    expect(page.locator("#reread-thumbs img")).to_have_count(1)
    assert_fits_phone(page)
    page.get_by_role("button", name="Simpan stan baca ulang").tap()
    expect(page.locator("#reread-done")).to_contain_text("tersimpan di HP")
    page.goto("/m/#queue")
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1)
    expect(page.locator(".queue-item")).to_contain_text("stan 912.50")
    reading = Reading.objects.get(pk=reading.pk)
    assert reading.state == ReadingState.READ and str(reading.register_kwh) == "912.50"
    assert reading.photo.name.endswith(".jpg")


def test_conflict_is_shown_side_by_side_and_resent_with_server_version(field, new_page):
    page = _work_list(new_page)
    expect(page.locator(".work-item")).to_have_count(1)
    # The supervisor hands the PK out again after the phone fetched it.
    replacement.assign_work_orders(
        work_orders=[field.order], officer=field.officer, actor=field.supervisor
    )
    enter_replacement(page, "1750", "56000000998")
    page.goto("/m/#queue")
    item = page.locator(".queue-item[data-state='conflict']")
    expect(item).to_have_count(1, timeout=30_000)  # after the photos' upload
    expect(item.locator(".conflict")).to_contain_text("Data Anda")
    expect(item.locator(".conflict")).to_contain_text("Data di server")
    expect(item.locator(".conflict")).to_contain_text("56000000998")
    assert not Replacement.objects.exists()
    item.get_by_role("button", name="Kirim ulang").tap()
    expect(page.locator(".queue-item[data-state='sent']")).to_have_count(1, timeout=30_000)
    assert Replacement.objects.get().new_meter.meter_number == "56000000998"


def test_supervisor_distributes_a_printed_pk_from_the_phone(field, new_page):
    damage_type = DamageType.objects.get(code="display-mati")
    target = replacement.report_damage(
        actor=field.supervisor,
        customer=field.new_customer,
        report=replacement.DamageReport(damage_type=damage_type),
        photos=[jpeg()],
    )
    replacement.verify_target(target=target, actor=field.supervisor)
    [order] = replacement.print_work_orders(targets=[target], actor=field.supervisor)
    page = new_page(PHONE)
    page.goto("/m/")
    page.fill("#login-username", "pengawas.a")
    page.fill("#login-password", TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").tap()
    page.get_by_role("link", name="Distribusi PK").tap()
    page.get_by_role("checkbox", name=order.number).check()
    # An officer the unit may not use (here: one of another unit) is refused, naming the field.
    page.eval_on_selector(
        "#distribute-officer",
        "(s, pk) => { s.add(new Option('x', pk)); s.value = pk; }",
        str(field.outsider.pk),
    )
    page.get_by_role("button", name="Distribusikan PK").tap()
    expect(page.locator("#distribute-error")).to_contain_text("Petugas tidak ditemukan")
    page.select_option("#distribute-officer", label="Ujang (petugas.vendor)")
    page.get_by_role("button", name="Distribusikan PK").tap()
    expect(page.locator("#distribute-done")).to_contain_text("1 PK didistribusikan")
    assert_fits_phone(page)
    order.refresh_from_db()
    assert order.assigned_to == field.officer
    page.goto("/m/#monitoring")
    expect(page.locator("#monitoring-list")).to_contain_text(order.number)
