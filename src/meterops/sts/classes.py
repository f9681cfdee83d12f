"""Token classes and subclasses, and the layout of their fields (IEC 62055-41:2018, 6.2).

Each token type is a frozen dataclass holding the token's own fields as integers.
``pack()`` gives the 44 field bits that sit between the 4-bit subclass and the CRC;
``unpack()`` reads them back.  Bit positions below count inside those 44 bits
(bit 43 first), i.e. 16 less than in the 64-bit data block.

=====  ========  =============================================================
class  subclass  fields (most significant first)
=====  ========  =============================================================
0      0-7       RND 4, TID 24, Amount 16           (TransferCredit)
1      0         Control 36, MfrCode 8              (InitiateMeterTest/Display)
1      1         Control 28, MfrCode 16
2      0,1,2,    RND 4, TID 24, value 16            (power limit, clear credit,
       5,6,7                                         tariff rate, clear tamper,
                                                     phase unbalance, water factor)
2      3         KENHO 4, KRN 4, RO 1, Res 1, KT 2, NKHO 32   (key section 1)
2      4         KENLO 4, TI 8, NKLO 32                       (key section 2)
2      8         SGC low 12, key bits 95..64                  (key section 3)
2      9         SGC high 12, key bits 63..32                 (key section 4)
=====  ========  =============================================================
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from meterops.sts.errors import InvalidParameter, UnknownTokenClass
from meterops.sts.tokendata import MAX_TID, decode_amount, encode_amount, representable_amount


class TokenClass(enum.IntEnum):
    """The 2-bit token class; class 3 is reserved by the standard."""

    TRANSFER_CREDIT = 0
    TEST_DISPLAY = 1
    MANAGEMENT = 2


class CreditType(enum.IntEnum):
    """Class 0 subclasses: what the credit is for (Table 17 of the standard)."""

    ELECTRICITY = 0
    WATER = 1
    GAS = 2
    TIME = 3
    ELECTRICITY_CURRENCY = 4
    WATER_CURRENCY = 5
    GAS_CURRENCY = 6
    TIME_CURRENCY = 7


class TestSubclass(enum.IntEnum):
    """Class 1 subclasses: the width of the meter's manufacturer code."""

    TWO_DIGIT_MANUFACTURER = 0
    FOUR_DIGIT_MANUFACTURER = 1


class ManagementSubclass(enum.IntEnum):
    """Class 2 subclasses (meter-specific management tokens)."""

    SET_MAXIMUM_POWER_LIMIT = 0
    CLEAR_CREDIT = 1
    SET_TARIFF_RATE = 2
    SET_DECODER_KEY_1 = 3
    SET_DECODER_KEY_2 = 4
    CLEAR_TAMPER_CONDITION = 5
    SET_MAXIMUM_PHASE_POWER_UNBALANCE_LIMIT = 6
    SET_WATER_METER_FACTOR = 7
    SET_DECODER_KEY_3 = 8
    SET_DECODER_KEY_4 = 9


#: Quantity one TransferAmount unit stands for, per credit type.  The currency
#: subclasses carry whole currency units as the utility defines them.
UNIT_SIZE: dict[CreditType, Decimal] = {
    CreditType.ELECTRICITY: Decimal("0.1"),
    CreditType.WATER: Decimal("0.1"),
    CreditType.GAS: Decimal("0.1"),
    CreditType.TIME: Decimal("0.1"),
    CreditType.ELECTRICITY_CURRENCY: Decimal(1),
    CreditType.WATER_CURRENCY: Decimal(1),
    CreditType.GAS_CURRENCY: Decimal(1),
    CreditType.TIME_CURRENCY: Decimal(1),
}

#: ClearCredit register value that clears every credit register.
ALL_REGISTERS = 0xFFFF


