"""Every workbook the system writes: no formula from user text, no character Excel refuses."""

import io

from openpyxl import load_workbook

from meterops.core.excel import safe_cell, xlsx_bytes


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
