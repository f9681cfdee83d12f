"""Meter identity, DKGA02 and DKGA04, checked against STS compliance tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from meterops.sts.ciphers import EncryptionAlgorithm, cipher_for
from meterops.sts.errors import InvalidKey, InvalidPan, InvalidParameter
from meterops.sts.keys import (
    BaseDate,
    KeyGenerationAlgorithm,
    KeyType,
    MeterKeyData,
    Pan,
    control_block,
    derive_decoder_key,
    is_luhn_valid,
    key_from_hex,
    keys_equal,
    luhn_check_digit,
    pan_block,
)
from tests.sts.vectors import (
    COMPLIANCE_TOKENS,
    CONTROL_BLOCKS,
    PAN_BLOCKS,
    VALID_METER_NUMBERS,
    VALID_PANS,
    ComplianceToken,
    split_token,
    sts_crc16,
)

DKGA02, DKGA04 = KeyGenerationAlgorithm.DKGA02, KeyGenerationAlgorithm.DKGA04
STA, DEA, MISTY1 = EncryptionAlgorithm.STA, EncryptionAlgorithm.DEA, EncryptionAlgorithm.MISTY1
PAN = Pan.from_string("600727000000000009")


def meter(**changes: object) -> MeterKeyData:
    fields: dict[str, object] = {
        "pan": PAN,
        "supply_group": "123456",
        "tariff_index": "01",
        "key_type": 2,
        "key_revision": 1,
    }
    fields.update(changes)
    return MeterKeyData(**fields)  # type: ignore[arg-type]


# --- Luhn and PAN ---------------------------------------------------------------------


def test_luhn_check_digit_of_the_iso_7812_example() -> None:
    # The usual worked example of ISO/IEC 7812-1 annex B: 7992739871 -> check digit 3.
    assert luhn_check_digit("7992739871") == "3"
    assert is_luhn_valid("79927398713")


@pytest.mark.parametrize("number", VALID_PANS + VALID_METER_NUMBERS)
def test_published_pans_and_meter_numbers_are_luhn_valid(number: str) -> None:
    assert is_luhn_valid(number)


@pytest.mark.parametrize("text", VALID_PANS)
def test_pan_parses_and_prints_back(text: str) -> None:
    pan = Pan.from_string(text)
    assert (pan.iin, pan.drn, pan.check_digit) == (text[:6], text[6:17], text[17])
    assert str(pan) == text


def test_pan_accepts_spaces_and_dashes() -> None:
    assert Pan.from_string("6007 2700-0000 0000 09") == PAN


@given(position=st.integers(min_value=0, max_value=17), shift=st.integers(1, 9))
def test_any_single_changed_digit_fails_the_luhn_check(position: int, shift: int) -> None:
    text = str(PAN)
    changed = text[:position] + str((int(text[position]) + shift) % 10) + text[position + 1 :]
    with pytest.raises(InvalidPan, match="check digit"):
        Pan.from_string(changed)


@given(
    iin=st.from_regex(r"[0-9]{6}", fullmatch=True), drn=st.from_regex(r"[0-9]{11}", fullmatch=True)
)
def test_constructed_pan_round_trips_through_its_string(iin: str, drn: str) -> None:
    pan = Pan(iin, drn)
    assert Pan.from_string(str(pan)) == pan


@pytest.mark.parametrize(
    "text",
    ["60072700000000000", "6007270000000000090", "60072700000000000x", "", 600727000000000009],
)
def test_malformed_pan_is_refused(text: object) -> None:
    with pytest.raises(InvalidPan):
        Pan.from_string(text)  # type: ignore[arg-type]


def test_thirteen_digit_drn_needs_iin_0000() -> None:
    assert str(Pan("0000", "1234567810234")).startswith("00001234567810234")
    with pytest.raises(InvalidPan, match="0000"):
        Pan("1234", "1234567810234")
    with pytest.raises(InvalidPan):
        Pan("600727", "123")


# --- Meter key data -------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"supply_group": "12345"},
        {"supply_group": "12345a"},
        {"tariff_index": "1"},
        {"key_type": 4},
        {"key_type": -1},
        {"key_revision": 0},
        {"key_revision": 10},
        {"key_expiry_number": 256},
        {"base_date": 2000},
        {"pan": "600727000000000009"},
    ],
)
def test_out_of_range_meter_key_data_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidParameter):
        meter(**changes)


def test_meter_key_data_normalises_enums() -> None:
    data = meter(key_type=3, base_date=2014)
    assert data.key_type is KeyType.DCTK
    assert data.base_date is BaseDate.Y2014


@pytest.mark.parametrize("base_date", list(BaseDate))
def test_base_date_epoch_is_utc_midnight_new_year(base_date: BaseDate) -> None:
    assert base_date.epoch == datetime(int(base_date), 1, 1, tzinfo=UTC)
    assert base_date.short_code == str(int(base_date))[2:]


@pytest.mark.parametrize(("iin", "drn", "key_type", "expected"), PAN_BLOCKS)
def test_pan_block_matches_published_values(
    iin: str, drn: str, key_type: int, expected: str
) -> None:
    pan = Pan(iin, drn)
    assert pan_block(pan, key_type) == int(expected, 16)


@pytest.mark.parametrize(("key_type", "sgc", "ti", "krn", "expected"), CONTROL_BLOCKS)
def test_control_block_matches_published_values(
    key_type: int, sgc: str, ti: str, krn: int, expected: str
) -> None:
    data = meter(key_type=key_type, supply_group=sgc, tariff_index=ti, key_revision=krn)
    assert control_block(data) == int(expected, 16)


# --- Decoder keys against the STS compliance tokens -----------------------------------


def decoder_key_for(case: ComplianceToken) -> bytes:
    data = MeterKeyData(
        pan=Pan.from_string(case.pan),
        supply_group=case.supply_group,
        tariff_index=case.tariff_index,
        key_type=case.key_type,
        key_revision=case.key_revision,
        base_date=case.base_date,
    )
    return derive_decoder_key(
        vending_key=bytes.fromhex(case.vending_key),
        algorithm=case.dkga,
        meter=data,
        encryption=case.encryption,
    )


def expected_block(case: ComplianceToken) -> int:
    """The data block the compliance case describes, CRC computed over its fields."""
    tid = int((case.issued - case.base_date.epoch.replace(tzinfo=None)).total_seconds()) // 60
    without_crc = case.subclass << 60 | case.random << 56 | tid << 32 | case.data << 16
    return without_crc | sts_crc16(case.token_class, without_crc)


@pytest.mark.parametrize("case", COMPLIANCE_TOKENS, ids=lambda case: case.token)
def test_compliance_token_decrypts_under_the_derived_key(case: ComplianceToken) -> None:
    token_class, encrypted = split_token(case.token)
    cipher = cipher_for(case.encryption, decoder_key_for(case))
    assert token_class == case.token_class
    assert cipher.decrypt(encrypted) == expected_block(case)
    assert cipher.encrypt(expected_block(case)) == encrypted


@pytest.mark.parametrize(("encryption", "length"), [(STA, 8), (MISTY1, 16), (None, 8)])
def test_dkga04_key_length_follows_the_encryption_algorithm(
    encryption: EncryptionAlgorithm | None, length: int
) -> None:
    key = derive_decoder_key(
        vending_key=bytes(range(20)), algorithm=DKGA04, meter=meter(), encryption=encryption
    )
    assert len(key) == length


def test_dkga04_key_depends_on_the_encryption_algorithm() -> None:
    def derive(encryption: EncryptionAlgorithm) -> bytes:
        return derive_decoder_key(
            vending_key=bytes(range(20)), algorithm=DKGA04, meter=meter(), encryption=encryption
        )

    assert derive(MISTY1)[:8] != derive(STA)


@pytest.mark.parametrize("encryption", [None, STA, DEA])
def test_dkga02_gives_an_8_byte_key(encryption: EncryptionAlgorithm | None) -> None:
    key = derive_decoder_key(
        vending_key=bytes.fromhex("abababababababab"),
        algorithm=DKGA02,
        meter=meter(),
        encryption=encryption,
    )
    assert len(key) == 8


@pytest.mark.parametrize(("algorithm", "encryption"), [(DKGA02, MISTY1), (DKGA04, DEA)])
def test_unsupported_algorithm_pairs_are_refused(
    algorithm: KeyGenerationAlgorithm, encryption: EncryptionAlgorithm
) -> None:
    vending_key = bytes(8 if algorithm is DKGA02 else 20)
    with pytest.raises(InvalidParameter):
        derive_decoder_key(
            vending_key=vending_key, algorithm=algorithm, meter=meter(), encryption=encryption
        )


@pytest.mark.parametrize(("algorithm", "expected"), [(DKGA02, 8), (DKGA04, 20)])
@given(length=st.integers(min_value=0, max_value=40))
def test_wrong_vending_key_length_raises_invalid_key(
    algorithm: KeyGenerationAlgorithm, expected: int, length: int
) -> None:
    assume(length != expected)
    secret = bytes([0x5A] * length)
    with pytest.raises(InvalidKey) as raised:
        derive_decoder_key(vending_key=secret, algorithm=algorithm, meter=meter())
    message = str(raised.value)
    assert f"{expected} bytes" in message
    assert f"but {length} bytes" in message
    assert "5a5a" not in message.lower()


def test_weak_dkga02_vending_key_is_refused() -> None:
    with pytest.raises(InvalidKey, match="weak"):
        derive_decoder_key(vending_key=bytes(8), algorithm=DKGA02, meter=meter())


def test_changing_any_meter_field_changes_the_dkga02_key() -> None:
    def derive(data: MeterKeyData) -> bytes:
        return derive_decoder_key(
            vending_key=bytes.fromhex("abababababababab"), algorithm=DKGA02, meter=data
        )

    base = derive(meter())
    for changes in (
        {"pan": Pan.from_string("000001000000000082")},
        {"supply_group": "123457"},
        {"tariff_index": "02"},
        {"key_type": 1},
        {"key_revision": 2},
    ):
        assert not keys_equal(derive(meter(**changes)), base), changes


# --- Hex keys -------------------------------------------------------------------------


def test_key_from_hex_accepts_spaced_hex() -> None:
    assert key_from_hex("ab ab ab ab ab ab ab ab", 8) == bytes([0xAB] * 8)


@pytest.mark.parametrize(("text", "length"), [("zz" * 8, 8), ("abcdef", 8), ("ab" * 16, 8)])
def test_key_from_hex_refuses_bad_input_without_echoing_it(text: str, length: int) -> None:
    with pytest.raises(InvalidKey) as raised:
        key_from_hex(text, length)
    assert text not in str(raised.value)
