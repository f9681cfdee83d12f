"""Stok Meter Prabayar through the shared upload pipeline (docs/PREPAID.md, seed 002 2.1 step 4,
seed 003: each meter carries its VKRN)."""

import io
import os
import threading
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meterops.core.choices import RoleCode
from meterops.core.errors import NotAllowed
from meterops.imports import services as imports
from meterops.imports.errors import DuplicateUpload
from meterops.imports.models import UploadBatch, UploadRow, UploadState
from meterops.imports.registry import get_template
from meterops.imports.workbooks import error_report_bytes, template_bytes
from meterops.prepaid import services
from meterops.prepaid.choices import Product
from meterops.prepaid.models import MeterStock
from meterops.prepaid.uploads import STOCK_UPLOAD
from tests.conftest import build_cast
from tests.customers.helpers import DAMAGED_METER, meter_removed_as_damaged
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.imports.conftest import applied, checked, csv_file, xlsx

from .builders import activated, make_fee, make_keys, make_stock, paid

CODE = "stok-meter-prabayar"
HEADERS = [c.header for c in STOCK_UPLOAD.columns]
ROW = {
    "KODE_ULP": "51001",
    "NO_METER": "32031017001",
    "MERK": "itron",
    "TYPE": "EM512 TYPE 710",
    "NO_PABRIK": "SN001",
    "NFC": "YA",
    "SGC": "600551",
    "TI": "01",
    "VKRN": "43",
    "KRN": "",
    "KT": "",
}


def row(**changes) -> list:
    values = {**ROW, **changes}
    return [values[h] for h in HEADERS]


def stock_file(*rows, name="stok.csv"):
    return csv_file(list(rows), headers=HEADERS, name=name)


def rejected(upload) -> list[tuple[int, str, str]]:
    return list(
        UploadRow.objects.filter(upload=upload, status="rejected")
        .order_by("row_number")
        .values_list("row_number", "error_column", "reason")
    )


class LoadStockTests:
    def test_new_meters_land_in_the_ulp_stock_with_their_vkrn(self, cast):
        upload = applied(
            cast.supervisor,
            CODE,
            stock_file(
                row(NO_METER="32031017001", VKRN="42", KRN="2"),
                row(NO_METER="14012345001", NFC="TIDAK", VKRN="41", KT="1"),
                row(NO_METER="1401234500123", VKRN="43"),
            ),
        )
        assert (upload.state, upload.new_rows, upload.rejected_rows) == (UploadState.APPLIED, 3, 0)
        stock = {s.meter_number: s for s in MeterStock.objects.all()}
        old42 = stock["32031017001"]
        assert (old42.unit, old42.brand, old42.is_nfc) == (cast.sp_a, "ITRON", True)
        assert (old42.vkrn, old42.key_revision, old42.key_type) == (42, 2, 2)  # KT blank = 2
        keypad = stock["14012345001"]
        assert (keypad.is_nfc, keypad.vkrn, keypad.key_revision, keypad.key_type) == (
            False,
            41,
            1,
            1,
        )
        assert (stock["1401234500123"].vkrn, stock["1401234500123"].key_revision) == (43, 2)
        records = UploadRow.objects.filter(upload=upload).values_list("record_id", flat=True)
        assert set(records) == {s.pk for s in stock.values()}

    def test_every_meter_written_has_its_history_by_the_uploader(self, cast):
        upload = applied(cast.supervisor, CODE, stock_file(row()))
        (record,) = MeterStock.history.all()
        assert record.history_type == "+" and record.history_user == cast.supervisor
        assert record.history_change_reason.startswith(f"Upload #{upload.pk}")
        assert record.vkrn == 43

    def test_uploaded_meter_can_be_activated(self, cast, prepaid):
        applied(cast.supervisor, CODE, stock_file(row(NO_METER="32031017002")))
        request = paid(cast, product=Product.PREPAID_NFC)
        request = services.activate_meter(
            request=request, meter_number="32031017002", actor=cast.supervisor
        )
        assert request.meter.meter_number == "32031017002" and request.meter.vkrn == 43


