"""Token classes: field layouts, validation and the class/subclass registry."""

from decimal import Decimal

import pytest

from meterops.sts.classes import (
    ALL_REGISTERS,
    ClearCredit,
    ClearTamperCondition,
    CreditType,
    DecoderKeySection1,
    DecoderKeySection2,
    DecoderKeySection3,
    DecoderKeySection4,
    ManagementSubclass,
    MeterTestDisplay,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TokenClass,
    TransferCredit,
    fields_type,
    tid_of,
    unpack_fields,
)
from meterops.sts.errors import AmountOutOfRange, InvalidParameter, UnknownTokenClass

EXAMPLES = [
    TransferCredit(CreditType.ELECTRICITY, 256, 0x19EB23, 0xB),
    TransferCredit(CreditType.TIME_CURRENCY, 18201624, 0xFFFFFF, 15),
    MeterTestDisplay(control=(1 << 36) - 1, manufacturer_code=0xFF),
    MeterTestDisplay(control=1, manufacturer_code=0xABCD, four_digit_manufacturer=True),
    SetMaximumPowerLimit(tid=5, rnd=1, watts=1000),
    SetMaximumPhasePowerUnbalanceLimit(tid=6, rnd=2, watts=16384),
    ClearCredit(tid=7, rnd=3, register=ALL_REGISTERS),
    SetTariffRate(tid=8, rnd=4, rate=0xBEEF),
    ClearTamperCondition(tid=9, rnd=5),
    SetWaterMeterFactor(tid=10, rnd=6, factor=0x1234),
    DecoderKeySection1(key_revision=9, key_type=3, rollover=True, key_high=0xDEADBEEF),
    DecoderKeySection2(tariff_index=99, key_low=0x01234567),
    DecoderKeySection3(supply_group_part=0xFFF, key_part=0xCAFEBABE),
    DecoderKeySection4(supply_group_part=0x0F4, key_part=1),
]


@pytest.mark.parametrize("fields", EXAMPLES, ids=lambda f: type(f).__name__)
def test_pack_then_unpack_gives_the_same_fields(fields):
    packed = fields.pack()
    assert 0 <= packed < 1 << 44
    assert unpack_fields(fields.token_class, fields.subclass, packed) == fields


def test_credit_fields_sit_rnd_tid_amount():
    fields = TransferCredit(CreditType.ELECTRICITY, 256, 0x19EB23, 0xB)
    assert fields.pack() == 0xB19EB230100


def test_credit_quantity_is_in_tenths_for_utilities_and_units_for_currency():
    assert TransferCredit(CreditType.WATER, 256, 0).quantity == Decimal("25.6")
    assert TransferCredit(CreditType.ELECTRICITY_CURRENCY, 256, 0).quantity == 256


def test_credit_amount_is_rounded_up_to_what_the_token_carries():
    assert TransferCredit(CreditType.ELECTRICITY, 16385, 0).amount == 16394


def test_credit_amount_above_the_maximum_is_refused():
    with pytest.raises(AmountOutOfRange):
        TransferCredit(CreditType.ELECTRICITY, 18201625, 0)


def test_key_section_1_layout():
    fields = DecoderKeySection1(key_revision=1, key_type=2, rollover=True, key_high=0xAABBCCDD)
    assert fields.pack() == 0xF_1_A_AABBCCDD  # KENHO F, KRN 1, RO 1 Res 0 KT 10, NKHO


def test_key_section_2_carries_the_tariff_index_as_binary():
    # IEC 62055-41 6.1.7 note: TI 99 is 01100011 in the Set2ndSectionDecoderKey token.
    assert DecoderKeySection2(tariff_index=99, key_low=0).pack() >> 32 & 0xFF == 0b01100011


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: TransferCredit(CreditType.GAS, 1, 0, rnd=16), "RND"),
        (lambda: TransferCredit(CreditType.GAS, 1, 1 << 24), "TID"),
        (lambda: MeterTestDisplay(control=1 << 36), "Control"),
        (lambda: MeterTestDisplay(control=1 << 28, four_digit_manufacturer=True), "Control"),
        (lambda: ClearCredit(tid=0, rnd=0, register=1 << 16), "Register"),
        (
            lambda: DecoderKeySection1(key_revision=16, key_type=2, rollover=False, key_high=0),
            "Key revision",
        ),
        (lambda: DecoderKeySection2(tariff_index=256, key_low=0), "Tariff index"),
        (lambda: DecoderKeySection3(supply_group_part=1 << 12, key_part=0), "Supply group"),
    ],
)
def test_out_of_range_fields_are_refused_with_their_name(factory, message):
    with pytest.raises(InvalidParameter, match=message):
        factory()


def test_tid_of_is_none_for_tokens_without_tid():
    assert tid_of(MeterTestDisplay(control=1)) is None
    assert tid_of(DecoderKeySection2(tariff_index=1, key_low=0)) is None
    assert tid_of(ClearTamperCondition(tid=42, rnd=0)) == 42


def test_every_management_subclass_has_a_type():
    for subclass in ManagementSubclass:
        assert fields_type(TokenClass.MANAGEMENT, subclass).fixed_subclass == subclass


@pytest.mark.parametrize(
    ("token_class", "subclass", "message"),
    [
        (3, 0, "class 3 is reserved"),
        (0, 8, "Subclass 8"),
        (1, 2, "Subclass 2"),
        (2, 10, "Subclass 10"),
    ],
)
def test_unknown_class_or_subclass_is_named(token_class, subclass, message):
    with pytest.raises(UnknownTokenClass, match=message):
        fields_type(token_class, subclass)
