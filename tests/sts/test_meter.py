"""The virtual meter: credit, TID store, management tokens and key changes."""

import copy
from datetime import datetime, timedelta

import pytest

from meterops.sts.ciphers import EncryptionAlgorithm
from meterops.sts.classes import (
    ClearCredit,
    ClearTamperCondition,
    CreditType,
    DecoderKeySection3,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
)
from meterops.sts.engine import KeyChange, TokenCodec, credit_token, key_change_tokens
from meterops.sts.engine import meter_test_token as class_1_token
from meterops.sts.errors import TokenRejected
from meterops.sts.keys import BaseDate
from meterops.sts.meter import TID_STORE_SIZE, RejectionReason, VirtualMeter
from meterops.sts.meter_state import from_json_dict, load_meter, save_meter, to_json_dict

OLD_KEY = bytes.fromhex("e653341f9d5bf36f")
NEW_KEY = bytes.fromhex("0abc12def3456789")
START = datetime(2021, 1, 26, 6, 19)


def make_meter(**overrides) -> VirtualMeter:
    settings = {
        "decoder_key": OLD_KEY,
        "encryption": EncryptionAlgorithm.STA,
        "base_date": BaseDate.Y1993,
        "key_revision": 1,
        "tariff_index": 1,
    }
    return VirtualMeter(**(settings | overrides))


def old_codec() -> TokenCodec:
    return TokenCodec(OLD_KEY, EncryptionAlgorithm.STA, BaseDate.Y1993)


def new_codec(base_date=BaseDate.Y1993) -> TokenCodec:
    return TokenCodec(NEW_KEY, EncryptionAlgorithm.STA, base_date)


def credit(codec, minutes=0, quantity="20", **options) -> str:
    return credit_token(
        codec, quantity=quantity, issued=START + timedelta(minutes=minutes), rnd=1, **options
    )


def kct(rollover=False):
    change = KeyChange(NEW_KEY, key_revision=2, key_type=2, tariff_index=1, rollover=rollover)
    return key_change_tokens(old_codec(), change)


def rejected(meter: VirtualMeter, token: str) -> RejectionReason:
    before = copy.deepcopy(meter)
    with pytest.raises(TokenRejected) as caught:
        meter.enter(token)
    assert meter == before, "a rejected token must not change the meter"
    return caught.value.reason


class TestCredit:
    def test_credit_is_added(self):
        meter = make_meter()
        accepted = meter.enter(credit(old_codec(), quantity="20.5"))
        assert meter.credit[CreditType.ELECTRICITY] == 205
        assert accepted.effect == "Added 20.5 electricity credit."

    def test_credits_add_up(self):
        meter = make_meter()
        meter.enter(credit(old_codec(), 0, "1"))
        meter.enter(credit(old_codec(), 1, "2"))
        assert meter.credit[CreditType.ELECTRICITY] == 30

    def test_same_token_twice_is_refused_as_used(self):
        meter = make_meter()
        token = credit(old_codec())
        meter.enter(token)
        assert rejected(meter, token) is RejectionReason.USED

    def test_mistyped_token_is_refused_by_its_crc(self):
        token = credit(old_codec())
        typo = token[:-1] + str((int(token[-1]) + 1) % 10)
        assert rejected(make_meter(), typo) in {RejectionReason.KEY, RejectionReason.UNKNOWN_TYPE}

    def test_water_credit_on_an_electricity_meter_is_refused(self):
        token = credit(old_codec(), credit_type=CreditType.WATER)
        assert rejected(make_meter(), token) is RejectionReason.WRONG_UTILITY

    def test_not_a_token_is_a_format_rejection(self):
        assert rejected(make_meter(), "12345") is RejectionReason.FORMAT


class TestTidStore:
    def test_keeps_the_standard_window(self):
        meter = make_meter()
        for minute in range(TID_STORE_SIZE + 5):
            meter.enter(credit(old_codec(), minute, "0.1"))
        assert len(meter.tid_store) == TID_STORE_SIZE == 50

    def test_token_older_than_the_oldest_kept_is_refused_as_old(self):
        meter = make_meter()
        oldest = credit(old_codec(), 0, "0.1")
        for minute in range(1, TID_STORE_SIZE + 1):
            meter.enter(credit(old_codec(), minute, "0.1"))
        assert rejected(meter, oldest) is RejectionReason.OLD

    def test_older_token_is_accepted_while_the_store_has_room(self):
        meter = make_meter()
        meter.enter(credit(old_codec(), 10))
        meter.enter(credit(old_codec(), 5))
        assert meter.credit[CreditType.ELECTRICITY] == 400

    def test_a_new_meter_refuses_tokens_from_before_it_was_made(self):
        meter = VirtualMeter.manufactured(
            START,
            decoder_key=OLD_KEY,
            encryption=EncryptionAlgorithm.STA,
            base_date=BaseDate.Y1993,
            key_revision=1,
            tariff_index=1,
        )
        assert rejected(meter, credit(old_codec(), -60)) is RejectionReason.OLD
        meter.enter(credit(old_codec(), 60))

    def test_class_1_tokens_use_no_tid(self):
        meter = make_meter()
        meter.enter(class_1_token(1))
        meter.enter(class_1_token(1))
        assert meter.tid_store == []


