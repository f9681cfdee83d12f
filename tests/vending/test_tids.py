"""Every token made for a meter is one the meter accepts (issue #18).

A meter keeps the TIDs it has seen and refuses a repeat (IEC 62055-41, 6.3.5). Before issue
#18 two sales to one meter in the same minute got the same TID: the customer paid twice and the
meter took one credit. Now each token takes the meter's next free minute, for every kind of
token, and under concurrency.
"""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from freezegun import freeze_time

from meterops import sts
from meterops.complaints.choices import PowerState
from meterops.complaints.services import handle_token_call, issue_replacement_token
from meterops.core.choices import RoleCode
from meterops.customers.choices import PaymentMode
from meterops.keychange.choices import ZeroTokenAnswer
from meterops.keychange.services import assign_targets, confirm_by_zero_token, issue_zero_token
from meterops.prepaid.services import vend_token
from meterops.vending.keys import key_for_vkrn, upgrade_pair_for
from meterops.vending.models import TidCounter
from meterops.vending.tids import reserve_issue_times
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter, prepare_keys
from tests.prepaid.builders import make_fee

NOW = datetime(2024, 6, 1, 3, 0, 5, tzinfo=UTC)  # base date 1993 still in range
MADE = datetime(2020, 1, 1, tzinfo=UTC)


def simulated(meter, key) -> sts.VirtualMeter:
    """The meter in the field, holding ``key``, its TID store filled on its day of manufacture."""
    codec = key.codec(meter, sts.DecoderKeyCache())
    return sts.VirtualMeter.manufactured(
        MADE,
        decoder_key=codec.decoder_key,
        encryption=codec.encryption,
        base_date=codec.base_date,
        key_revision=key.key_revision,
        tariff_index=int(meter.tariff_index),
        supply_group=meter.supply_group,
    )


def tid_of(meter, key, token: str) -> int:
    issued = key.codec(meter, sts.DecoderKeyCache()).decode(token).issued
    return sts.tid_for(issued, sts.BaseDate(key.base_date))


def sell(meter, reference: str, actor=None) -> str:
    sale, _created = vend_token(
        meter_number=meter.meter_number,
        amount=Decimal("50000"),
        channel="LOKET" if actor else "BANK-X",
        reference=reference,
        actor=actor,
    )
    return sale.token


@pytest.fixture
def new_key_meter(cast):
    prepare_keys(cast)
    make_fee(tariff="R1", power_va=1300)
    customer = CustomerFactory(unit=cast.sp_a, payment_mode=PaymentMode.PREPAID)
    return MeterFactory(
        customer=customer,
        meter_number="45012345678",
        supply_group="600001",
        tariff_index="01",
        vkrn=43,
        key_revision=2,
        key_type=2,
    )


class SameMinuteTests:
    def test_ten_sales_in_one_minute_are_all_accepted_in_order(self, cast, new_key_meter):
        key = key_for_vkrn(cast.sp_a, 43)
        field = simulated(new_key_meter, key)
        with freeze_time(NOW):
            tokens = [sell(new_key_meter, f"LK-{n}", cast.supervisor) for n in range(10)]
        for token in tokens:
            field.enter(token)  # raises TokenRejected on a repeated or old TID
        tids = [tid_of(new_key_meter, key, t) for t in tokens]
        assert tids == list(range(tids[0], tids[0] + 10))
        assert tids[0] == sts.tid_for(NOW, sts.BaseDate(key.base_date))
        one = key.codec(new_key_meter, sts.DecoderKeyCache()).decode(tokens[0]).fields.amount
        assert sum(field.credit.values()) == 10 * one

    def test_a_later_minute_starts_from_the_clock_again(self, cast, new_key_meter):
        key = key_for_vkrn(cast.sp_a, 43)
        with freeze_time(NOW):
            first = [sell(new_key_meter, f"LK-{n}", cast.supervisor) for n in range(3)]
        with freeze_time(datetime(2024, 6, 1, 4, 0, tzinfo=UTC)):
            later = sell(new_key_meter, "LK-LATER", cast.supervisor)
        assert tid_of(new_key_meter, key, later) == sts.tid_for(
            datetime(2024, 6, 1, 4, 0), sts.BaseDate(key.base_date)
        )
        assert tid_of(new_key_meter, key, first[-1]) < tid_of(new_key_meter, key, later)

    def test_a_batch_reserves_per_meter_and_base_date_in_one_statement(self, db):
        wanted = [("111", 2014), ("222", 2014), ("111", 2014), ("111", 1993)]
        times = reserve_issue_times(wanted, at=NOW)
        tids = {k: [sts.tid_for(t, sts.BaseDate(k[1])) for t in v] for k, v in times.items()}
        floor = sts.tid_for(NOW, sts.BaseDate(2014))
        assert tids[("111", 2014)] == [floor, floor + 1]
        assert tids[("222", 2014)] == [floor]
        assert tids[("111", 1993)] == [sts.tid_for(NOW, sts.BaseDate(1993))]
        again = reserve_issue_times([("111", 2014)], at=NOW)
        assert sts.tid_for(again[("111", 2014)][0], sts.BaseDate(2014)) == floor + 2
        assert TidCounter.objects.get(meter_number="111", base_date=2014).tokens == 3


