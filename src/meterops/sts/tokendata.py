"""Bit-level building blocks of an STS token (IEC 62055-41:2018, clause 6.3 and 6.4).

A token carries 66 bits: a 2-bit class and a 64-bit data block.  The data block
is ``subclass(4) | 44 bits of class-specific fields | CRC(16)``; the CRC covers
the class, the subclass and the 44 field bits (50 bits).  Classes 0 and 2 encrypt
the data block, class 1 sends it in clear.  The two class bits are then swapped
with bits 28 and 27 of the token ("transposition of class bits", so the class
cannot be read off the leading digits) and the 66-bit number is written as 20
decimal digits.

Everything here works on plain ``int`` values: the hot path (bulk vending) never
builds bit strings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from meterops.sts.errors import AmountOutOfRange, TidOutOfRange, TokenFormatError
from meterops.sts.keys import BaseDate

TOKEN_DIGITS = 20
TOKEN_BITS = 66
MAX_TOKEN = (1 << TOKEN_BITS) - 1
BLOCK_MASK = (1 << 64) - 1
FIELDS_BITS = 44
FIELDS_MASK = (1 << FIELDS_BITS) - 1

# --- CRC-16 (clause 6.3.8) -------------------------------------------------
# The standard's CRC is the x^16 + x^15 + x^2 + 1 polynomial processed
# least-significant bit first from 0xFFFF (the "MODBUS" CRC) over the 50 bits
# class..fields, right-aligned in 7 bytes, most significant byte first.  The
# 16-bit field holds the result low byte first.  Checked against the worked
# example of the standard (data 0x0B19EB230100 -> CRC 0xC207).


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data50: int) -> int:
    """CRC field value for the 50 bits ``class | subclass | fields``."""
    table = _CRC_TABLE
    crc = 0xFFFF
    crc = (crc >> 8) ^ table[(crc ^ (data50 >> 48)) & 0xFF]
    crc = (crc >> 8) ^ table[(crc ^ (data50 >> 40)) & 0xFF]
    crc = (crc >> 8) ^ table[(crc ^ (data50 >> 32)) & 0xFF]
    crc = (crc >> 8) ^ table[(crc ^ (data50 >> 24)) & 0xFF]
    crc = (crc >> 8) ^ table[(crc ^ (data50 >> 16)) & 0xFF]
    crc = (crc >> 8) ^ table[(crc ^ (data50 >> 8)) & 0xFF]
    crc = (crc >> 8) ^ table[(crc ^ data50) & 0xFF]
    return ((crc & 0xFF) << 8) | (crc >> 8)


def build_block(token_class: int, subclass: int, fields: int) -> int:
    """The 64-bit data block ``subclass | fields | CRC`` for a class (CRC included)."""
    data50 = (token_class << 48) | (subclass << FIELDS_BITS) | fields
    return ((data50 & 0xFFFFFFFFFFFF) << 16) | crc16(data50)


def block_crc_ok(token_class: int, block: int) -> bool:
    """True when the CRC in ``block`` matches its class, subclass and fields."""
    return crc16((token_class << 48) | (block >> 16)) == block & 0xFFFF


def split_block(block: int) -> tuple[int, int]:
    """``(subclass, fields)`` of a 64-bit data block."""
    return block >> 60, (block >> 16) & FIELDS_MASK


# --- class-bit transposition and the decimal form (clauses 6.4.2, 6.4.3) ----

_CLASS_BITS_AT_TOP = 0b11 << 64
_CLASS_BITS_INSIDE = 0b11 << 27
_KEEP = MAX_TOKEN ^ (_CLASS_BITS_AT_TOP | _CLASS_BITS_INSIDE)


def transpose_class_bits(token66: int) -> int:
    """Swap bits 65..64 with bits 28..27.  The swap is its own inverse."""
    top = (token66 >> 64) & 0b11
    inside = (token66 >> 27) & 0b11
    return (token66 & _KEEP) | (inside << 64) | (top << 27)


def assemble(token_class: int, block: int) -> int:
    """66-bit token number from a class and a (possibly encrypted) data block."""
    return transpose_class_bits((token_class << 64) | block)


def disassemble(token66: int) -> tuple[int, int]:
    """``(class, data block)`` of a 66-bit token number (the block as carried)."""
    plain = transpose_class_bits(token66)
    return plain >> 64, plain & BLOCK_MASK


def to_digits(token66: int) -> str:
    """The 20-digit decimal form, zero-padded (2**66 - 1 has 20 digits)."""
    return f"{token66:020d}"


def parse_token(text: str) -> int:
    """Parse a token as a customer types it: 20 digits, spaces and dashes allowed.

    Raises :class:`TokenFormatError` naming the first problem found.
    """
    if not isinstance(text, str):
        raise TokenFormatError(f"A token must be text, got {type(text).__name__}.")
    digits = text.replace(" ", "").replace("-", "")
    for position, char in enumerate(digits, start=1):
        if not "0" <= char <= "9":
            raise TokenFormatError(
                f"A token has only digits; character {char!r} at position {position} is not one."
            )
    if len(digits) != TOKEN_DIGITS:
        raise TokenFormatError(f"A token has {TOKEN_DIGITS} digits; this one has {len(digits)}.")
    value = int(digits)
    if value > MAX_TOKEN:
        raise TokenFormatError(
            f"Token {digits} is larger than 2**66 - 1 = {MAX_TOKEN}, so no STS token has it."
        )
    return value


def format_token(token: str, group: int = 4) -> str:
    """Group the digits for printing on a receipt: ``1234 5678 ...``."""
    return " ".join(token[i : i + group] for i in range(0, len(token), group))


# --- TID: token identifier (clause 6.3.5) -----------------------------------

MAX_TID = (1 << 24) - 1


def _naive(moment: datetime) -> datetime:
    """Aware times count in UTC; naive times are taken as the vending clock's own."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _epoch(base_date: BaseDate) -> datetime:
    return datetime(int(base_date), 1, 1)