BAD_CELLS = [
    ("KODE_ULP", "", "wajib diisi."),
    ("KODE_ULP", "59999", "59999 bukan kode ULP yang dikenal (atau di luar unit Anda)."),
    ("KODE_ULP", "51000", "51000 bukan kode ULP yang dikenal (atau di luar unit Anda)."),
    ("NO_METER", "", "wajib diisi."),
    ("NO_METER", "320310170", "harus 11 atau 13 digit angka, bukan '320310170'."),
    ("NO_METER", "3203101700A", "harus 11 atau 13 digit angka, bukan '3203101700A'."),
    ("NO_METER", "320310170012", "harus 11 atau 13 digit angka, bukan '320310170012'."),
    ("MERK", "", "wajib diisi."),
    ("MERK", "X" * 41, "terlalu panjang (maksimal 40 karakter)."),
    ("TYPE", "T" * 41, "terlalu panjang (maksimal 40 karakter)."),
    ("NO_PABRIK", "9" * 31, "terlalu panjang (maksimal 30 karakter)."),
    ("NFC", "", "wajib diisi."),
    ("NFC", "MUNGKIN", "'MUNGKIN' tidak ada di daftar; pilih salah satu: YA, TIDAK."),
    ("SGC", "", "wajib diisi."),
    ("SGC", "60055", "harus 6 digit angka, bukan '60055'."),
    ("TI", "1", "harus 2 digit angka, bukan '1'."),
    ("VKRN", "", "wajib diisi."),
    ("VKRN", "44", "'44' tidak ada di daftar; pilih salah satu: 41, 42, 43."),
    ("KRN", "0", "tidak boleh kurang dari 1."),
    ("KRN", "dua", "harus bilangan bulat tanpa pemisah lain, bukan 'dua'."),
    ("KRN", "2", "VKRN 41 memakai KRN 1, bukan 2."),  # with VKRN 41 below
    ("KT", "4", "tidak boleh lebih dari 3."),
]


class ColumnErrorTests:
    def test_each_bad_cell_is_named_by_row_and_column(self, cast):
        rows = [row()]  # row 2 is good
        for n, (column, value, _reason) in enumerate(BAD_CELLS):
            cells = {"NO_METER": f"320310171{n:02d}", column: value}
            if column == "KRN" and value == "2":
                cells["VKRN"] = "41"
            rows.append(row(**cells))
        upload = checked(cast.supervisor, CODE, stock_file(*rows))
        assert (upload.new_rows, upload.rejected_rows) == (1, len(BAD_CELLS))
        expected = [(n + 3, column, reason) for n, (column, _v, reason) in enumerate(BAD_CELLS)]
        assert rejected(upload) == expected

    def test_krn_must_fit_the_vkrn_with_the_dil_message(self, cast):
        rows = [row(VKRN="43", KRN="1"), row(NO_METER="32031017002", VKRN="42", KRN="1")]
        upload = checked(cast.supervisor, CODE, stock_file(*rows))
        assert rejected(upload) == [
            (2, "KRN", "VKRN 43 memakai KRN 2, bukan 1."),
            (3, "KRN", "VKRN 42 memakai KRN 2, bukan 1."),
        ]

    def test_krn_2_without_vkrn_is_refused(self, cast):
        upload = applied(cast.supervisor, CODE, stock_file(row(VKRN="", KRN="2")))
        assert rejected(upload) == [(2, "VKRN", "wajib diisi.")]
        assert not MeterStock.objects.exists()

    def test_a_meter_twice_in_the_file_rejects_the_second(self, cast):
        upload = checked(cast.supervisor, CODE, stock_file(row(), row(MERK="HEXING")))
        assert rejected(upload) == [(3, "NO_METER", "duplikat: 32031017001 sudah ada di baris 2.")]

    def test_the_preview_shows_markup_as_text(self, cast, client_for):
        upload = checked(cast.supervisor, CODE, stock_file(row(NO_METER="<b>1</b>")))
        page = client_for(cast.supervisor).get(reverse("imports:upload_detail", args=[upload.pk]))
        assert page.status_code == 200
        assert b"&lt;b&gt;1&lt;/b&gt;" in page.content and b"<b>1</b>" not in page.content

    def test_the_template_has_notes_drop_downs_and_instructions(self, cast):
        workbook = openpyxl.load_workbook(io.BytesIO(template_bytes(STOCK_UPLOAD)))
        assert workbook.sheetnames == ["Data", "Petunjuk", "Daftar"]
        sheet = workbook["Data"]
        assert [c.value for c in sheet[1]] == HEADERS
        assert "11 atau 13 digit" in sheet["B1"].comment.text
        lists = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
        assert lists == {"F2", "I2"}  # NFC and VKRN
        assert [c.value for c in workbook["Daftar"]["B"] if c.value] == ["VKRN", "41", "42", "43"]
        guide = " ".join(
            str(c.value) for r in workbook["Petunjuk"].iter_rows() for c in r if c.value
        )
        assert "VKRN wajib" in guide and "KRN boleh kosong" in guide