class EveryKindOnOneMeterTests:
    def test_sales_kcts_test_token_and_replacement_all_enter_one_vkrn_42_meter(self, cast):
        """Seed 003 on one meter within one minute: old-key sales, the Bank KCT pair, the 0 kWh
        test token, new-key sales and the call centre's replacement of a lost old-key token."""
        meter = old_key_meter(cast.sp_a, vkrn=42, key_revision=2)
        prepare_keys(cast)
        make_fee(tariff=meter.customer.tariff, power_va=meter.customer.power_va)
        agent = UserFactory(username="cso.uid", unit=cast.region, roles=[RoleCode.CALL_CENTRE])
        pair = upgrade_pair_for(cast.sp_a, 42)
        field = simulated(meter, pair.old)
        with freeze_time(NOW):
            old_sales = [sell(meter, f"OLD-{n}", cast.supervisor) for n in range(3)]
            for token in old_sales[:2]:
                field.enter(token)
            lost = old_sales[2]  # bought before the upgrade, never entered
            target = campaign_with(cast, [meter]).targets.get()
            assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
            kct = issue_zero_token(actor=cast.officer, target=target)
            for token in kct.tokens:
                field.enter(token)
            field.enter(kct.test_token)
            confirm_by_zero_token(
                actor=cast.officer, target=target, answer=ZeroTokenAnswer.ACCEPTED
            )
            new_sales = [sell(meter, f"NEW-{n}") for n in range(3)]
            ticket = handle_token_call(
                actor=agent,
                customer=meter.customer,
                right_token=True,
                officer_visited=True,
                power_state=PowerState.OFF,
                token=lost,
            )
            replacement = issue_replacement_token(actor=agent, call=ticket.call)
        for token in [*new_sales, replacement.token]:
            field.enter(token)
        meter.refresh_from_db()
        assert (meter.vkrn, field.base_date) == (43, sts.BaseDate.Y2014)
        new_tids = [
            tid_of(meter, pair.new, t) for t in [kct.test_token, *new_sales, replacement.token]
        ]
        assert new_tids == sorted(set(new_tids))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_counters_selling_to_one_meter_at_once_get_two_accepted_tokens(cast, new_key_meter):
    """Two sales at the same moment on PostgreSQL: the counter row orders them."""
    barrier, tokens, failures = threading.Barrier(4), [], []

    def counter(n: int) -> None:
        try:
            barrier.wait()
            tokens.append(sell(new_key_meter, f"C{n}", cast.supervisor))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(4)]
    with freeze_time(NOW):  # one frozen clock for every thread: all four in the same minute
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures
    key = key_for_vkrn(cast.sp_a, 43)
    tids = sorted(tid_of(new_key_meter, key, t) for t in tokens)
    assert len(set(tids)) == 4
    field = simulated(new_key_meter, key)
    for token in sorted(tokens, key=lambda t: tid_of(new_key_meter, key, t)):
        field.enter(token)
