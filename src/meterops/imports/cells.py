"""Converting one spreadsheet cell by its column's kind; every refusal is an Indonesian reason.

The rules the pipeline applies to awkward cells, by name (docs/IMPORTS.md):
- IDPEL stored as a number lost its leading zeros: a numeric cell is padded back to 12 digits;
  text must be exactly 12 digits.
- Thousand separators: "1.234.567" and "1,234,567" read as 1234567 in integer columns; in decimal
  columns, with both "." and "," the last one is the decimal mark; a single separator followed by
  exactly three digits ("1.234") is ambiguous and refused.
- Dates as text: YYYY-MM-DD, DD-MM-YYYY and DD/MM/YYYY are read; anything else is refused.
"""

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from .registry import Column, Kind

ESCAPED = ("=", "+", "-", "@")
THOUSANDS = re.compile(r"^-?\d{1,3}([.,])\d{3}(\1\d{3})*$")
DAY_FIRST = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")


class CellError(ValueError):
    pass


def as_text(value) -> str:
    """What the user typed, as text (numbers without a trailing .0; a NUL character, which no
    database text can hold, shown as \ufffd)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip().replace("\x00", "\ufffd")


def convert(column: Column, value, choices: dict[str, str] | None = None):
    """The cell's value as the column's kind (JSON-ready: str, int, None), or CellError.

    ``choices`` maps each allowed value in upper case to its spelling (CHOICE columns)."""
    if isinstance(value, str) and "\x00" in value:
        raise CellError(
            "berisi karakter NUL (kode 0) yang tidak bisa disimpan; hapus karakter itu."
        )
    text = as_text(value)
    if text[:1] == "'" and text[1:2] in ESCAPED:
        # Our own escape against formula injection (core.excel.safe_cell) coming back in a
        # corrected error report: "'-6.9" is the text -6.9.
        text = value = text[1:]
    if text == "":
        if column.required:
            raise CellError("wajib diisi.")
        return None
    converter = CONVERTERS[column.kind]
    result = converter(column, value, text, choices)
    if column.minimum is not None and Decimal(str(result)) < column.minimum:
        raise CellError(f"tidak boleh kurang dari {column.minimum}.")
    if column.maximum is not None and Decimal(str(result)) > column.maximum:
        raise CellError(f"tidak boleh lebih dari {column.maximum}.")
    for validator in column.validators:
        message = validator(result)
        if message:
            raise CellError(message)
    return result


def _text(column: Column, value, text: str, choices) -> str:
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"terlalu panjang (maksimal {column.max_length} karakter).")
    return text


def _idpel(column: Column, value, text: str, choices) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 10**12:
            return str(int(value)).zfill(12)
        raise CellError(f"harus 12 digit angka, bukan '{text}'.")
    if not (text.isdigit() and len(text) == 12):
        raise CellError(
            f"harus 12 digit angka, bukan '{text}' "
            "(isi kolom sebagai Teks agar nol di depan tidak hilang)."
        )
    return text


def _integer(column: Column, value, text: str, choices) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"harus bilangan bulat, bukan '{text}'.")
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if THOUSANDS.match(text):
        text = text.replace(".", "").replace(",", "")
    if not re.fullmatch(r"-?\d+", text):
        raise CellError(f"harus bilangan bulat tanpa pemisah lain, bukan '{text}'.")
    return int(text)


def float_text(value: float) -> str:
    """A finite float as the shortest plain decimal text: 12345.6, 100, 0.00001 (no exponent)."""
    text = repr(value)
    if "e" in text:
        return format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def _decimal(column: Column, value, text: str, choices) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise CellError(f"harus angka, bukan '{text}'.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float_text(value) if isinstance(value, float) else str(value)
    cleaned = text.replace(" ", "")
    if "." in cleaned and "," in cleaned:
        mark = "." if cleaned.rfind(".") > cleaned.rfind(",") else ","
        other = "," if mark == "." else "."
        cleaned = cleaned.replace(other, "").replace(mark, ".")
    elif cleaned.count(",") + cleaned.count(".") > 1:
        if not THOUSANDS.match(cleaned):
            raise CellError(f"bukan angka yang jelas: '{text}'.")
        cleaned = cleaned.replace(".", "").replace(",", "")
    elif re.fullmatch(r"-?\d{1,3}[.,]\d{3}", cleaned):
        raise CellError(
            f"'{text}' meragukan (pemisah ribuan atau desimal?): tulis tanpa pemisah ribuan, "
            "pakai koma atau titik hanya untuk desimal."
        )
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"harus angka, bukan '{text}'.") from None
    if not number.is_finite():
        raise CellError(f"harus angka, bukan '{text}'.")
    return str(number)


def _date(column: Column, value, text: str, choices) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) and len(text) in (10, 19):
            return date.fromisoformat(text[:10]).isoformat()
        match = DAY_FIRST.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day).isoformat()
    except ValueError:
        pass
    raise CellError(f"tanggal tidak dikenal '{text}': tulis YYYY-MM-DD atau DD/MM/YYYY.")


DATETIME_TEXT = re.compile(
    r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[-/](\d{1,2})[-/](\d{4}))"
    r"(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$"
)


def _datetime(column: Column, value, text: str, choices) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()).isoformat()
    match = DATETIME_TEXT.match(text)
    if match:
        y1, m1, d1, d2, m2, y2, hh, mm, ss = match.groups()
        year, month, day = (int(y1), int(m1), int(d1)) if y1 else (int(y2), int(m2), int(d2))
        try:
            moment = datetime(year, month, day, int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            pass
        else:
            return moment.isoformat()
    raise CellError(
        f"tanggal/jam tidak dikenal '{text}': tulis YYYY-MM-DD HH:MM atau DD-MM-YYYY HH:MM."
    )


def _choice(column: Column, value, text: str, choices) -> str:
    found = choices.get(text.upper())
    if found is None:
        shown = ", ".join(list(choices.values())[:20])
        raise CellError(f"'{text}' tidak ada di daftar; pilih salah satu: {shown}.")
    return found


CONVERTERS = {
    Kind.TEXT: _text,
    Kind.IDPEL: _idpel,
    Kind.INTEGER: _integer,
    Kind.DECIMAL: _decimal,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.CHOICE: _choice,
}


def compile_converter(column: Column, choices: dict[str, str] | None = None):
    """``convert`` for one column as a function of the cell alone, with a fast path for the
    cells big files are made of (12-digit text IDPEL, a listed choice, a number in a decimal
    column, plain text); every other cell goes through ``convert`` and its rules unchanged."""
    choices = choices or {}

    def slow(value):
        return convert(column, value, choices)

    if column.validators:
        return slow
    low, high = column.minimum, column.maximum
    if column.kind == Kind.IDPEL:

        def idpel(value):
            if type(value) is str and len(value) == 12 and value.isdigit():
                return value
            return slow(value)

        return idpel
    if column.kind == Kind.CHOICE:

        def choice(value):
            if type(value) is str:
                found = choices.get(value.upper())
                if found is not None:
                    return found
            return slow(value)

        return choice
    if column.kind == Kind.DECIMAL:
        # Float bounds: a float strictly inside the nearest floats of the bounds is inside the
        # bounds (no float lies between a bound and its nearest float). NaN and infinities
        # fail both comparisons; boundary values and all else take the full rules.
        above = -math.inf if low is None else float(low)
        below = math.inf if high is None else float(high)

        def decimal(value):
            if type(value) is float and above < value < below:
                return float_text(value)
            return slow(value)

        return decimal
    if column.kind == Kind.TEXT and low is None and high is None:
        limit = column.max_length

        def text(value):
            if type(value) is str:
                stripped = value.strip()
                if (
                    stripped
                    and stripped[0] != "'"
                    and (not limit or len(stripped) <= limit)
                    and "\x00" not in stripped
                ):
                    return stripped
            return slow(value)

        return text
    return slow
