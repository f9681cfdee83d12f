"""Writing .xlsx files for exports and reports, safely.

A cell that starts with = + - @ (or a tab/CR) would run as a formula when opened in Excel
(CSV/formula injection); such text is written with a leading apostrophe so Excel shows it as text.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .formats import XLSX_RUPIAH_FORMAT, xlsx_number_format

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Rupiah:
    """An amount of money for a sheet: kept as the number, shown as ``formats.rupiah`` shows it."""

    amount: Decimal | None


def safe_cell(value):
    """The value as Excel should store it: text never starts a formula and holds no control
    character a workbook cannot store (shown as \ufffd), times are local."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet with a bold header row; written in streaming mode so large exports stay small."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_data_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_cell(sheet, value):
    """A number stays a number the sheet can add up, shown as ``core.formats.number`` shows it."""
    if isinstance(value, Rupiah):
        return _number_cell(sheet, value.amount, XLSX_RUPIAH_FORMAT)
    value = safe_cell(value)
    if not isinstance(value, Decimal):
        return value
    return _number_cell(sheet, value, xlsx_number_format(value))


def _number_cell(sheet, value, number_format: str):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(title, headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