class StockRulesTests:
    def test_a_ulp_outside_the_uploaders_units_is_refused(self, cast):
        upload = applied(cast.supervisor, CODE, stock_file(row(KODE_ULP=cast.sp_b.code)))
        assert rejected(upload) == [
            (2, "KODE_ULP", "52001 bukan kode ULP yang dikenal (atau di luar unit Anda).")
        ]
        assert not MeterStock.objects.exists()

    def test_a_meter_in_another_units_stock_is_refused_and_left_alone(self, cast):
        theirs = make_stock(cast.sp_b, "32031017001", brand="HEXING", vkrn=41, key_revision=1)
        upload = applied(cast.supervisor, CODE, stock_file(row()))
        assert rejected(upload) == [
            (2, "NO_METER", "Meter 32031017001 sudah ada di stok unit lain, di luar unit Anda.")
        ]
        theirs.refresh_from_db()
        assert (theirs.unit, theirs.brand, theirs.vkrn) == (cast.sp_b, "HEXING", 41)

    def test_a_meter_installed_at_a_customer_is_refused(self, cast):
        MeterFactory(customer=CustomerFactory(unit=cast.sp_b), meter_number="32031017001")
        upload = applied(cast.supervisor, CODE, stock_file(row()))
        ((number, column, reason),) = rejected(upload)
        assert (number, column) == (2, "NO_METER")
        assert reason.startswith("Meter 32031017001 masih terpasang di pelanggan")
        assert not MeterStock.objects.exists()

    def test_an_installed_stock_meter_is_not_changed_but_may_be_listed_as_it_is(self, cast):
        stock = make_stock(cast.sp_a, "32031017001", vkrn=43, key_revision=2, model="EM512")
        MeterFactory(customer=CustomerFactory(unit=cast.sp_a), meter_number="32031017001")
        same = [
            "51001", "32031017001", "ITRON", "EM512", stock.serial_number, "YA", "600000",
            "01", "43", "", "2",
        ]  # fmt: skip
        upload = applied(cast.supervisor, CODE, stock_file(same, row(MERK="HEXING")))
        assert upload.unchanged_rows == 1
        assert [r[:2] for r in rejected(upload)] == [(3, "NO_METER")]
        stock.refresh_from_db()
        assert stock.brand == "ITRON"

    def test_a_meter_removed_as_damaged_is_refused(self, cast):
        meter_removed_as_damaged(cast)
        upload = applied(cast.supervisor, CODE, stock_file(row(NO_METER=DAMAGED_METER)))
        ((_number, column, reason),) = rejected(upload)
        assert column == "NO_METER" and "dibongkar karena rusak" in reason

    def test_a_meter_bound_to_an_open_application_is_refused_until_cancelled(self, cast, prepaid):
        request = activated(cast)  # binds cast.nfc_meter
        number = cast.nfc_meter.meter_number
        upload = applied(cast.supervisor, CODE, stock_file(row(NO_METER=number, VKRN="42")))
        assert rejected(upload) == [
            (
                2,
                "NO_METER",
                f"Meter {number} sudah diaktivasi untuk permohonan {request.request_number} yang "
                "masih berjalan; datanya tidak bisa diubah lewat upload stok.",
            )
        ]
        services.cancel_request(request=request, actor=cast.supervisor, reason="Pemohon batal")
        again = xlsx([row(NO_METER=number, VKRN="42")], headers=HEADERS, name="stok.xlsx")
        upload = applied(cast.supervisor, CODE, again)
        assert upload.changed_rows == 1
        cast.nfc_meter.refresh_from_db()
        assert (cast.nfc_meter.vkrn, cast.nfc_meter.key_revision) == (42, 2)

    def test_a_meter_moves_between_the_uploaders_ulps_with_its_history(self, cast):
        stock = make_stock(cast.sp_a, "32031017001")
        upload = applied(
            cast.unit_admin, CODE, stock_file(row(KODE_ULP=cast.sp_a2.code, VKRN="41", KRN="1"))
        )
        assert (upload.changed_rows, upload.new_rows) == (1, 0)
        stock.refresh_from_db()
        assert (stock.unit, stock.vkrn, stock.brand) == (cast.sp_a2, 41, "ITRON")
        latest = stock.history.first()
        assert latest.history_type == "~" and latest.history_user == cast.unit_admin
        assert UploadRow.objects.get(upload=upload).record_id == stock.pk

    def test_apply_sees_an_activation_made_after_the_check(self, cast, prepaid):
        number = cast.nfc_meter.meter_number
        upload = checked(cast.supervisor, CODE, stock_file(row(NO_METER=number, VKRN="42")))
        assert upload.changed_rows == 1
        activated(cast)  # binds the meter between the check and the apply
        imports.start_apply(upload=upload, actor=cast.supervisor)
        upload = imports.apply_upload(upload_id=upload.pk)
        assert (upload.changed_rows, upload.rejected_rows) == (0, 1)
        cast.nfc_meter.refresh_from_db()
        assert cast.nfc_meter.vkrn == 41
        report = openpyxl.load_workbook(io.BytesIO(error_report_bytes(upload, STOCK_UPLOAD)))
        cells = [c.value for c in report.active[2]]
        assert cells[1] == number and "sudah diaktivasi" in cells[-1]