def tid_for(issued: datetime, base_date: BaseDate) -> int:
    """Minutes from 00:00 on 1 January of the base date to ``issued`` (seconds dropped).

    Raises :class:`TidOutOfRange` when the time is before the base date or past
    its 24-bit range (about 31.9 years), which is when a meter must move to the
    next base date with a rollover key change.
    """
    epoch = _epoch(base_date)
    moment = _naive(issued)
    if moment < epoch:
        raise TidOutOfRange(
            f"Issue time {moment:%Y-%m-%d %H:%M} is before base date {int(base_date)}-01-01."
        )
    tid = (moment - epoch) // timedelta(minutes=1)
    if tid > MAX_TID:
        last = epoch + timedelta(minutes=MAX_TID)
        raise TidOutOfRange(
            f"Issue time {moment:%Y-%m-%d %H:%M} is past the range of base date "
            f"{int(base_date)} (last minute {last:%Y-%m-%d %H:%M}); "
            "move the meter to the next base date with a rollover key change."
        )
    return tid


def issue_time(tid: int, base_date: BaseDate) -> datetime:
    """The (naive) issue time a TID stands for under a base date."""
    if not 0 <= tid <= MAX_TID:
        raise TidOutOfRange(f"TID {tid} does not fit in 24 bits.")
    return _epoch(base_date) + timedelta(minutes=tid)


# --- the 16-bit amount (clause 6.3.6.2) -------------------------------------
# Two exponent bits e and fourteen mantissa bits m stand for
#     m * 10**e + sum(2**14 * 10**(i - 1) for i in 1..e)
# so every exponent continues where the previous one ends.  Conversions round
# *up*, "in favour of the customer".

MANTISSA_BITS = 14
MAX_MANTISSA = (1 << MANTISSA_BITS) - 1
_EXPONENT_OFFSETS = (0, 16384, 180224, 1818624)
MAX_TRANSFER_AMOUNT = _EXPONENT_OFFSETS[3] + MAX_MANTISSA * 1000  # 18 201 624


def encode_amount(units: int) -> int:
    """16-bit field for the smallest representable amount >= ``units``."""
    if units < 0:
        raise AmountOutOfRange(f"An amount cannot be negative; got {units} units.")
    for exponent, offset in enumerate(_EXPONENT_OFFSETS):
        if units - offset <= MAX_MANTISSA * 10**exponent:
            mantissa = -(-(units - offset) // 10**exponent)
            return (exponent << MANTISSA_BITS) | mantissa
    raise AmountOutOfRange(
        f"{units} units is above the largest amount a token carries ({MAX_TRANSFER_AMOUNT})."
    )


def decode_amount(field: int) -> int:
    """Number of units a 16-bit amount field stands for."""
    exponent = field >> MANTISSA_BITS
    return (field & MAX_MANTISSA) * 10**exponent + _EXPONENT_OFFSETS[exponent]


def representable_amount(units: int) -> int:
    """The amount a token really carries when asked for ``units`` (rounded up)."""
    return decode_amount(encode_amount(units))


def units_from_quantity(quantity: Decimal | str | int | float, resolution: Decimal) -> int:
    """Whole ``resolution`` steps needed to carry ``quantity``, rounded up.

    ``25.6`` kWh at resolution ``0.1`` is 256 units; ``1.82`` kWh becomes 19.
    Floats are read through their shortest decimal text, so ``0.1`` means 0.1.
    """
    try:
        value = Decimal(str(quantity)) if isinstance(quantity, float) else Decimal(quantity)
    except ArithmeticError as exc:
        raise AmountOutOfRange(f"{quantity!r} is not a number.") from exc
    if not value.is_finite():
        raise AmountOutOfRange(f"{quantity!r} is not a finite amount.")
    return int((value / resolution).to_integral_value(rounding=ROUND_CEILING))
