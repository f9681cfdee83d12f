"""Reading an upload file: CSV and XLSX, every error with its row and column."""

from decimal import Decimal

import openpyxl
import pytest

from meterops.reading.importer import parse_rows, read_table

HEADER = "IDPEL;STAN;TGL_BACA;PETUGAS;LBKB;FOTO\n"


def _csv(*lines):
    return (HEADER + "\n".join(lines)).encode()


class ReadTableTests:
    def test_reads_a_semicolon_csv(self):
        table = read_table("stan.csv", _csv("510010000001;1234,5;2026-02-15 08:30;UJANG;;a.jpg"))
        assert table[1][:2] == ["510010000001", "1234,5"]

    def test_reads_the_first_sheet_of_an_xlsx(self, tmp_path):
        book = openpyxl.Workbook()
        book.active.append(["IDPEL", "STAN", "TGL_BACA"])
        book.active.append(["510010000001", 1234.5, "2026-02-15 08:30"])
        book.save(tmp_path / "stan.xlsx")
        table = read_table("stan.xlsx", (tmp_path / "stan.xlsx").read_bytes())
        rows, errors = parse_rows(table, zone="Asia/Jakarta")
        assert errors == []
        assert rows[0].register_kwh == Decimal("1234.50")


class ParseRowsTests:
    def test_a_good_row_is_parsed_in_the_units_zone(self):
        table = read_table("s.csv", _csv("510010000001;1234,5;2026-02-15 08:30;UJANG;rk;a.jpg"))
        rows, errors = parse_rows(table, zone="Asia/Makassar")
        assert errors == []
        assert rows[0].anomaly_code == "RK"
        assert rows[0].read_at.utcoffset().total_seconds() == 8 * 3600

    def test_every_error_names_its_row_and_column(self):
        table = read_table(
            "s.csv", _csv("5100100;abc;kemarin;;;", "510010000002;-5;2026-02-15 08:30;;;")
        )
        _rows, errors = parse_rows(table, zone="Asia/Jakarta")
        assert [(row, column) for row, column, _m in errors] == [
            (2, "IDPEL"),
            (2, "STAN"),
            (2, "TGL_BACA"),
            (3, "STAN"),
        ]
        assert "12 digit" in errors[0][2]

    def test_missing_required_column_is_reported(self):
        _rows, errors = parse_rows([["IDPEL", "STAN"], ["510010000001", "1"]], zone="Asia/Jakarta")
        assert errors == [(1, "TGL_BACA", "kolom wajib tidak ada")]

    @pytest.mark.parametrize("table", [[], [["IDPEL", "STAN", "TGL_BACA"]]])
    def test_empty_file_is_refused(self, table):
        _rows, errors = parse_rows(table, zone="Asia/Jakarta")
        assert len(errors) == 1
