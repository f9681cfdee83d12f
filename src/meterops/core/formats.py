"""How money and numbers read, the Indonesian way: ``Rp 600.000`` and ``4.101,50``.

One place for pages (the ``formats`` template filters), PDFs (``documents``) and Excel exports
(``core.excel`` gives number cells the matching format), so a figure reads the same everywhere.
"""

from decimal import Decimal

THOUSANDS, DECIMAL_POINT = ".", ","


def _swap_separators(text: str) -> str:
    return text.translate(str.maketrans({",": THOUSANDS, ".": DECIMAL_POINT}))


def rupiah(amount) -> str:
    """Rp 1.650.000: dots between thousands, no decimals, as on PLN's slips; "-" for nothing."""
    if amount in (None, ""):
        return "-"
    return "Rp " + _swap_separators(f"{Decimal(amount):,.0f}")


def number(value, places: int | None = None) -> str:
    """4.101,50: dots between thousands, a comma before the decimals; ``places`` fixes how
    many decimals, otherwise the value keeps its own. "-" for nothing."""
    if value in (None, ""):
        return "-"
    value = value if isinstance(value, int) else Decimal(value)
    if places is not None:
        return _swap_separators(f"{Decimal(value):,.{places}f}")
    return _swap_separators(f"{value:,}" if isinstance(value, int) else f"{value:,f}")


# The sheet keeps the number; Excel puts in the reader's own separators (Rp 600.000 in Indonesian).
XLSX_RUPIAH_FORMAT = '"Rp "#,##0'


def xlsx_number_format(value: Decimal) -> str:
    """The Excel format that shows ``value`` as ``number`` does (the sheet keeps the number)."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")
