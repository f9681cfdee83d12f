"""The NFC card's load-profile records (seed 002, Bab 3, Tabel 3-1): plain Python, no Django.

A card carries up to 12 monthly records, each a fixed-width field set:
Blth 6 | Stand 6 | Sisa kWh 6 | Tegangan 3 | Status tamper 2 = 23 digits.
A bad record is rejected with its reason; the rest of the card is kept.
"""

from dataclasses import dataclass
from decimal import Decimal

RECORD_LENGTH = 23
MAX_RECORDS = 12
FIELDS = (("Blth", 6), ("Stand", 6), ("Sisa kWh", 6), ("Tegangan", 3), ("Status tamper", 2))
TAMPER_STATUSES = (0, 8)


@dataclass(frozen=True)
class CardRecord:
    period: str
    register_kwh: Decimal
    credit_kwh: Decimal
    voltage: int
    tamper_status: int


@dataclass
class CardReading:
    records: list[CardRecord]
    errors: list[str]


def check_period(period: str) -> str | None:
    """The reason a BLTH is not a valid YYYYMM, or None."""
    if len(period) != 6 or not period.isdigit():
        return f"BLTH {period!r} harus 6 digit (YYYYMM)"
    if not 1 <= int(period[4:]) <= 12:
        return f"bulan {period[4:]} pada BLTH {period} di luar 01-12"
    if int(period[:4]) < 2000:
        return f"tahun {period[:4]} pada BLTH {period} tidak wajar"
    return None


def check_values(period: str, stand: int, credit: int, voltage: int, tamper: int) -> str | None:
    """The reason a record's values are impossible, or None."""
    reason = check_period(period)
    if reason:
        return reason
    if tamper not in TAMPER_STATUSES:
        return f"status tamper {tamper} tidak dikenal (0 = normal, 8 = tamper)"
    if min(stand, credit, voltage) < 0:
        return "nilai negatif"
    return None


def parse_record(text: str) -> CardRecord:
    """One 23-digit record; raises ValueError with an Indonesian reason."""
    if len(text) != RECORD_LENGTH:
        raise ValueError(f"panjang {len(text)} karakter, seharusnya {RECORD_LENGTH}")
    values, start = [], 0
    for name, width in FIELDS:
        part = text[start : start + width]
        if not part.isdigit():
            bad = next(i for i, ch in enumerate(part) if not ch.isdigit())
            raise ValueError(f"{name} berisi bukan angka pada posisi {start + bad + 1}")
        values.append(part)
        start += width
    period, stand, credit, voltage, tamper = values
    reason = check_values(period, int(stand), int(credit), int(voltage), int(tamper))
    if reason:
        raise ValueError(reason)
    return CardRecord(period, Decimal(int(stand)), Decimal(int(credit)), int(voltage), int(tamper))


def read_card(lines: list[str]) -> CardReading:
    """Every valid record of a card, and one reason per rejected record (numbered from 1)."""
    reading = CardReading([], [])
    seen: set[str] = set()
    lines = [line.strip() for line in lines if line.strip()]
    if len(lines) > MAX_RECORDS:
        reading.errors.append(f"kartu berisi {len(lines)} record, paling banyak {MAX_RECORDS}")
    for number, line in enumerate(lines[:MAX_RECORDS], start=1):
        try:
            record = parse_record(line)
        except ValueError as exc:
            reading.errors.append(f"Record {number}: {exc}.")
            continue
        if record.period in seen:
            reading.errors.append(f"Record {number}: BLTH {record.period} ganda di kartu.")
            continue
        seen.add(record.period)
        reading.records.append(record)
    return reading


def monthly_consumption(records: list) -> list[tuple[str, Decimal | None]]:
    """kWh used per month from the Stand differences; None where the previous month is missing."""
    ordered = sorted(records, key=lambda r: r.period)
    result, previous = [], None
    for record in ordered:
        used = None
        if previous is not None and _next_period(previous.period) == record.period:
            used = record.register_kwh - previous.register_kwh
        result.append((record.period, used))
        previous = record
    return result


def _next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[4:])
    return f"{year + month // 12}{month % 12 + 1:02d}"