class IdempotenceAndBatchTests:
    def test_the_same_file_twice_creates_nothing(self, cast):
        content = stock_file(row(), row(NO_METER="32031017002")).read()
        upload = applied(cast.supervisor, CODE, SimpleUploadedFile("stok.csv", content))
        assert upload.new_rows == 2
        with pytest.raises(DuplicateUpload):
            imports.create_upload(
                actor=cast.supervisor,
                template=get_template(CODE),
                upload_file=SimpleUploadedFile("stok.csv", content),
            )
        history = MeterStock.history.count()
        # The same rows in another file (a colleague's .xlsx copy): every row unchanged.
        rows = [row(), row(NO_METER="32031017002")]
        again = applied(cast.unit_admin, CODE, xlsx(rows, headers=HEADERS, name="stok.xlsx"))
        assert (again.new_rows, again.changed_rows, again.unchanged_rows) == (0, 0, 2)
        assert MeterStock.objects.count() == 2 and MeterStock.history.count() == history

    def test_a_two_batch_file_is_applied_batch_by_batch(self, cast, settings):
        settings.IMPORT_BATCH_SIZE = 3
        rows = [row(NO_METER=f"320310170{n:02d}") for n in range(5)]
        upload = applied(cast.supervisor, CODE, xlsx(rows, headers=HEADERS, name="stok.xlsx"))
        assert (upload.batches_total, upload.new_rows) == (2, 5)
        assert UploadBatch.objects.filter(upload=upload, applied_at__isnull=False).count() == 2
        assert MeterStock.objects.count() == 5

    def test_apply_makes_as_many_queries_for_many_rows_as_for_few(self, cast):
        def apply_queries(count: int, first: int) -> int:
            rows = [row(NO_METER=f"3203101{first + n:04d}") for n in range(count)]
            upload = checked(cast.supervisor, CODE, stock_file(*rows, name=f"s{first}.csv"))
            imports.start_apply(upload=upload, actor=cast.supervisor)
            with CaptureQueriesContext(connection) as queries:
                imports.apply_upload(upload_id=upload.pk)
            assert MeterStock.objects.filter(meter_number__startswith="3203101").count() >= count
            return len(queries)

        assert apply_queries(2, 0) == apply_queries(40, 100)


