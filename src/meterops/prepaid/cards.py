"""The NFC card (seed 002, 1.3 and Bab 3): plain Python, no Django.

What the card reader reads: the meter number (Nometer) and up to 12 monthly load-profile
records, each a fixed-width field set (Tabel 3-1):
Blth 6 | Stand 6 | Sisa kWh 6 | Tegangan 3 | Status tamper 2 = 23 digits.
Bab 3 lists the current (arus) among the load profile's information, but Tabel 3-1 has no field
for it; our record form that carries it appends Arus 4 (tenths of an ampere: 0052 = 5,2 A) =
27 digits. Both forms are read; a bad record is rejected with its reason, the rest kept.

What the reader writes back (1.3 "Menulis Nomor Token ke Kartu"): ``card_payload``.
"""

from dataclasses import dataclass
from decimal import Decimal

RECORD_LENGTH = 23
RECORD_WITH_CURRENT_LENGTH = 27
MAX_RECORDS = 12
FIELDS = (("Blth", 6), ("Stand", 6), ("Sisa kWh", 6), ("Tegangan", 3), ("Status tamper", 2))
CURRENT_FIELD = ("Arus", 4)  # tenths of an ampere
TAMPER_STATUSES = (0, 8)
METER_NUMBER_LENGTHS = (11, 12, 13)


@dataclass(frozen=True)
class CardRecord:
    period: str
    register_kwh: Decimal
    credit_kwh: Decimal
    voltage: int
    tamper_status: int
    current_amp: Decimal | None = None  # None: a 23-digit record, without arus
    position: int = 0  # the record's number on the card (1..12); 0 when not from a card


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


def parse_record(text: str, position: int = 0) -> CardRecord:
    """One 23-digit record, or 27 with arus; raises ValueError with an Indonesian reason."""
    if len(text) == RECORD_LENGTH:
        fields = FIELDS
    elif len(text) == RECORD_WITH_CURRENT_LENGTH:
        fields = (*FIELDS, CURRENT_FIELD)
    else:
        raise ValueError(
            f"panjang {len(text)} karakter, seharusnya {RECORD_LENGTH} (Tabel 3-1) "
            f"atau {RECORD_WITH_CURRENT_LENGTH} (dengan arus)"
        )
    values, start = [], 0
    for name, width in fields:
        part = text[start : start + width]
        if not (part.isascii() and part.isdigit()):
            bad = next(i for i, ch in enumerate(part) if not (ch.isascii() and ch.isdigit()))
            raise ValueError(f"{name} berisi bukan angka pada posisi {start + bad + 1}")
        values.append(part)
        start += width
    period, stand, credit, voltage, tamper = values[:5]
    reason = check_values(period, int(stand), int(credit), int(voltage), int(tamper))
    if reason:
        raise ValueError(reason)
    current = Decimal(int(values[5])) / 10 if len(values) > 5 else None
    return CardRecord(
        period,
        Decimal(int(stand)),
        Decimal(int(credit)),
        int(voltage),
        int(tamper),
        current_amp=current,
        position=position,
    )


def read_card(lines: list[str]) -> CardReading:
    """Every valid record of a card, and one reason per rejected record (numbered from 1)."""
    reading = CardReading([], [])
    seen: set[str] = set()
    lines = [line.strip() for line in lines if line.strip()]
    if len(lines) > MAX_RECORDS:
        reading.errors.append(f"kartu berisi {len(lines)} record, paling banyak {MAX_RECORDS}")
    for number, line in enumerate(lines[:MAX_RECORDS], start=1):
        try:
            record = parse_record(line, position=number)
        except ValueError as exc:
            reading.errors.append(f"Record {number}: {exc}.")
            continue
        if record.period in seen:
            reading.errors.append(f"Record {number}: BLTH {record.period} ganda di kartu.")
            continue
        seen.add(record.period)
        reading.records.append(record)
    return reading


def check_meter_number(text: str) -> str | None:
    """The reason a card's meter number (Nometer) is not one, or None."""
    if not (text.isascii() and text.isdigit()) or len(text) not in METER_NUMBER_LENGTHS:
        return f"no meter {text[:20]!r} di kartu harus 11-13 angka"
    return None


def split_card_text(text: str) -> tuple[str, list[str]]:
    """The card as a reader hands it over in text: the meter number on the first line, then
    one record per line. Raises ValueError with an Indonesian reason for the meter number."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("kartu kosong: baris pertama harus no meter")
    reason = check_meter_number(lines[0])
    if reason:
        raise ValueError(f"baris pertama: {reason}")
    return lines[0], lines[1:]


def card_payload(meter_number: str, token: str) -> str:
    """What the reader writes to the card for the meter to read (seed 002, 1.3): the meter
    number on the first line, so a meter refuses another meter's card, and the 20-digit
    token on the second. The meter checks the token itself (STS)."""
    return f"{meter_number}\n{token}"


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
