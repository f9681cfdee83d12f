"""Reading a file in the child process: the extent rule before calamine, plain Indonesian
reasons, and a child that dies failing only its upload (issue #17)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meterops.imports.models import UploadRow, UploadState
from meterops.imports.reader import FileRefused, ReaderStopped, read_rows

from .conftest import checked, csv_file
from .hostile import far_cell, good_workbook, sheet_xml, workbook


def _refusal(tmp_path, data: bytes, name="to.xlsx", columns=8) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FileRefused) as refused:
        list(read_rows(path, name, columns=columns))
    return str(refused.value)


def _rows(tmp_path, data: bytes, name="to.xlsx", columns=8) -> list:
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_rows(path, name, columns=columns))


class ExtentTests:
    """A sheet wider than the template (its columns, the report's two and 20 blank spares) or
    longer than IMPORT_MAX_ROWS is refused by its XML, naming the sheet and the extent."""

    def test_cell_one_column_past_the_spares_is_refused(self, tmp_path):
        message = _refusal(tmp_path, far_cell("AC2"))
        assert message.startswith("Sheet 'Data' berisi sel sampai AC2 (kolom ke-29)")
        assert "paling banyak 28 kolom, sampai kolom AB" in message

    def test_cell_in_the_last_spare_column_is_read(self, tmp_path):
        rows = _rows(tmp_path, far_cell("AB2"))
        assert len(rows) == 2 and len(rows[1]) == 28 and rows[1][27] == 1.0

    def test_rows_past_the_limit_are_refused(self, tmp_path, settings):
        settings.IMPORT_MAX_ROWS = 5
        message = _refusal(tmp_path, far_cell("B7"))
        assert "berisi sel sampai B7 (baris ke-7); batasnya 5 baris data" in message
        assert len(_rows(tmp_path, far_cell("B6"))) == 6

    def test_declared_dimension_is_checked(self, tmp_path):
        sheet = sheet_xml(b"", dimension=b'<dimension ref="A1:F2000000"/>')
        message = _refusal(tmp_path, workbook(sheet))
        assert "menyatakan ukurannya sampai F2000000 (baris ke-2.000.000)" in message

    @pytest.mark.parametrize(
        "body, where",
        [
            (b'<row r="2"><c r="xfd1048576"><v>1</v></c></row>', "xfd1048576"),  # lower case
            (b"<row r='2'><c r='XFD9'><v>1</v></c></row>", "XFD9"),  # single quotes
            (b'<row r="2"><c r = "XFD9"><v>1</v></c></row>', "XFD9"),  # spaces around =
            (b'<row r="2"><c t="n" x=">" r="XFD9"><v>1</v></c></row>', "XFD9"),  # > in a value
            (b'<row r="900000"><c><v>1</v></c></row>', "A900000"),  # no r: the row's
            (b"<row>" + b"<c><v>1</v></c>" * 30 + b"</row>", "AC2"),  # no r: one after another
            (b'<row r="2"/><c><v>1</v></c>' * 1 + b'<row r="5"><c r="AD5"/></row>', None),
        ],
    )
    def test_every_way_to_place_a_cell_is_seen(self, tmp_path, body, where):
        data = workbook(sheet_xml(body))
        if where is None:  # a self-closing cell holds nothing and makes no room
            assert _rows(tmp_path, data)
            return
        assert f"berisi sel sampai {where}".upper() in _refusal(tmp_path, data).upper()

    def test_prefixed_tags_are_walked(self, tmp_path):
        body = b'<x:row r="2"><x:c r="ZZ2"><x:v>1</x:v></x:c></x:row>'
        assert "berisi sel sampai ZZ2" in _refusal(tmp_path, workbook(sheet_xml(body, prefix="x")))

    def test_the_first_sheet_is_found_as_calamine_finds_it(self, tmp_path):
        """workbook.xml's first sheet may point at sheet2.xml; that is the sheet checked."""
        data = workbook(
            sheet_xml(b'<row r="2"><c r="B2"><v>1</v></c></row>'),
            {"xl/worksheets/sheet2.xml": sheet_xml(b'<row r="9"><c r="XFD9"><v>1</v></c></row>')},
            first="worksheets/sheet2.xml",
        )
        assert "berisi sel sampai XFD9" in _refusal(tmp_path, data)

    def test_a_sheet_commented_out_in_the_workbook_is_not_taken_for_the_first(self, tmp_path):
        """calamine skips XML comments; the scan must check the sheet calamine will read."""
        import zipfile

        data = workbook(
            sheet_xml(b'<row r="9"><c r="XFD9"><v>1</v></c></row>'),
            {"xl/worksheets/sheet2.xml": sheet_xml(b"")},
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as copy:
            for item in source.infolist():
                content = source.read(item)
                if item.filename == "xl/workbook.xml":
                    decoy = b'<!--<sheet name="Umpan" sheetId="2" r:id="rId2"/>-->'
                    content = content.replace(b"<sheets>", b"<sheets>" + decoy)
                if item.filename == "xl/_rels/workbook.xml.rels":
                    content = content.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>',
                    )
                copy.writestr(item, content)
        assert "berisi sel sampai XFD9" in _refusal(tmp_path, buffer.getvalue())

    def test_a_tag_longer_than_a_block_is_refused(self, tmp_path):
        body = b'<row r="2"><c r="A2" x="' + b"a" * (3 << 20) + b'" r="XFD9"><v>1</v></c></row>'
        assert "lebih dari 1 MB tanpa tag" in _refusal(tmp_path, workbook(sheet_xml(body)))

    def test_a_walk_starts_where_the_fast_path_stopped(self, tmp_path):
        """A row the fast path saw (900000, no cells) and, over a megabyte later, a cell without
        a reference: calamine puts that cell in the row after it."""
        body = b'<row r="900000"></row>' + b"<x/>" * 400_000 + b"<row><c><v>1</v></c></row>"
        assert "berisi sel sampai A900001" in _refusal(tmp_path, workbook(sheet_xml(body)))

    def test_calamine_grid_is_checked_after_the_scan(self, tmp_path, monkeypatch):
        """The last word on the extent is calamine's grid (read here in this process: small)."""
        from meterops.imports import parsing

        monkeypatch.setattr(parsing.SheetExtent, "scan", lambda self, stream: None)
        path = tmp_path / "to.xlsx"
        path.write_bytes(far_cell("B9"))
        limits = parsing.Limits(10**9, 5, 8, 10**10, 60)
        with pytest.raises(FileRefused, match="Sheet 'Data' terbaca sampai F9 \\(baris ke-9\\)"):
            list(parsing.read_xlsx(path, limits))

    def test_a_wide_csv_row_is_refused_naming_it(self, tmp_path):
        data = b"IDPEL;JENIS_KERUSAKAN\n" + b";".join([b"1"] * 40) + b"\n"
        message = _refusal(tmp_path, data, name="to.csv")
        assert message.startswith("Baris 2 berisi 40 kolom")

    def test_a_long_csv_is_refused(self, tmp_path, settings):
        settings.IMPORT_MAX_ROWS = 3
        data = b"IDPEL\n" + b"510010000001\n" * 4
        assert "lebih dari 3 baris data" in _refusal(tmp_path, data, name="to.csv")


class PlainReasonTests:
    def test_broken_sheet_xml_gets_a_plain_reason_not_parser_text(self, tmp_path):
        data = workbook(sheet_xml(b'<row r="2"><c r="A2"><v>1</c></row>'))
        message = _refusal(tmp_path, data)
        assert message.startswith("Berkas .xlsx rusak atau isinya tidak sah")
        assert "Xml" not in message and "calamine" not in message.lower()

    def test_empty_file_is_refused_by_the_upload_page(self, cast, client_for, damage_type):
        client = client_for(cast.supervisor)
        empty = SimpleUploadedFile("to.xlsx", b"")
        page = client.post("/imports/to-ex-dg/", {"file": empty}, follow=True).content.decode()
        assert "Berkas kosong (0 byte)" in page
        assert "Pilih berkas .xlsx atau .csv untuk diunggah" not in page

    def test_csv_with_an_unclosed_quote_is_refused_naming_the_row(self, cast, damage_type):
        upload = checked(
            cast.supervisor,
            "to-ex-dg",
            SimpleUploadedFile(
                "to.csv", b'IDPEL;JENIS_KERUSAKAN\n"510010000001;x\n' + b"y" * 200_000
            ),
        )
        assert upload.state == UploadState.FAILED
        assert "CSV tidak bisa dibaca setelah baris" in upload.error


class ChildProcessTests:
    def test_reader_that_dies_fails_only_its_upload(self, cast, customers, damage_type, settings):
        """A sheet inside the limits whose grid is bigger than the reader's memory: calamine
        aborts the child (as it aborted the worker), this process goes on."""
        settings.IMPORT_MAX_ROWS = 3_000_000
        settings.IMPORT_READER_MEMORY_BYTES = 512 * 1024 * 1024
        upload = checked(
            cast.supervisor, "to-ex-dg", SimpleUploadedFile("x.xlsx", far_cell("AB1200000"))
        )
        assert upload.state == UploadState.FAILED
        assert upload.error.startswith("Berkas tidak bisa dibaca: pembacanya berhenti tiba-tiba")
        assert "512 MB" in upload.error and "Tidak ada data yang diubah" in upload.error
        assert not UploadRow.objects.filter(upload=upload).exists()
        good = [[customers[0].customer_id, damage_type.name, "", "", "", ""]]
        after = checked(
            cast.supervisor, "to-ex-dg", SimpleUploadedFile("ok.xlsx", good_workbook(good))
        )
        assert (after.state, after.new_rows) == (UploadState.CHECKED, 1)

    def test_stopped_reader_is_a_refusal(self):
        assert issubclass(ReaderStopped, FileRefused)

    def test_rows_keep_their_types_through_the_child(self, tmp_path):
        import datetime

        import openpyxl

        book = openpyxl.Workbook()
        book.active.append(["IDPEL", "TANGGAL", "ANGKA", "TEKS"])
        book.active.append([510010000001, datetime.date(2026, 11, 24), 1.5, "ada"])
        path = tmp_path / "tipe.xlsx"
        book.save(path)
        rows = list(read_rows(path, "tipe.xlsx", columns=6))
        assert rows[1][:4] == [510010000001, datetime.date(2026, 11, 24), 1.5, "ada"]

    def test_csv_rows_come_back_as_text(self, tmp_path):
        upload_file = csv_file([["510010000001", "Terbakar", "", "", "", ""]])
        path = tmp_path / "to.csv"
        path.write_bytes(upload_file.read())
        assert list(read_rows(path, "to.csv", columns=8))[1][:2] == ["510010000001", "Terbakar"]
