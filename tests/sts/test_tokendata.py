"""Bit layout of a token: CRC, class-bit transposition, digits, TID and amount."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from meterops.sts.errors import AmountOutOfRange, TidOutOfRange, TokenFormatError
from meterops.sts.keys import BaseDate
from meterops.sts.tokendata import (
    MAX_TOKEN,
    MAX_TRANSFER_AMOUNT,
    assemble,
    block_crc_ok,
    build_block,
    crc16,
    decode_amount,
    disassemble,
    encode_amount,
    format_token,
    issue_time,
    parse_token,
    representable_amount,
    tid_for,
    to_digits,
    transpose_class_bits,
    units_from_quantity,
)


class TestCrc:
    def test_matches_the_worked_example_of_the_standard(self):
        # IEC 62055-41 worked example: class 0, subclass 0, RND 0xB, TID 0x19EB23,
        # amount 0x0100 -> CRC 0xC207.  Quoted as "BITSTRING_FROM_STANDARD" /
        # "CRC_FROM_STANDARD" in NectarAPI/tokens-service
        # src/test/java/ke/co/nectar/token/domain/CrcTest.java.
        assert crc16(12205947027712) == 49671

    def test_block_puts_crc_last(self):
        block = build_block(0, 0, 0xB19EB230100)
        assert block == 0x0B19EB230100C207
        assert block_crc_ok(0, block)

    def test_crc_covers_the_class(self):
        block = build_block(0, 0, 0xB19EB230100)
        assert not block_crc_ok(2, block)

    def test_any_single_bit_flip_is_detected(self):
        block = build_block(2, 5, 0x123456789AB)
        for bit in range(64):
            assert not block_crc_ok(2, block ^ (1 << bit))


class TestTransposition:
    def test_class_bits_move_to_bits_28_and_27(self):
        assert transpose_class_bits(0b10 << 64) == 0b10 << 27

    def test_bits_28_and_27_move_to_the_top(self):
        assert transpose_class_bits(0b01 << 27) == 0b01 << 64

    def test_is_its_own_inverse(self):
        value = 0x2_F00D_CAFE_1234_5678
        assert transpose_class_bits(transpose_class_bits(value)) == value

    def test_assemble_and_disassemble_round_trip(self):
        assert disassemble(assemble(2, 0xFFFF_0000_FFFF_0000)) == (2, 0xFFFF_0000_FFFF_0000)


class TestDigits:
    def test_pads_to_twenty_digits(self):
        assert to_digits(150997584) == "00000000000150997584"

    def test_largest_token_has_twenty_digits(self):
        assert len(to_digits(MAX_TOKEN)) == 20

    def test_accepts_spaces_and_dashes(self):
        assert parse_token("0000-0000-0001 5099 7584") == 150997584

    def test_rejects_a_letter_naming_its_position(self):
        with pytest.raises(TokenFormatError, match="'x' at position 3"):
            parse_token("12x45678901234567890")

    @pytest.mark.parametrize("text", ["1234567890123456789", "123456789012345678901", ""])
    def test_rejects_wrong_length(self, text):
        with pytest.raises(TokenFormatError, match="20 digits"):
            parse_token(text)

    def test_rejects_numbers_beyond_66_bits(self):
        with pytest.raises(TokenFormatError, match="larger than 2\\*\\*66"):
            parse_token("99999999999999999999")

    def test_rejects_non_text(self):
        with pytest.raises(TokenFormatError):
            parse_token(12345678901234567890)  # type: ignore[arg-type]

    def test_formats_in_groups_of_four(self):
        assert format_token("23716100501183194197") == "2371 6100 5011 8319 4197"


class TestTid:
    def test_counts_minutes_since_the_base_date(self):
        # 25/03/1996 13:55 -> TID 0x19EB23, as in the standard's worked example
        # (NectarAPI/tokens-service TransferElectricityCreditTokenGeneratorTest.java).
        assert tid_for(datetime(1996, 3, 25, 13, 55, 22), BaseDate.Y1993) == 0x19EB23

    @pytest.mark.parametrize(
        ("base_date", "tid"),
        [(BaseDate.Y1993, 14200320), (BaseDate.Y2014, 3155520)],
    )
    def test_matches_the_sts_association_examples(self, base_date, tid):
        # https://www.sts.org.za/tid-token-identifier: a meter made on
        # 01/01/2020 08:00:00 fills its TID memory with these values.
        assert tid_for(datetime(2020, 1, 1, 8, 0), base_date) == tid

    def test_aware_times_count_in_utc(self):
        wib = timezone(timedelta(hours=7))
        assert tid_for(datetime(2020, 1, 1, 15, 0, tzinfo=wib), BaseDate.Y2014) == 3155520
        assert tid_for(datetime(2020, 1, 1, 8, 0, tzinfo=UTC), BaseDate.Y2014) == 3155520

    def test_issue_time_inverts_tid(self):
        assert issue_time(3155520, BaseDate.Y2014) == datetime(2020, 1, 1, 8, 0)

    def test_rejects_a_time_before_the_base_date(self):
        with pytest.raises(TidOutOfRange, match="before base date 2014"):
            tid_for(datetime(2013, 12, 31, 23, 59), BaseDate.Y2014)

    @pytest.mark.parametrize(
        ("base_date", "last"),
        [
            # Rollover moments published at https://www.sts.org.za/tid-token-identifier
            (BaseDate.Y1993, datetime(2024, 11, 24, 20, 15)),
            (BaseDate.Y2014, datetime(2045, 11, 24, 20, 15)),
        ],
    )
    def test_last_minute_of_a_base_date_is_the_rollover_moment(self, base_date, last):
        assert tid_for(last, base_date) == 0xFFFFFF
        with pytest.raises(TidOutOfRange, match="rollover key change"):
            tid_for(last + timedelta(minutes=1), base_date)

    def test_2035_base_date_starts_at_zero(self):
        assert tid_for(datetime(2035, 1, 1), BaseDate.Y2035) == 0

    def test_rejects_a_tid_wider_than_24_bits(self):
        with pytest.raises(TidOutOfRange):
            issue_time(1 << 24, BaseDate.Y1993)


class TestAmount:
    def test_exponent_zero_is_the_plain_number(self):
        # NectarAPI/tokens-service AmountTest.java: 25.6 kWh <-> 0000000100000000.
        assert encode_amount(256) == 0x0100
        assert decode_amount(0x0100) == 256

    @pytest.mark.parametrize(
        ("units", "field"),
        [
            (16383, 0b00_11111111111111),
            (16384, 0b01_00000000000000),
            (180224, 0b10_00000000000000),
            (1818624, 0b11_00000000000000),
            (MAX_TRANSFER_AMOUNT, 0xFFFF),
        ],
    )
    def test_each_exponent_starts_where_the_previous_ends(self, units, field):
        assert encode_amount(units) == field
        assert decode_amount(field) == units

    @pytest.mark.parametrize(
        ("asked", "carried"), [(16385, 16394), (20000, 20004), (180223, 180224)]
    )
    def test_rounds_up_in_favour_of_the_customer(self, asked, carried):
        assert representable_amount(asked) == carried

    def test_rejects_above_the_maximum(self):
        with pytest.raises(AmountOutOfRange, match="18201624"):
            encode_amount(MAX_TRANSFER_AMOUNT + 1)

    def test_rejects_negative(self):
        with pytest.raises(AmountOutOfRange, match="negative"):
            encode_amount(-1)

    @pytest.mark.parametrize(
        ("quantity", "units"), [("25.6", 256), (0.1, 1), ("1.82", 19), (3, 30), ("0", 0)]
    )
    def test_quantities_become_whole_units_rounded_up(self, quantity, units):
        assert units_from_quantity(quantity, _tenth()) == units

    @pytest.mark.parametrize("bad", ["abc", "NaN", float("inf")])
    def test_rejects_quantities_that_are_not_numbers(self, bad):
        with pytest.raises(AmountOutOfRange):
            units_from_quantity(bad, _tenth())


def _tenth():
    from decimal import Decimal

    return Decimal("0.1")