class RoleTests:
    def test_office_roles_that_activate_meters_may_upload(self, cast):
        assert set(STOCK_UPLOAD.roles) == set(services.OFFICE_ROLES)
        for role in (RoleCode.HELPDESK, RoleCode.FIELD_OFFICER, RoleCode.CALL_CENTRE):
            user = UserFactory(unit=cast.sp_a, roles=[role])
            with pytest.raises(NotAllowed):
                checked(user, CODE, stock_file(row()))

    def test_the_upload_page_opens_for_the_supervisor_only(self, cast, client_for):
        url = reverse("imports:template_stok_meter_prabayar")
        assert client_for(cast.supervisor).get(url).status_code == 200
        helpdesk = UserFactory(unit=cast.sp_a, roles=[RoleCode.HELPDESK])
        assert client_for(helpdesk).get(url).status_code == 403
        download = client_for(cast.supervisor).get(
            reverse("imports:template_download", args=[CODE])
        )
        assert download.status_code == 200
        assert openpyxl.load_workbook(io.BytesIO(download.content)).sheetnames[0] == "Data"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks between two connections: PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class ConcurrentActivationTests:
    def test_apply_waits_for_an_activation_of_its_meter_then_refuses_the_row(self):
        cast = build_cast()
        make_fee()
        make_keys(cast.region)
        stock = make_stock(cast.sp_a, "32031017679", is_nfc=True)
        request = paid(cast, product=Product.PREPAID_NFC)
        upload = checked(cast.supervisor, CODE, stock_file(row(NO_METER=stock.meter_number)))
        assert upload.changed_rows == 1
        imports.start_apply(upload=upload, actor=cast.supervisor)
        activating, release = threading.Event(), threading.Event()

        def activate():  # the office activates the meter; its transaction stays open a while
            try:
                with transaction.atomic():
                    services.activate_meter(
                        request=request, meter_number=stock.meter_number, actor=cast.supervisor
                    )
                    activating.set()
                    release.wait(60)
            finally:
                connections.close_all()

        def apply():
            try:
                imports.apply_upload(upload_id=upload.pk)
            finally:
                connections.close_all()

        office, worker = threading.Thread(target=activate), threading.Thread(target=apply)
        office.start()
        try:
            assert activating.wait(60)
            worker.start()
            assert _waits_on_a_lock(), "the apply should wait for the activation's lock"
            assert worker.is_alive()
        finally:
            release.set()
            office.join(60)
        worker.join(60)
        upload.refresh_from_db()
        assert (upload.state, upload.changed_rows, upload.rejected_rows) == ("applied", 0, 1)
        assert "sudah diaktivasi" in UploadRow.objects.get(upload=upload).reason
        stock.refresh_from_db()
        assert (stock.vkrn, stock.brand) == (41, "ITRON")  # as the activation saw it


def _waits_on_a_lock() -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE '%%FOR UPDATE%%'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.1)
    return False
