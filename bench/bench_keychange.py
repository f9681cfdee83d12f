"""Benchmark of a KRN-2 campaign: KCTs for N old-key prepaid meters into the Bank KCT.

Run:  .venv/bin/python bench/bench_keychange.py [--meters 10000] [--baseline-meters 2000]
      [--database-url postgres://postgres@127.0.0.1:5432/meterops_bench_keychange]

In a fresh PostgreSQL database (dropped and created here, migrated) it builds one UID with a
UP3 and two ULPs, the test vending keys, and N prepaid customers with old-key meters, then:

- the real path: ``keychange.services.generate_campaign`` over all N meters (set-based:
  KCTs derived with a ``DecoderKeyCache``, then bulk inserts of processes, events, targets
  and Bank KCT rows, in batches);
- baseline, after emptying what the real run wrote: the obvious per-meter ORM loop over
  ``--baseline-meters`` meters: ``core.services.open_process`` per customer, the decoder
  keys derived without a cache, one ``CampaignTarget`` and one ``KeyChangeToken`` saved each.

Both are reported as meters/s and the ratio; the time the real path spends in the STS
engine alone (KCTs for the same meters, no database) is printed beside it.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

from benchdb import throwaway_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/meterops_bench_keychange"


def build_fixture(count: int):
    from meterops.core.choices import RoleCode, UnitLevel
    from meterops.core.models import Role, Unit, User
    from meterops.customers.choices import PaymentMode
    from meterops.customers.models import Customer, Meter
    from meterops.vending.demo import store_test_keys

    Role.objects.bulk_create([Role(code=c) for c in RoleCode.values], ignore_conflicts=True)
    region = Unit.objects.create(code="90000", name="UID BENCH", level=UnitLevel.REGION)
    area = Unit.objects.create(code="91000", name="UP3 BENCH", level=UnitLevel.AREA, parent=region)
    units = [
        Unit.objects.create(code=f"9100{i}", name=f"ULP BENCH {i}", parent=area) for i in (1, 2)
    ]
    store_test_keys(region)
    planner = User.objects.create(username="bench", unit=area)
    planner.roles.set([RoleCode.UNIT_ADMIN])
    customers = Customer.objects.bulk_create(
        [
            Customer(
                customer_id=f"{units[i % 2].code}{i:07d}",
                unit=units[i % 2],
                name=f"PELANGGAN {i}",
                tariff="R1",
                power_va=1300,
                payment_mode=PaymentMode.PREPAID,
            )
            for i in range(count)
        ],
        batch_size=5000,
    )
    Meter.objects.bulk_create(
        [
            Meter(
                customer=c,
                brand="HEXING",
                meter_number=f"45{i:09d}",
                supply_group="600001",
                tariff_index="01",
                vkrn=41,
                key_revision=1,
                key_type=2,
            )
            for i, c in enumerate(customers)
        ],
        batch_size=5000,
    )
    return SimpleNamespace(area=area, planner=planner)


def empty_campaigns() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE keychange_keychangetoken, keychange_campaigntarget, keychange_campaign, "
            "core_processevent, core_process RESTART IDENTITY CASCADE"
        )


def real_run(fixture) -> tuple[float, int]:
    from meterops.keychange.services import CampaignFilter, generate_campaign

    started = time.perf_counter()
    campaign = generate_campaign(
        actor=fixture.planner, unit=fixture.area, name="bench", where=CampaignFilter()
    )
    return time.perf_counter() - started, campaign.targets.count()


def engine_only(fixture, count: int) -> float:
    """The STS share: KCTs for the same meters, no database."""
    from meterops import sts
    from meterops.vending.keys import key_change_tokens_for, upgrade_pair_for

    pair = upgrade_pair_for(fixture.area, 41)
    cache = sts.DecoderKeyCache(maxsize=4000)
    meters = [
        SimpleNamespace(
            meter_number=f"45{i:09d}", supply_group="600001", tariff_index="01", key_type=2
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    for meter in meters:
        key_change_tokens_for(meter, pair, cache)
    return time.perf_counter() - started


def baseline_run(fixture, count: int) -> float:
    """Per meter: open_process, keys derived afresh, target and KCT saved one by one."""
    from django.db import transaction
    from django.utils import timezone

    from meterops import sts
    from meterops.core.services import open_process
    from meterops.customers.models import Meter
    from meterops.keychange.models import Campaign, CampaignTarget, KeyChangeToken
    from meterops.vending.keys import upgrade_pair_for

    started = time.perf_counter()
    with transaction.atomic():
        pair = upgrade_pair_for(fixture.area, 41)
        campaign = Campaign.objects.create(
            unit=fixture.area, name="naive", created_by=fixture.planner
        )
        meters = Meter.objects.filter(vkrn=41).select_related("customer")[:count]
        for meter in meters:
            process = open_process(
                customer=meter.customer,
                domain="keychange",
                kind="Upgrade KRN-2 (KCT)",
                reference=meter.meter_number,
                state="generated",
                actor=fixture.planner,
            )
            old = sts.derive_decoder_key(
                vending_key=pair.old.material,
                algorithm=sts.KeyGenerationAlgorithm(pair.old.algorithm),
                meter=pair.old.key_data(meter),
            )
            new = sts.derive_decoder_key(
                vending_key=pair.new.material,
                algorithm=sts.KeyGenerationAlgorithm(pair.new.algorithm),
                meter=pair.new.key_data(meter),
                encryption=sts.EncryptionAlgorithm.STA,
            )
            codec = sts.TokenCodec(old, sts.EncryptionAlgorithm.STA, sts.BaseDate.Y1993)
            change = sts.KeyChange(new, 2, 2, 1, rollover=True, supply_group=meter.supply_group)
            first, second = sts.key_change_tokens(codec, change)
            target = CampaignTarget.objects.create(
                campaign=campaign,
                process=process,
                customer=meter.customer,
                meter=meter,
                unit_id=meter.customer.unit_id,
            )
            KeyChangeToken.objects.create(
                target=target,
                token_1=first,
                token_2=second,
                from_vkrn=41,
                to_vkrn=43,
                supply_group=meter.supply_group,
                tariff_index=meter.tariff_index,
                key_type=2,
                from_key_revision=1,
                to_key_revision=2,
                generated_at=timezone.now(),
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--baseline-meters", type=int, default=2_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    with throwaway_database(args.database_url):
        fixture = build_fixture(args.meters)
        real_seconds, made = real_run(fixture)
        sts_seconds = engine_only(fixture, args.meters)
        empty_campaigns()
        naive_seconds = baseline_run(fixture, args.baseline_meters)
    real_rate, naive_rate = made / real_seconds, args.baseline_meters / naive_seconds
    print(
        f"campaign (set-based): {made} meters in {real_seconds:.2f} s = {real_rate:,.0f} meters/s"
    )
    print(f"  of which STS engine alone: {sts_seconds:.2f} s")
    print(
        f"baseline (per-meter ORM): {args.baseline_meters} meters in {naive_seconds:.2f} s "
        f"= {naive_rate:,.0f} meters/s"
    )
    print(f"ratio: {real_rate / naive_rate:.1f}x")


if __name__ == "__main__":
    main()
