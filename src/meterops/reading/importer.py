"""An uploaded reading row and its TGL_BACA, for the upload pipeline (``reading.uploads``).

The file format is documented in docs/READING.md; the pipeline (``meterops.imports``) reads the
file and checks the cells, ``services.write_reading_rows`` checks the rows against the database.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

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


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""


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
