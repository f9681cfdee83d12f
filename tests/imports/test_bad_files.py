"""Bad files get a clear Indonesian message and change nothing (issue: "Must hold")."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler

from meterops.core.models import Process
from meterops.imports import services
from meterops.imports.models import Upload, UploadRow, UploadState
from meterops.imports.reader import OLE2_MAGIC, FileRefused
from meterops.imports.registry import get_template
from meterops.replacement.models import ReplacementTarget

from .conftest import checked, csv_file, xlsx


def _refused(user, upload_file, match):
    upload = checked(user, "to-ex-dg", upload_file)
    assert upload.state == UploadState.FAILED
    assert match in upload.error, upload.error
    assert not UploadRow.objects.filter(upload=upload).exists()
    assert not ReplacementTarget.objects.exists() and not Process.objects.exists()
    return upload


def _zip(entries: dict[str, bytes], name="to.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries.items():
            archive.writestr(path, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def _row(customer, damage):
    return [customer.customer_id, damage.name, "", "", "", ""]


class BadFileTests:
    def test_missing_column_is_refused_naming_it(self, cast, customers, damage_type):
        upload = _refused(
            cast.supervisor,
            xlsx([[customers[0].customer_id]], headers=["IDPEL"]),
            "Kolom wajib tidak ada di baris judul: JENIS_KERUSAKAN",
        )
        assert "TO Ganti Meter Ex DG" in upload.error

    def test_renamed_column_is_refused_naming_both(self, cast, customers, damage_type):
        headers = ["IDPEL", "KERUSAKAN"]
        upload = _refused(
            cast.supervisor,
            xlsx([[customers[0].customer_id, damage_type.name]], headers=headers),
            "Kolom tidak dikenal (salah nama?): KERUSAKAN",
        )
        assert "JENIS_KERUSAKAN" in upload.error

    def test_xls_renamed_to_xlsx(self, cast, damage_type):
        data = OLE2_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1024
        _refused(cast.supervisor, SimpleUploadedFile("lama.xlsx", data), "format Excel lama (.xls)")

    def test_ods_renamed_to_xlsx(self, cast, damage_type):
        ods = _zip(
            {
                "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                "content.xml": b"<office:document-content/>",
            }
        )
        _refused(cast.supervisor, ods, "OpenDocument (.ods)")

    def test_password_protected_workbook(self, cast, damage_type):
        # An encrypted OOXML package is an OLE2 file with an EncryptionInfo stream.
        data = (
            OLE2_MAGIC
            + b"\x00" * 504
            + "EncryptionInfo".encode("utf-16-le")
            + b"\x00" * 64
            + "EncryptedPackage".encode("utf-16-le")
            + b"\x00" * 1024
        )
        _refused(cast.supervisor, SimpleUploadedFile("rahasia.xlsx", data), "kata sandi")

    def test_empty_sheet(self, cast, damage_type):
        _refused(cast.supervisor, xlsx([], headers=[]), "Sheet pertama kosong")

    def test_header_without_rows(self, cast, damage_type):
        _refused(cast.supervisor, xlsx([]), "tidak ada baris data")

    def test_zip_bomb_claiming_a_huge_size(self, cast, customers, damage_type):
        good = xlsx([_row(customers[0], damage_type)]).read()
        # Rewrite the central directory so one member claims 4 GB uncompressed.
        data = bytearray(good)
        at = data.find(b"PK\x01\x02")
        struct.pack_into("<I", data, at + 24, 0xFFFFFF00)
        _refused(cast.supervisor, SimpleUploadedFile("bom.xlsx", bytes(data)), "zip bomb")

    def test_zip_bomb_by_ratio(self, cast, damage_type, settings):
        settings.IMPORT_MAX_UNZIPPED_BYTES = 5 * 1024 * 1024
        bomb = _zip(
            {
                "xl/workbook.xml": b"<workbook/>",
                "xl/worksheets/sheet1.xml": b"\x00" * (6 * 1024 * 1024),
            }
        )
        _refused(cast.supervisor, bomb, "zip bomb")

    def test_xlsm_name_is_refused(self, cast, customers, damage_type):
        _refused(
            cast.supervisor, xlsx([_row(customers[0], damage_type)], name="makro.xlsm"), "makro"
        )

    def test_macros_inside_an_xlsx_are_refused(self, cast, customers, damage_type):
        good = xlsx([_row(customers[0], damage_type)]).read()
        buffer = io.BytesIO(good)
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
        _refused(cast.supervisor, SimpleUploadedFile("to.xlsx", buffer.getvalue()), "makro (VBA)")

    def test_formulas_are_refused_naming_the_cell(self, cast, customers, damage_type):
        def formula(sheet):
            sheet["C2"] = "=1000+234"

        _refused(
            cast.supervisor,
            xlsx([_row(customers[0], damage_type)], fill=formula),
            "Sel C2 berisi rumus",
        )

    def test_a_text_file_named_csv_that_is_a_workbook(self, cast, customers, damage_type):
        data = xlsx([_row(customers[0], damage_type)]).read()
        _refused(cast.supervisor, SimpleUploadedFile("to.csv", data), "bukan CSV")

    def test_dates_as_text_are_read_or_rejected_with_a_reason(self, cast, customers):
        from meterops.customers.models import Meter

        meter = Meter.objects.get(customer=customers[0])
        headers = [
            "NO_AGENDA",
            "IDPEL",
            "TGL_GANTI",
            "STAN_CABUT",
            "MERK_METER_BARU",
            "NO_METER_BARU",
            "STAN_PASANG",
        ]
        rows = [
            ["A1", customers[0].customer_id, "24/11/2026", "10", "ITRON", "56000000001", "0"],
            ["A2", customers[1].customer_id, "2026-11-24", "10", "ITRON", "56000000002", "0"],
            ["A3", customers[2].customer_id, "24 Nov 2026", "10", "ITRON", "56000000003", "0"],
        ]
        upload = checked(cast.unit_admin, "peremajaan-kumulatif", xlsx(rows, headers=headers))
        statuses = dict(UploadRow.objects.filter(upload=upload).values_list("row_number", "status"))
        assert statuses == {2: "changed", 3: "changed", 4: "rejected"}
        assert UploadRow.objects.get(upload=upload, row_number=2).cells["TGL_GANTI"] == "2026-11-24"
        assert "tanggal tidak dikenal" in UploadRow.objects.get(upload=upload, row_number=4).reason
        assert Meter.objects.get(pk=meter.pk).removed_at is None  # checked, not applied

    def test_a_nul_character_rejects_its_row_and_the_rest_is_checked(
        self, cast, customers, damage_type
    ):
        rows = [_row(c, damage_type) for c in customers[:2]]
        rows[0][5] = "tiang\x00miring"
        upload = checked(cast.supervisor, "to-ex-dg", csv_file(rows))
        assert upload.state == UploadState.CHECKED
        assert (upload.new_rows, upload.rejected_rows) == (1, 1)
        bad = UploadRow.objects.get(upload=upload, status="rejected")
        assert (bad.row_number, bad.error_column) == (2, "KETERANGAN")
        assert "karakter NUL" in bad.reason and bad.raw[5] == "tiang\ufffdmiring"

    def test_oversize_file_refused_by_the_service(self, cast, customers, damage_type, settings):
        settings.IMPORT_MAX_UPLOAD_BYTES = 1000
        with pytest.raises(FileRefused, match="terlalu besar"):
            services.create_upload(
                actor=cast.supervisor,
                template=get_template("to-ex-dg"),
                upload_file=SimpleUploadedFile("besar.csv", b"x" * 2000),
            )
        assert not Upload.objects.exists()


class RecordingHandler(MemoryFileUploadHandler):
    started: list = []

    def new_file(self, *args, **kwargs):
        RecordingHandler.started.append(args)
        return super().new_file(*args, **kwargs)


class OversizeViewTests:
    def test_oversize_request_is_refused_before_its_body_is_read(
        self, cast, client_for, settings, damage_type
    ):
        settings.IMPORT_MAX_UPLOAD_BYTES = 10_000
        settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingHandler"]
        RecordingHandler.started.clear()
        client = client_for(cast.supervisor)
        big = SimpleUploadedFile("besar.csv", b"IDPEL;JENIS_KERUSAKAN\n" + b"1" * 20_000)
        response = client.post("/imports/to-ex-dg/", {"file": big}, follow=True)
        assert "Berkas terlalu besar" in response.content.decode()
        assert RecordingHandler.started == []
        assert not Upload.objects.exists()