def _check(name: str, value: int, bits: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << bits:
        raise InvalidParameter(f"{name} must be a whole number from 0 to {(1 << bits) - 1}.")


def _check_tid(tid: int) -> None:
    if not isinstance(tid, int) or not 0 <= tid <= MAX_TID:
        raise InvalidParameter(f"TID must be a whole number from 0 to {MAX_TID}.")


def _pack_timed(rnd: int, tid: int, value: int) -> int:
    return (rnd << 40) | (tid << 16) | value


def _unpack_timed(fields: int) -> tuple[int, int, int]:
    return fields >> 40, (fields >> 16) & MAX_TID, fields & 0xFFFF


class TokenFields(ABC):
    """Common face of every token type: its class, its subclass and its 44 field bits."""

    token_class: ClassVar[TokenClass]
    fixed_subclass: ClassVar[int | None] = None

    @property
    def subclass(self) -> int:
        """The 4-bit subclass number (types without a fixed one override this)."""
        return int(self.fixed_subclass)  # type: ignore[arg-type]

    @abstractmethod
    def pack(self) -> int:
        """The 44 field bits."""

    @classmethod
    @abstractmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        """Read the fields of ``subclass`` from 44 field bits."""


# --- class 0 -----------------------------------------------------------------


@dataclass(frozen=True)
class TransferCredit(TokenFields):
    """Class 0: credit for the meter.  ``amount`` counts units of :data:`UNIT_SIZE`.

    An amount the 16-bit field cannot carry exactly is rounded up to the next one
    it can, in favour of the customer (6.3.6.2), so ``amount`` is what the meter
    will receive.
    """

    token_class: ClassVar[TokenClass] = TokenClass.TRANSFER_CREDIT
    credit_type: CreditType
    amount: int
    tid: int
    rnd: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "credit_type", CreditType(self.credit_type))
        object.__setattr__(self, "amount", representable_amount(self.amount))
        _check_tid(self.tid)
        _check("RND", self.rnd, 4)

    @property
    def subclass(self) -> int:
        return int(self.credit_type)

    @property
    def quantity(self) -> Decimal:
        """The amount in kWh, m³, time or currency units."""
        return self.amount * UNIT_SIZE[self.credit_type]

    def pack(self) -> int:
        return _pack_timed(self.rnd, self.tid, encode_amount(self.amount))

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        rnd, tid, amount = _unpack_timed(fields)
        return cls(CreditType(subclass), decode_amount(amount), tid, rnd)


# --- class 1 -----------------------------------------------------------------


@dataclass(frozen=True)
class MeterTestDisplay(TokenFields):
    """Class 1: start a test or display function; not encrypted, for any meter.

    ``control`` is the bit pattern of the tests to run (36 bits for a 2-digit
    manufacturer code, 28 bits for a 4-digit one).
    """

    token_class: ClassVar[TokenClass] = TokenClass.TEST_DISPLAY
    control: int
    manufacturer_code: int = 0
    four_digit_manufacturer: bool = False

    def __post_init__(self) -> None:
        control_bits, code_bits = self._widths()
        _check("Control", self.control, control_bits)
        _check("Manufacturer code", self.manufacturer_code, code_bits)

    def _widths(self) -> tuple[int, int]:
        return (28, 16) if self.four_digit_manufacturer else (36, 8)

    @property
    def subclass(self) -> int:
        return int(
            TestSubclass.FOUR_DIGIT_MANUFACTURER
            if self.four_digit_manufacturer
            else TestSubclass.TWO_DIGIT_MANUFACTURER
        )

    def pack(self) -> int:
        return (self.control << self._widths()[1]) | self.manufacturer_code

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        four = TestSubclass(subclass) is TestSubclass.FOUR_DIGIT_MANUFACTURER
        code_bits = 16 if four else 8
        return cls(fields >> code_bits, fields & ((1 << code_bits) - 1), four)


# --- class 2: management tokens with a TID ----------------------------------


@dataclass(frozen=True)
class _TimedManagement(TokenFields):
    """Class 2 token carrying RND, TID and one 16-bit value field."""

    token_class: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    tid: int
    rnd: int

    def __post_init__(self) -> None:
        _check_tid(self.tid)
        _check("RND", self.rnd, 4)

    @abstractmethod
    def _value_field(self) -> int:
        """The 16-bit value this management token sets."""

    def pack(self) -> int:
        return _pack_timed(self.rnd, self.tid, self._value_field())


