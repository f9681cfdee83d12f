"""Fieldwork in a real browser on a 390 px phone: an audit month from sampling to scorecard,
an arrears case from notice to disconnection, payment and reconnection, and the route map."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from meterops.core.choices import RoleCode
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import Arrears, FieldOrder
from meterops.imports import services as import_services
from meterops.imports.models import Upload
from tests.browser.conftest import PHONE, assert_fits_phone, login
from tests.conftest import build_cast
from tests.factories import CustomerFactory, UserFactory
from tests.fieldwork.helpers import jpeg
from tests.reading.helpers import PERIOD, make_customer, make_day, make_reading, make_route


def _file(upload):
    upload.seek(0)
    return {"name": upload.name, "mimeType": upload.content_type, "buffer": upload.read()}


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    cast.field_officer = UserFactory(
        username="petugas.vendor",
        first_name="Ujang",
        contractor=cast.contractor_a,
        roles=[RoleCode.FIELD_OFFICER],
    )
    return cast


def _open(page, path, menu_label):
    """Every page is in the menu: check the entry, then go there."""
    expect(page.locator("#main-menu a", has_text=menu_label)).to_have_count(1)
    page.goto(path)
    assert_fits_phone(page)


def _record_order(page, order_pk, register, seal=None):
    page.goto(f"/fieldwork/orders/{order_pk}/")
    page.fill("#id_register_kwh", register)
    page.set_input_files("#id_photo", _file(jpeg()))
    if seal:
        page.select_option("#id_method", "mcb_sealed")
        page.fill("#id_seal_number", seal)
    page.get_by_role("button", name="Simpan Hasil").click()
    expect(page.locator(".alert-success")).to_contain_text("tersimpan")
    assert_fits_phone(page)


def test_audit_month_from_sampling_to_scorecard(cast, new_page):
    day = make_day(cast.sp_a)
    route = make_route(day, code="51354BKC")
    for i in range(3):
        make_reading(make_customer(route, sequence=i + 1), register="1000", reader="ANA")
    supervisor = new_page(PHONE)
    login(supervisor, "pengawas.a")
    _open(supervisor, "/fieldwork/audits/", "Audit Baca Meter")
    supervisor.select_option("#id_unit", label="ULP ALFA SATU")
    supervisor.fill("#id_period", PERIOD)
    supervisor.fill("#id_seed", "7")
    supervisor.get_by_role("button", name="Ambil Sampel").click()
    expect(supervisor.locator("#audit-summary")).to_contain_text("dari 3 stan")
    assert_fits_phone(supervisor)
    supervisor.locator("#issue-accuracy").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("order cek ulang akurasi")
    order = FieldOrder.objects.get(kind=OrderKind.ACCURACY_CHECK)

    _open(supervisor, "/fieldwork/orders/", "Order Lapangan")
    supervisor.select_option("#id_officer", label="petugas.a")
    supervisor.locator(f"input[name=selected][value='{order.pk}']").check()
    supervisor.locator("#assign-button").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("1 order ditugaskan")

    officer = new_page(PHONE)
    login(officer, "petugas.a")
    _record_order(officer, order.pk, "1100")  # 100 kWh off: inaccurate
    expect(officer.locator("#order-register")).to_contain_text("tidak akurat")

    supervisor.goto(f"/fieldwork/orders/{order.pk}/")
    supervisor.locator("#verify-button").click()
    expect(supervisor.locator("#order-state")).to_have_text("Diverifikasi")
    order.refresh_from_db()
    order.sample.reading.refresh_from_db()
    assert order.sample.reading.state == "reread_requested"

    _open(supervisor, f"/fieldwork/scorecard/?period={PERIOD}", "Scorecard Vendor")
    row = supervisor.locator("#scorecard-reader tbody tr").first
    expect(row).to_contain_text("ANA")
    expect(row.locator("td").nth(4)).to_have_text("0,0")
    expect(supervisor.locator("#trend-chart circle")).not_to_have_count(0)


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return {
        "name": "tunggakan.xlsx",
        "mimeType": "application/octet-stream",
        "buffer": buffer.getvalue(),
    }


def test_arrears_from_notice_to_disconnection_payment_reconnection(cast, new_page):
    customer = CustomerFactory(unit=cast.sp_a, customer_id="510010000321", name="SITI")
    supervisor = new_page(PHONE)
    login(supervisor, "pengawas.a")
    _open(supervisor, "/fieldwork/arrears/", "Penekanan Tunggakan")
    supervisor.locator("#arrears-upload-link").click()
    supervisor.set_input_files(
        "#upload-form input[type=file]",
        _xlsx([["IDPEL", "LEMBAR", "JUMLAH"], [customer.customer_id, 2, 310000]]),
    )
    supervisor.locator("#upload-form button").click()
    supervisor.wait_for_url("**/imports/uploads/*/")
    upload = Upload.objects.get()
    import_services.check_upload(upload_id=upload.pk)  # the worker's job, run here
    supervisor.reload()
    supervisor.locator("#apply-form button").click()
    import_services.apply_upload(upload_id=upload.pk)
    assert Arrears.objects.get().bills == 2
    supervisor.goto("/fieldwork/arrears/")
    assert_fits_phone(supervisor)
    # "Pelanggan dengan tunggakan >= 2 lembar yang belum pernah dilakukan pemutusan sementara
    # tetap menjadi tanggung jawab Perusahaan lain"
    expect(supervisor.locator("#arrears-table tbody tr").first).to_contain_text(
        "Vendor pemutus: PT Vendor Alfa"
    )
    # No order before the signed TUL VI-01 is printed.
    supervisor.locator("input[name=selected]").first.check()
    # The order is a bulk action: the browser asks first, naming how many (issue #20).
    questions = []
    supervisor.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    supervisor.locator("#issue-disconnection").click()
    expect(supervisor.locator(".alert-danger")).to_contain_text("TUL VI-01 yang ditandatangani")
    assert questions == ["Terbitkan order pemutusan untuk 1 pelanggan terpilih?"]

    # The unit admin records the Manajer Unit who signs (a page of its own, from the menu).
    admin = new_page(PHONE)
    login(admin, "admin.alfa")
    _open(admin, "/fieldwork/arrears/signers/", "Penanda Tangan TUL VI-01")
    admin.select_option("#id_unit", label="ULP ALFA SATU")
    admin.select_option("#id_role", "manager")
    admin.fill("#id_name", "Ir. Sutrisno")
    admin.fill("#id_position", "Manajer ULP Alfa Satu")
    admin.fill("#id_employee_number", "8406001Z")
    admin.get_by_role("button", name="Simpan").click()
    expect(admin.locator("#signer-table")).to_contain_text("Ir. Sutrisno")
    assert_fits_phone(admin)

    supervisor.goto("/fieldwork/arrears/")
    supervisor.select_option("#notice-signer", label="Ir. Sutrisno (Manajer Unit, ULP ALFA SATU)")
    supervisor.locator("input[name=selected]").first.check()
    with supervisor.expect_popup() as popup:
        supervisor.locator("#print-tul-vi01").click()
    assert popup.value is not None
    supervisor.locator("input[name=selected]").first.check()
    supervisor.locator("#issue-disconnection").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("1 order pemutusan")
    printed = Arrears.objects.get()
    assert printed.notice_printed_at is not None and printed.notice_signer.name == "Ir. Sutrisno"
    order = FieldOrder.objects.get(kind=OrderKind.DISCONNECTION)

    supervisor.goto("/fieldwork/orders/?kind=disconnection")
    supervisor.select_option("#id_officer", label="petugas.a")
    supervisor.locator(f"input[name=selected][value='{order.pk}']").check()
    supervisor.locator("#assign-button").click()

    officer = new_page(PHONE)
    login(officer, "petugas.a")
    # "membuka segel OA Kas dan memutus Lewat SR, tidak diperkenankan"
    officer.goto(f"/fieldwork/orders/{order.pk}/")
    expect(officer.locator("#order-notice")).to_contain_text("Ir. Sutrisno")
    officer.fill("#id_register_kwh", "4321")
    officer.set_input_files("#id_photo", _file(jpeg()))
    officer.select_option("#id_method", "sr_cut")
    officer.fill("#id_seal_number", "SG-0001")
    officer.get_by_role("button", name="Simpan Hasil").click()
    expect(officer.locator(".alert-danger")).to_contain_text("tidak diperkenankan")
    _record_order(officer, order.pk, "4321", seal="SG-0001")
    expect(officer.locator("#order-state")).to_have_text("Selesai")
    expect(officer.locator("#order-method")).to_contain_text("SG-0001")
    expect(officer.locator("#order-reported")).not_to_contain_text("terlambat")

    supervisor.goto("/fieldwork/arrears/")
    expect(supervisor.locator("#arrears-table tbody tr").first).to_contain_text("ULP ULP ALFA SATU")
    supervisor.fill("#id_customer_id", customer.customer_id)
    supervisor.locator("#payment-form button").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("Pelunasan")
    reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
    supervisor.goto("/")
    expect(supervisor.locator("#fieldwork-due")).to_contain_text(reconnection.reference)
    assert_fits_phone(supervisor)

    supervisor.goto("/fieldwork/orders/?kind=reconnection")
    supervisor.select_option("#id_officer", label="petugas.a")
    supervisor.locator(f"input[name=selected][value='{reconnection.pk}']").check()
    supervisor.locator("#assign-button").click()
    _record_order(officer, reconnection.pk, "4322")
    reconnection.refresh_from_db()
    assert reconnection.state == OrderState.DONE
    assert reconnection.register_kwh == Decimal("4322")
    assert Arrears.objects.get().reconnected_at is not None


def test_route_map_without_tile_server(cast, new_page):
    day = make_day(cast.sp_a)
    route = make_route(day, code="51354BKC")
    first = make_customer(
        route, sequence=1, latitude=Decimal("-7.650"), longitude=Decimal("112.690")
    )
    make_customer(route, sequence=2, latitude=Decimal("-7.652"), longitude=Decimal("112.695"))
    make_customer(route, sequence=3)  # no coordinates: listed, not drawn
    make_reading(first)
    page = new_page(PHONE)
    login(page, "pengawas.a")
    _open(page, "/fieldwork/route-map/", "Peta RBM")
    page.select_option("#id_route", label="51354BKC")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#route-map")).to_have_attribute("data-ready", "2")
    expect(page.locator("#route-map path.route-point")).to_have_count(2)
    expect(page.locator("#route-map path.route-state-read")).to_have_count(1)
    expect(page.locator("#route-map .leaflet-tile")).to_have_count(0)
    expect(page.locator("#route-points-table tbody tr")).to_have_count(3)
    assert_fits_phone(page)


def test_prepaid_anomaly_to_home_target_and_other_pages_on_a_phone(cast, new_page):
    from meterops.replacement.models import DamageType, ReplacementTarget
    from tests.factories import SubstationFactory
    from tests.reading.helpers import anomaly

    DamageType.objects.get_or_create(code="display-mati", defaults={"name": "Display mati"})
    anomaly("MR", "Meter rusak / mati")
    prepaid = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid", customer_id="510010000555")
    route = make_route(make_day(cast.sp_a), code="RBM-A")
    main, odd = SubstationFactory(unit=cast.sp_a), SubstationFactory(unit=cast.sp_a)
    for i in range(2):
        make_customer(route, sequence=i + 1, substation=main)
    make_customer(route, sequence=3, substation=odd, customer_id="510010000999")

    supervisor = new_page(PHONE)
    login(supervisor, "pengawas.a")
    _open(supervisor, "/fieldwork/prepaid-sampling/", "Sampling Prabayar")
    supervisor.fill("#id_customer_ids", prepaid.customer_id)
    supervisor.get_by_role("button", name="Terbitkan").click()
    expect(supervisor.locator(".alert-success")).to_contain_text("1 order")
    order = FieldOrder.objects.get(kind=OrderKind.PREPAID_SAMPLING)
    supervisor.goto("/fieldwork/orders/?kind=prepaid_sampling")
    supervisor.select_option("#id_officer", label="petugas.a")
    supervisor.locator(f"input[name=selected][value='{order.pk}']").check()
    supervisor.locator("#assign-button").click()

    officer = new_page(PHONE)
    login(officer, "petugas.a")
    officer.goto(f"/fieldwork/orders/{order.pk}/")
    officer.fill("#id_credit_kwh", "12.5")
    officer.set_input_files("#id_photo", _file(jpeg()))
    officer.select_option("#id_anomaly", label="MR Meter rusak / mati")
    officer.fill("#id_latitude", "-6.9")
    officer.fill("#id_longitude", "107.6")
    officer.get_by_role("button", name="Simpan Hasil").click()
    expect(officer.locator(".alert-success")).to_contain_text("tersimpan")
    assert_fits_phone(officer)

    supervisor.goto(f"/fieldwork/orders/{order.pk}/")
    supervisor.locator("#to-target-form button").click()
    expect(supervisor.locator("#target-link")).to_contain_text("TO-")
    assert ReplacementTarget.objects.get().customer == prepaid

    _open(supervisor, "/fieldwork/route-update/", "Updating RBM/Gardu")
    expect(supervisor.locator("#mismatch-table")).to_contain_text("510010000999")
    _open(supervisor, "/fieldwork/campaigns/", "Penyampaian Informasi")
    supervisor.select_option("#id_unit", label="ULP ALFA SATU")
    supervisor.fill("#id_name", "Pengumuman padam")
    supervisor.select_option("#id_material", label="Pengumuman")
    supervisor.select_option("#id_route", label="RBM-A")
    supervisor.get_by_role("button", name="Buat Kampanye").click()
    expect(supervisor.locator("#campaign-table")).to_contain_text("0/3")
    supervisor.get_by_role("link", name="Pengumuman padam").click()
    expect(supervisor.locator("#campaign-orders tbody tr")).to_have_count(3)
    assert_fits_phone(supervisor)
