"""Read a file of NFC card histories (CSV or XLSX) into checked rows; no database here.

One row per meter and month, columns (header names, any case and order):
No Meter | Blth | Stand | Sisa kWh | Tegangan | Status Tamper. Every wrong cell is reported by
row and column in Indonesian; the good rows go on.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from python_calamine import CalamineWorkbook

from .cards import CardRecord, check_values

COLUMNS = {
    "no meter": "meter_number",
    "blth": "period",
    "stand": "register_kwh",
    "sisa kwh": "credit_kwh",
    "tegangan": "voltage",
    "status tamper": "tamper_status",
}
MAX_ROWS = 500_000


@dataclass
class LoadProfileFile:
    rows: list[tuple[int, str, CardRecord]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _table(name: str, content: bytes) -> list[list]:
    if name.lower().endswith(".xlsx"):
        return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    text = content.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    return list(csv.reader(io.StringIO(text), dialect))


def read_load_profile_file(name: str, content: bytes) -> LoadProfileFile:
    """Checked rows (row number, meter number, record) and the reasons of the rejected ones."""
    result = LoadProfileFile()
    if not name.lower().endswith((".csv", ".xlsx")):
        result.errors.append("File harus berformat CSV atau XLSX.")
        return result
    try:
        table = _table(name, content)
    except (csv.Error, UnicodeDecodeError, ValueError, OSError):
        result.errors.append("File tidak dapat dibaca sebagai CSV/XLSX.")
        return result
    if not table:
        result.errors.append("File kosong.")
        return result
    header = [_cell(h).lower() for h in table[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        result.errors.append(
            "Kolom tidak ditemukan: " + ", ".join(m.title() for m in missing) + "."
        )
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append(f"File berisi lebih dari {MAX_ROWS} baris.")
        return result
    index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    for number, raw in enumerate(table[1:], start=2):
        row = {key: _cell(raw[i]) if i < len(raw) else "" for key, i in index.items()}
        if not any(row.values()):
            continue
        _check_row(number, row, result)
    return result


LABELS = {key: header.title() for header, key in COLUMNS.items()}


def _check_row(number: int, row: dict, result: LoadProfileFile) -> None:
    bad = [LABELS[k] for k in COLUMNS.values() if not row[k].isdigit()]
    if bad:
        result.errors.append(f"Baris {number}, kolom {', '.join(bad)}: harus berisi angka.")
        return
    values = [int(row[k]) for k in ("register_kwh", "credit_kwh", "voltage", "tamper_status")]
    reason = check_values(row["period"], *values)
    if reason:
        result.errors.append(f"Baris {number}: {reason}.")
        return
    record = CardRecord(row["period"], Decimal(values[0]), Decimal(values[1]), *values[2:])
    result.rows.append((number, row["meter_number"], record))