@dataclass(frozen=True)
class SetMaximumPowerLimit(_TimedManagement):
    """Class 2/0: the load limit in watts, in the amount format (rounded up)."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_MAXIMUM_POWER_LIMIT
    watts: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "watts", representable_amount(self.watts))

    def _value_field(self) -> int:
        return encode_amount(self.watts)

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        rnd, tid, value = _unpack_timed(fields)
        return cls(tid=tid, rnd=rnd, watts=decode_amount(value))


@dataclass(frozen=True)
class SetMaximumPhasePowerUnbalanceLimit(SetMaximumPowerLimit):
    """Class 2/6: the largest power difference between phases, in watts."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_MAXIMUM_PHASE_POWER_UNBALANCE_LIMIT


@dataclass(frozen=True)
class ClearCredit(_TimedManagement):
    """Class 2/1: empty a credit register (a :class:`CreditType` number, or 0xFFFF for all)."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.CLEAR_CREDIT
    register: int = ALL_REGISTERS

    def __post_init__(self) -> None:
        super().__post_init__()
        _check("Register", self.register, 16)

    def _value_field(self) -> int:
        return self.register

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        rnd, tid, value = _unpack_timed(fields)
        return cls(tid=tid, rnd=rnd, register=value)


@dataclass(frozen=True)
class SetTariffRate(_TimedManagement):
    """Class 2/2: a tariff rate in the utility's own 16-bit unit."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_TARIFF_RATE
    rate: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check("Rate", self.rate, 16)

    def _value_field(self) -> int:
        return self.rate

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        rnd, tid, value = _unpack_timed(fields)
        return cls(tid=tid, rnd=rnd, rate=value)


@dataclass(frozen=True)
class ClearTamperCondition(_TimedManagement):
    """Class 2/5: reset the meter's tamper flag; the value field is padding."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.CLEAR_TAMPER_CONDITION
    pad: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check("Pad", self.pad, 16)

    def _value_field(self) -> int:
        return self.pad

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        rnd, tid, value = _unpack_timed(fields)
        return cls(tid=tid, rnd=rnd, pad=value)


@dataclass(frozen=True)
class SetWaterMeterFactor(_TimedManagement):
    """Class 2/7: the water meter's pulse factor in the utility's 16-bit unit."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_WATER_METER_FACTOR
    factor: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check("Factor", self.factor, 16)

    def _value_field(self) -> int:
        return self.factor

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        rnd, tid, value = _unpack_timed(fields)
        return cls(tid=tid, rnd=rnd, factor=value)


# --- class 2: key change tokens ---------------------------------------------


@dataclass(frozen=True)
class DecoderKeySection1(TokenFields):
    """Class 2/3: first Key Change Token: new KRN, key type, rollover and the key's top 32 bits.

    ``rollover`` tells the meter to move to the next base date and empty its TID
    store (the TID rollover key change).  ``key_expiry_high`` is the high nibble of
    the key expiry number (0xF when unused).
    """

    token_class: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_DECODER_KEY_1
    key_revision: int
    key_type: int
    rollover: bool
    key_high: int
    key_expiry_high: int = 0xF
    reserved: int = 0

    def __post_init__(self) -> None:
        _check("Key revision number", self.key_revision, 4)
        _check("Key type", self.key_type, 2)
        _check("Key bits", self.key_high, 32)
        _check("Key expiry number high nibble", self.key_expiry_high, 4)
        _check("Reserved bit", self.reserved, 1)
        object.__setattr__(self, "rollover", bool(self.rollover))

    def pack(self) -> int:
        return (
            (self.key_expiry_high << 40)
            | (self.key_revision << 36)
            | (int(self.rollover) << 35)
            | (self.reserved << 34)
            | (self.key_type << 32)
            | self.key_high
        )

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        return cls(
            key_revision=(fields >> 36) & 0xF,
            key_type=(fields >> 32) & 0b11,
            rollover=bool((fields >> 35) & 1),
            key_high=fields & 0xFFFFFFFF,
            key_expiry_high=fields >> 40,
            reserved=(fields >> 34) & 1,
        )


