"""Cell conversion details the big-file fast paths must keep."""

from decimal import Decimal

import pytest

from meterops.imports.cells import CellError, compile_converter, float_text
from meterops.imports.registry import Column, Kind
from meterops.imports.staging import many


@pytest.mark.parametrize(
    ("value", "text"),
    [(100.0, "100"), (12345.6, "12345.6"), (1e-05, "0.00001"), (1e16, "10000000000000000")],
)
def test_float_text_is_plain_decimal_text(value, text):
    assert float_text(value) == text


def test_decimal_fast_path_keeps_the_bounds_exact():
    column = Column("X", Kind.DECIMAL, minimum=Decimal(-180), maximum=Decimal(180))
    convert = compile_converter(column)
    assert convert(107.6191) == "107.6191"
    assert convert(180.0) == "180"  # on the bound: the full rules, still accepted
    for outside in (180.0000001, -180.5, float("nan"), float("inf")):
        with pytest.raises(CellError):
            convert(outside)


def test_many_refuses_keys_that_would_split():
    with pytest.raises(ValueError, match="plain ids"):
        many(["510010000001", "1,2"], "text")
