"""Read an upload of readings (CSV or XLSX) into checked rows; every error names row and column.

The file format is documented in docs/READING.md. Reading only: the service
``services.import_readings`` checks the rows against the database and writes them.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

REQUIRED = ("IDPEL", "STAN", "TGL_BACA")
OPTIONAL = (
    "PETUGAS",
    "LBKB",
    "FOTO",
    "KOORDINAT_X",
    "KOORDINAT_Y",
    "STAN_AKHIR_METER_LAMA",
    "STAN_AWAL_METER_BARU",
)
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M")


@dataclass
class ReadingRow:
    row: int
    customer_id: str
    register_kwh: Decimal
    read_at: datetime
    reader: str = ""
    anomaly_code: str = ""
    photo: str = ""
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    old_meter_final_kwh: Decimal | None = None
    new_meter_initial_kwh: Decimal | None = None


def read_table(name: str, content: bytes) -> list[list]:
    """The first sheet (XLSX/XLS/ODS via calamine) or the CSV (comma or semicolon) as rows."""
    if name.lower().endswith(".csv"):
        text = content.decode("utf-8-sig")
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;") if text.strip() else "excel"
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""


def _decimal(value, *, minimum=None, maximum=None) -> Decimal | None:
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(_("bukan angka: %(v)s") % {"v": text}) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError(_("di luar batas: %(v)s") % {"v": text})
    return number


def _datetime(value, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = _text(value)
        for fmt in DATETIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(
                _("tanggal/jam tidak dikenali (contoh 2026-01-15 08:30): %(v)s") % {"v": text}
            )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def parse_rows(
    table: list[list], *, zone: str
) -> tuple[list[ReadingRow], list[tuple[int, str, str]]]:
    """Rows of the table after its header, and every (row, column, message) error found."""
    if not table or not any(_text(cell) for cell in table[0]):
        return [], [(1, "-", _("File kosong atau tanpa baris judul."))]
    header = [_text(cell).upper() for cell in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [(1, name, _("kolom wajib tidak ada")) for name in missing]
    index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    tz = ZoneInfo(zone)
    rows, errors = [], []
    for number, cells in enumerate(table[1:], start=2):
        if not any(_text(cell) for cell in cells):
            continue
        values = {name: cells[i] if i < len(cells) else "" for name, i in index.items()}
        row, row_errors = _parse_row(number, values, tz)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append((2, "-", _("Tidak ada baris data.")))
    return rows, errors


def _parse_row(number: int, values: dict, tz: ZoneInfo):
    errors = []
    parsed = {}
    customer_id = _text(values["IDPEL"])
    if not (customer_id.isdigit() and len(customer_id) == 12):
        errors.append((number, "IDPEL", _("IDPEL harus 12 digit angka.")))
    checks = [
        ("STAN", "register_kwh", {"minimum": 0}),
        ("KOORDINAT_X", "longitude", {"minimum": -180, "maximum": 180}),
        ("KOORDINAT_Y", "latitude", {"minimum": -90, "maximum": 90}),
        ("STAN_AKHIR_METER_LAMA", "old_meter_final_kwh", {"minimum": 0}),
        ("STAN_AWAL_METER_BARU", "new_meter_initial_kwh", {"minimum": 0}),
    ]
    for column, field, limits in checks:
        try:
            parsed[field] = _decimal(values.get(column), **limits)
        except ValueError as exc:
            errors.append((number, column, str(exc)))
    if "register_kwh" in parsed and parsed["register_kwh"] is None:
        errors.append((number, "STAN", _("stan wajib diisi")))
    try:
        parsed["read_at"] = _datetime(values["TGL_BACA"], tz)
    except ValueError as exc:
        errors.append((number, "TGL_BACA", str(exc)))
    if errors:
        return None, errors
    row = ReadingRow(
        row=number,
        customer_id=customer_id,
        reader=_text(values.get("PETUGAS"))[:80],
        anomaly_code=_text(values.get("LBKB")).upper(),
        photo=_text(values.get("FOTO"))[:100],
        **parsed,
    )
    return row, []


def parse_read_at(value, zone: str) -> datetime:
    """TGL_BACA as an aware time; a time without zone is the unit's local time."""
    return _datetime(value, ZoneInfo(zone))


def check_read_at(value) -> str | None:
    """A Column validator for the upload pipeline: the message, or None when readable."""
    try:
        _datetime(value, ZoneInfo("UTC"))
    except ValueError as exc:
        return str(exc)
    return None
