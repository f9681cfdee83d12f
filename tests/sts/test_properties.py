"""Properties that must hold for every token, class and algorithm (Hypothesis)."""

import copy

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meterops.sts.ciphers import EncryptionAlgorithm, is_weak_des_key
from meterops.sts.classes import (
    ClearCredit,
    ClearTamperCondition,
    CreditType,
    DecoderKeySection1,
    DecoderKeySection2,
    DecoderKeySection3,
    DecoderKeySection4,
    MeterTestDisplay,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TransferCredit,
)
from meterops.sts.engine import TokenCodec
from meterops.sts.errors import StsError, TokenRejected
from meterops.sts.keys import BaseDate
from meterops.sts.meter import VirtualMeter
from meterops.sts.tokendata import MAX_TID, MAX_TRANSFER_AMOUNT, decode_amount

PROPERTY_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

tids = st.integers(0, MAX_TID)
rnds = st.integers(0, 15)
words = st.integers(0, 0xFFFF)
amounts = st.integers(0, 0xFFFF).map(decode_amount)
key_bits = st.integers(0, 0xFFFFFFFF)

token_fields = st.one_of(
    st.builds(TransferCredit, st.sampled_from(CreditType), amounts, tids, rnds),
    st.builds(MeterTestDisplay, st.integers(0, (1 << 36) - 1), st.integers(0, 255)),
    st.builds(MeterTestDisplay, st.integers(0, (1 << 28) - 1), words, st.just(True)),
    st.builds(SetMaximumPowerLimit, tid=tids, rnd=rnds, watts=amounts),
    st.builds(SetMaximumPhasePowerUnbalanceLimit, tid=tids, rnd=rnds, watts=amounts),
    st.builds(ClearCredit, tid=tids, rnd=rnds, register=words),
    st.builds(SetTariffRate, tid=tids, rnd=rnds, rate=words),
    st.builds(ClearTamperCondition, tid=tids, rnd=rnds, pad=words),
    st.builds(SetWaterMeterFactor, tid=tids, rnd=rnds, factor=words),
    st.builds(
        DecoderKeySection1,
        key_revision=st.integers(0, 15),
        key_type=st.integers(0, 3),
        rollover=st.booleans(),
        key_high=key_bits,
        key_expiry_high=st.integers(0, 15),
    ),
    st.builds(
        DecoderKeySection2,
        tariff_index=st.integers(0, 255),
        key_low=key_bits,
        key_expiry_low=st.integers(0, 15),
    ),
    st.builds(DecoderKeySection3, supply_group_part=st.integers(0, 4095), key_part=key_bits),
    st.builds(DecoderKeySection4, supply_group_part=st.integers(0, 4095), key_part=key_bits),
)


@st.composite
def codecs(draw) -> TokenCodec:
    encryption = draw(st.sampled_from(EncryptionAlgorithm))
    key = draw(st.binary(min_size=encryption.key_length, max_size=encryption.key_length))
    assume(encryption is EncryptionAlgorithm.MISTY1 or not is_weak_des_key(key))
    return TokenCodec(key, encryption, draw(st.sampled_from(BaseDate)))


@PROPERTY_SETTINGS
@given(codec=codecs(), fields=token_fields)
def test_decode_inverts_generate_for_every_class_and_algorithm(codec, fields):
    token = codec.encode(fields)
    assert len(token) == 20 and token.isdigit()
    assert codec.decode(token).fields == fields


def _change_one_digit(token: str, position: int, shift: int) -> str:
    digit = (int(token[position]) + shift) % 10
    return token[:position] + str(digit) + token[position + 1 :]


@PROPERTY_SETTINGS
@given(
    codec=codecs(),
    amount=st.integers(1, MAX_TRANSFER_AMOUNT),
    tid=tids,
    position=st.integers(0, 19),
    shift=st.integers(1, 9),
)
def test_a_token_with_one_digit_changed_is_rejected_and_never_applied(
    codec, amount, tid, position, shift
):
    token = codec.encode(TransferCredit(CreditType.ELECTRICITY, amount, tid, 3))
    typo = _change_one_digit(token, position, shift)
    meter = VirtualMeter(
        decoder_key=codec.decoder_key,
        encryption=codec.encryption,
        base_date=codec.base_date,
        key_revision=1,
        tariff_index=1,
    )
    before = copy.deepcopy(meter)
    try:
        meter.enter(typo)
    except TokenRejected:
        assert meter == before
    else:
        raise AssertionError(f"{typo} (from {token}) was accepted")
    try:
        codec.decode(typo)
    except StsError:
        pass
    else:
        raise AssertionError(f"{typo} decoded")


@PROPERTY_SETTINGS
@given(
    entries=st.lists(st.tuples(st.integers(0, 80), rnds), min_size=1, max_size=120),
)
def test_the_meter_never_accepts_a_tid_twice(entries):
    codec = TokenCodec(bytes.fromhex("0abc12def3456789"), EncryptionAlgorithm.STA, BaseDate.Y2014)
    meter = VirtualMeter(
        decoder_key=codec.decoder_key,
        encryption=codec.encryption,
        base_date=codec.base_date,
        key_revision=1,
        tariff_index=1,
        tid_store_size=10,
    )
    accepted: list[int] = []
    for tid, rnd in entries:
        try:
            meter.enter(codec.encode(TransferCredit(CreditType.ELECTRICITY, 1, tid, rnd)))
        except TokenRejected:
            continue
        assert tid not in accepted
        accepted.append(tid)
    assert meter.credit.get(CreditType.ELECTRICITY, 0) == len(accepted)