@dataclass(frozen=True)
class DecoderKeySection2(TokenFields):
    """Class 2/4: second Key Change Token: new tariff index and the next 32 key bits."""

    token_class: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_DECODER_KEY_2
    tariff_index: int
    key_low: int
    key_expiry_low: int = 0xF

    def __post_init__(self) -> None:
        _check("Tariff index", self.tariff_index, 8)
        _check("Key bits", self.key_low, 32)
        _check("Key expiry number low nibble", self.key_expiry_low, 4)

    def pack(self) -> int:
        return (self.key_expiry_low << 40) | (self.tariff_index << 32) | self.key_low

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        return cls(
            tariff_index=(fields >> 32) & 0xFF,
            key_low=fields & 0xFFFFFFFF,
            key_expiry_low=fields >> 40,
        )


@dataclass(frozen=True)
class _KeyExtensionSection(TokenFields):
    """Class 2/8 and 2/9: 12 bits of the supply group code and 32 more key bits.

    Only meters with 128-bit keys (MISTY1) take these two sections.
    """

    token_class: ClassVar[TokenClass] = TokenClass.MANAGEMENT
    supply_group_part: int
    key_part: int

    def __post_init__(self) -> None:
        _check("Supply group code part", self.supply_group_part, 12)
        _check("Key bits", self.key_part, 32)

    def pack(self) -> int:
        return (self.supply_group_part << 32) | self.key_part

    @classmethod
    def unpack(cls, subclass: int, fields: int) -> Self:
        return cls(supply_group_part=fields >> 32, key_part=fields & 0xFFFFFFFF)


@dataclass(frozen=True)
class DecoderKeySection3(_KeyExtensionSection):
    """Class 2/8: low 12 bits of the supply group code, key bits 95..64 of 128."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_DECODER_KEY_3


@dataclass(frozen=True)
class DecoderKeySection4(_KeyExtensionSection):
    """Class 2/9: high 12 bits of the supply group code, key bits 63..32 of 128."""

    fixed_subclass: ClassVar[int] = ManagementSubclass.SET_DECODER_KEY_4


_MANAGEMENT_TYPES: dict[int, type[TokenFields]] = {
    ManagementSubclass.SET_MAXIMUM_POWER_LIMIT: SetMaximumPowerLimit,
    ManagementSubclass.CLEAR_CREDIT: ClearCredit,
    ManagementSubclass.SET_TARIFF_RATE: SetTariffRate,
    ManagementSubclass.SET_DECODER_KEY_1: DecoderKeySection1,
    ManagementSubclass.SET_DECODER_KEY_2: DecoderKeySection2,
    ManagementSubclass.CLEAR_TAMPER_CONDITION: ClearTamperCondition,
    ManagementSubclass.SET_MAXIMUM_PHASE_POWER_UNBALANCE_LIMIT: SetMaximumPhasePowerUnbalanceLimit,
    ManagementSubclass.SET_WATER_METER_FACTOR: SetWaterMeterFactor,
    ManagementSubclass.SET_DECODER_KEY_3: DecoderKeySection3,
    ManagementSubclass.SET_DECODER_KEY_4: DecoderKeySection4,
}


def tid_of(fields: TokenFields) -> int | None:
    """The token identifier of a token, ``None`` for types that carry none (class 1, KCTs)."""
    return getattr(fields, "tid", None)


def fields_type(token_class: int, subclass: int) -> type[TokenFields]:
    """The dataclass for a class and subclass; :class:`UnknownTokenClass` if none."""
    if token_class == TokenClass.TRANSFER_CREDIT:
        if subclass in CreditType._value2member_map_:
            return TransferCredit
    elif token_class == TokenClass.TEST_DISPLAY:
        if subclass in TestSubclass._value2member_map_:
            return MeterTestDisplay
    elif token_class == TokenClass.MANAGEMENT:
        if subclass in _MANAGEMENT_TYPES:
            return _MANAGEMENT_TYPES[subclass]
    else:
        raise UnknownTokenClass(f"Token class {token_class} is reserved by the standard.")
    raise UnknownTokenClass(
        f"Subclass {subclass} of token class {token_class} is reserved or not supported."
    )


def unpack_fields(token_class: int, subclass: int, fields: int) -> TokenFields:
    """Token fields of any known class and subclass."""
    return fields_type(token_class, subclass).unpack(subclass, fields)
