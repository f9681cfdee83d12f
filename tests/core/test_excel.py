"""Every workbook the system writes: no formula from user text, no character Excel refuses."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from meterops.core.excel import Rupiah, safe_cell, xlsx_bytes


def test_text_that_would_start_a_formula_is_escaped():
    assert [safe_cell(v) for v in ("=1+1", "+62", "-6.9", "@x", "ok")] == [
        "'=1+1",
        "'+62",
        "'-6.9",
        "'@x",
        "ok",
    ]


def test_control_characters_become_visible_instead_of_breaking_the_file():
    data = xlsx_bytes("Data", ["KETERANGAN"], [["tiang\x01miring"], ["\x0b=SUM(A1)"]])
    rows = list(load_workbook(io.BytesIO(data)).active.values)
    assert rows[1:] == [("tiang\ufffdmiring",), ("\ufffd=SUM(A1)",)]


def test_amounts_stay_numbers_shown_with_thousands():
    data = xlsx_bytes("Data", ["JUMLAH", "KWH"], [[Decimal("600000"), Decimal("4101.50")]])
    row = next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2))
    assert [c.value for c in row] == [600000, 4101.5]
    assert [c.number_format for c in row] == ["#,##0", "#,##0.00"]


def test_rupiah_stays_a_number_shown_as_rupiah():
    data = xlsx_bytes("Data", ["JUMLAH", "KOSONG"], [[Rupiah(Decimal("600000.00")), Rupiah(None)]])
    row = next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2))
    assert [c.value for c in row] == [600000, None]
    assert row[0].number_format == '"Rp "#,##0'