class TestManagement:
    @pytest.mark.parametrize(
        ("fields", "attribute", "value"),
        [
            (SetMaximumPowerLimit(tid=1, rnd=0, watts=1300), "maximum_power_limit", 1300),
            (
                SetMaximumPhasePowerUnbalanceLimit(tid=2, rnd=0, watts=500),
                "maximum_phase_unbalance",
                500,
            ),
            (SetTariffRate(tid=3, rnd=0, rate=1444), "tariff_rate", 1444),
            (SetWaterMeterFactor(tid=4, rnd=0, factor=7), "water_meter_factor", 7),
        ],
    )
    def test_settings_are_stored(self, fields, attribute, value):
        meter = make_meter()
        meter.enter(old_codec().encode(fields))
        assert getattr(meter, attribute) == value

    def test_clear_tamper(self):
        meter = make_meter(tamper=True)
        meter.enter(old_codec().encode(ClearTamperCondition(tid=1, rnd=0)))
        assert meter.tamper is False

    def test_clear_one_register_keeps_the_others(self):
        meter = make_meter(credit={CreditType.ELECTRICITY: 5, CreditType.ELECTRICITY_CURRENCY: 9})
        meter.enter(old_codec().encode(ClearCredit(tid=1, rnd=0, register=0)))
        assert meter.credit == {CreditType.ELECTRICITY_CURRENCY: 9}

    def test_clear_all_registers(self):
        meter = make_meter(credit={CreditType.ELECTRICITY: 5, CreditType.ELECTRICITY_CURRENCY: 9})
        meter.enter(old_codec().encode(ClearCredit(tid=1, rnd=0)))
        assert meter.credit == {}


class TestKeyChange:
    def test_full_kct_moves_the_meter_to_the_new_key(self):
        meter = make_meter()
        first, second = kct()
        meter.enter(first)
        accepted = meter.enter(second)
        assert meter.has_key(NEW_KEY) and meter.key_revision == 2
        assert "KRN 2" in accepted.effect
        meter.enter(credit(new_codec()))

    def test_old_krn_token_is_refused_after_the_key_change(self):
        # SOP KRN-2: a token bought before the update (old VKRN) no longer enters.
        meter = make_meter()
        bought_before_update = credit(old_codec(), 0)
        for token in kct():
            meter.enter(token)
        assert rejected(meter, bought_before_update) is RejectionReason.KEY

    def test_half_entered_kct_keeps_the_old_key(self):
        meter = make_meter()
        meter.enter(kct()[0])
        assert meter.key_change_pending and meter.has_key(OLD_KEY)
        assert rejected(meter, credit(new_codec())) is RejectionReason.KEY
        meter.enter(credit(old_codec()))

    def test_kct_confirmed_but_never_entered(self):
        # SOP KRN-2 human error: "berhasil" confirmed, but the meter still has KRN 1,
        # so every token sold with the new key is refused.
        assert rejected(make_meter(), credit(new_codec())) is RejectionReason.KEY

    def test_sections_may_come_in_either_order(self):
        meter = make_meter()
        first, second = kct()
        meter.enter(second)
        meter.enter(first)
        assert meter.has_key(NEW_KEY)

    def test_kct_cannot_be_replayed_after_the_change(self):
        meter = make_meter()
        first, second = kct()
        meter.enter(first)
        meter.enter(second)
        assert rejected(meter, first) is RejectionReason.KEY

    def test_rollover_moves_to_the_next_base_date_and_empties_the_tid_store(self):
        meter = make_meter()
        meter.enter(credit(old_codec()))
        for token in kct(rollover=True):
            meter.enter(token)
        assert meter.base_date is BaseDate.Y2014 and meter.tid_store == []
        meter.enter(credit(new_codec(BaseDate.Y2014)))

    def test_rollover_past_2035_is_refused(self):
        meter = make_meter(base_date=BaseDate.Y2035)
        codec = TokenCodec(OLD_KEY, EncryptionAlgorithm.STA, BaseDate.Y2035)
        change = KeyChange(NEW_KEY, 2, 2, 1, rollover=True)
        first, second = key_change_tokens(codec, change)
        meter.enter(first)
        assert rejected(meter, second) is RejectionReason.KEY_CHANGE
        assert meter.has_key(OLD_KEY)

    def test_128_bit_key_needs_four_sections(self):
        old_key, new_key = bytes(range(16)), bytes(range(16, 32))
        meter = make_meter(decoder_key=old_key, encryption=EncryptionAlgorithm.MISTY1)
        codec = TokenCodec(old_key, EncryptionAlgorithm.MISTY1, BaseDate.Y1993)
        tokens = key_change_tokens(codec, KeyChange(new_key, 3, 2, 7, supply_group="123457"))
        for token in tokens[:3]:
            meter.enter(token)
        assert meter.has_key(old_key) and meter.key_change_pending
        meter.enter(tokens[3])
        assert meter.has_key(new_key)
        assert (meter.supply_group, meter.tariff_index, meter.key_revision) == ("123457", 7, 3)

    def test_section_3_on_a_64_bit_meter_is_refused(self):
        token = old_codec().encode(DecoderKeySection3(supply_group_part=1, key_part=2))
        assert rejected(make_meter(), token) is RejectionReason.KEY_CHANGE


class TestState:
    def test_json_round_trip_keeps_everything(self):
        meter = make_meter(tamper=True, maximum_power_limit=900)
        meter.enter(credit(old_codec()))
        meter.enter(kct()[0])
        assert from_json_dict(to_json_dict(meter)) == meter

    def test_file_round_trip(self, tmp_path):
        meter = make_meter()
        save_meter(tmp_path / "meter.json", meter)
        assert load_meter(tmp_path / "meter.json") == meter

    def test_repr_hides_the_key(self):
        assert OLD_KEY.hex() not in repr(make_meter())
