"""Benchmark of prepaid batch work on PostgreSQL: bulk token issue and load-profile ingest.

Run:  .venv/bin/python bench/bench_prepaid.py [--applications 10000] [--baseline-applications 1000]
      [--records 100000] [--baseline-records 10000] [--database-url URL]

In a fresh database (created here, migrated, dropped at the end) it builds a unit, vending keys
and N activated PB applications, each with its own meter from stock whose factory key differs
from the unit's (so every application needs 2 KCTs and a stroom awal token), then times:

1. tokens: ``services.issue_tokens_for`` on all N applications in one batch (the real path:
   set-based UPDATEs of applications and processes, one bulk INSERT of tokens and one of
   events), against a per-row baseline on M other applications in the same run: for each,
   lock the row, make its tokens with the same TokenMaker, save every token with
   ``create()``, run the FSM transition, ``save()`` and ``core.services.advance_process``;
2. load profiles: ``services.import_load_profiles`` of a CSV of R card records (12 months of
   R/12 installed meters, parse + check + one upsert), against a per-row baseline of
   ``update_or_create`` for each of another meter set's records;
3. TIDs (issue #18): ``vending.tids.reserve_issue_times`` for N meters in one call, against one
   call per meter for M other meters, then again for the same N meters (every row a conflict).

It prints seconds, rows per second and the ratio of each pair of rates.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from benchdb import throwaway_database


def build_world():
    """A region with one ULP, an office user, a fee row, a factory key and the unit's key."""
    from meterops.core.choices import RoleCode, UnitLevel
    from meterops.core.models import Role, Unit, User
    from meterops.prepaid.models import FeeSchedule

    region = Unit.objects.create(code="50000", name="UID BENCH", level=UnitLevel.REGION)
    area = Unit.objects.create(code="51000", name="UP3 BENCH", level=UnitLevel.AREA, parent=region)
    ulp = Unit.objects.create(
        code="51001", name="ULP BENCH", level=UnitLevel.SERVICE_POINT, parent=area
    )
    Role.objects.get_or_create(code=RoleCode.SUPERVISOR)
    actor = User.objects.create(username="bench", unit=ulp)
    actor.roles.set([RoleCode.SUPERVISOR])
    FeeSchedule.objects.create(
        tariff="R1T",
        power_va=2200,
        connection_fee=Decimal("1650000"),
        deposit=0,
        initial_credit=Decimal("20000"),
        price_per_kwh=Decimal("1444.70"),
        tariff_index="01",
    )
    from meterops.vending.services import store_vending_key

    keys = ((41, 1, 1993, "ab" * 8), (43, 2, 2014, "0123456789abcdef"))  # TEST keys
    for vkrn, krn, base_date, key_hex in keys:
        store_vending_key(
            actor=None,
            unit=region,
            vkrn=vkrn,
            key_revision=krn,
            algorithm="02",
            encryption="07",
            base_date=base_date,
            key_hex=key_hex,
            is_test_key=True,
            label="bench",
        )
    return ulp, actor


def activated_applications(ulp, count: int, first: int) -> list:
    """``count`` activated PB applications, written set-based (setup, not timed)."""
    from django.utils import timezone

    from meterops.core.models import Process
    from meterops.customers.models import Customer
    from meterops.prepaid.choices import Product, RequestKind, RequestState
    from meterops.prepaid.models import MeterStock, ServiceRequest

    numbers = range(first, first + count)
    customers = Customer.objects.bulk_create(
        [
            Customer(
                customer_id=f"51001{n:07d}",
                unit=ulp,
                name=f"BENCH {n}",
                tariff="R1T",
                power_va=2200,
                payment_mode="prepaid",
            )
            for n in numbers
        ]
    )
    processes = Process.objects.bulk_create(
        [
            Process(
                customer=c,
                unit=ulp,
                domain="prepaid",
                kind="PB",
                reference=f"B{c.customer_id}",
                state=RequestState.ACTIVATED,
            )
            for c in customers
        ]
    )
    stock = MeterStock.objects.bulk_create(
        [
            MeterStock(
                unit=ulp,
                meter_number=f"32{n:09d}",
                brand="ITRON",
                is_nfc=True,
                supply_group="600000",
                tariff_index="01",
                vkrn=41,
                key_revision=1,
            )
            for n in numbers
        ]
    )
    now = timezone.now()
    return ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(
                request_number=f"B{c.customer_id}",
                process=p,
                unit=ulp,
                customer=c,
                kind=RequestKind.NEW_CONNECTION,
                product=Product.PREPAID_NFC,
                applicant_name=c.name,
                address="-",
                tariff="R1T",
                power_va=2200,
                connection_fee=0,
                connection_fee_tax=0,
                deposit=0,
                initial_credit=20000,
                initial_credit_kwh=Decimal("13.5"),
                tariff_index="01",
                state=RequestState.ACTIVATED,
                paid_at=now,
                meter=m,
                activated_at=now,
            )
            for c, p, m in zip(customers, processes, stock, strict=True)
        ],
        batch_size=2000,
    )


def naive_issue(requests, actor) -> None:
    """The per-row way: one transaction, token INSERTs and process update per application."""
    from django.db import transaction
    from django.utils import timezone

    from meterops.core.services import advance_process
    from meterops.prepaid.models import IssuedToken, ServiceRequest
    from meterops.prepaid.tokens import TokenMaker

    maker = TokenMaker()
    for request in requests:
        with transaction.atomic():
            request = (
                ServiceRequest.objects.select_for_update(of=("self",))
                .select_related("unit", "meter", "process")
                .get(pk=request.pk)
            )
            at = timezone.now()
            maker.clock.at = at
            for n, draft in enumerate(maker.drafts_for(request), start=1):
                IssuedToken.objects.create(
                    request=request,
                    sequence=n,
                    kind=draft.kind,
                    token=draft.token,
                    kwh=draft.kwh,
                    issued_at=at,
                )
            request.issue_tokens()
            request.save()
            advance_process(
                process=request.process,
                to_state=request.state,
                verb="prepaid.tokens_issued",
                actor=actor,
            )


def installed_meters(ulp, count: int, first: int) -> list[str]:
    from meterops.customers.models import Customer, Meter

    numbers = range(first, first + count)
    customers = Customer.objects.bulk_create(
        [
            Customer(
                customer_id=f"51001{n:07d}",
                unit=ulp,
                name=f"LP {n}",
                tariff="R1T",
                power_va=2200,
                payment_mode="prepaid",
            )
            for n in numbers
        ]
    )
    Meter.objects.bulk_create(
        [
            Meter(customer=c, brand="ITRON", meter_number=f"33{n:09d}")
            for c, n in zip(customers, numbers, strict=True)
        ]
    )
    return [f"33{n:09d}" for n in numbers]


def card_csv(meters: list[str], records: int) -> bytes:
    lines = ["No Meter;Blth;Stand;Sisa kWh;Tegangan;Status Tamper"]
    for i in range(records):
        meter, month = meters[i // 12], i % 12 + 1
        tamper = 8 if i % 97 == 0 else 0
        lines.append(f"{meter};2025{month:02d};{1000 + 150 * month};{month * 3};220;{tamper}")
    return "\n".join(lines).encode()


def naive_ingest(meters: list[str], records: int) -> None:
    from django.utils import timezone

    from meterops.customers.models import Meter
    from meterops.prepaid.models import LoadProfileRecord

    now = timezone.now()
    for i in range(records):
        meter = Meter.objects.get(meter_number=meters[i // 12], removed_at__isnull=True)
        month = i % 12 + 1
        LoadProfileRecord.objects.update_or_create(
            meter=meter,
            period=f"2025{month:02d}",
            defaults={
                "register_kwh": 1000 + 150 * month,
                "credit_kwh": month * 3,
                "voltage": 220,
                "tamper_status": 0,
                "received_at": now,
            },
        )


def report(label: str, count: int, seconds: float, unit: str) -> float:
    rate = count / seconds
    print(f"{label:<46} {count:>8,} {unit} {seconds:8.2f} s {rate:>10,.0f} {unit}/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--baseline-applications", type=int, default=1_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline-records", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/meterops_bench_prepaid"
    )
    args = parser.parse_args()

    with throwaway_database(args.database_url):
        from meterops.prepaid import services
        from meterops.prepaid.models import IssuedToken, LoadProfileRecord

        ulp, actor = build_world()

        bulk = activated_applications(ulp, args.applications, 1)
        naive = activated_applications(ulp, args.baseline_applications, 1 + args.applications)
        started = time.perf_counter()
        naive_issue(naive, actor)
        naive_rate = report(
            "tokens, per-row baseline", len(naive), time.perf_counter() - started, "applications"
        )
        started = time.perf_counter()
        refused = services.issue_tokens_for(requests=bulk, actor=actor)
        bulk_rate = report(
            "tokens, issue_tokens_for (one batch)",
            len(bulk),
            time.perf_counter() - started,
            "applications",
        )
        assert not refused, refused
        assert IssuedToken.objects.count() == 3 * (len(bulk) + len(naive))
        print(
            f"ratio bulk / per-row: {bulk_rate / naive_rate:.1f}x "
            f"({3 * bulk_rate:,.0f} tokens/s incl. 2 KCTs each)"
        )

        meters = installed_meters(ulp, -(-args.records // 12), 500_000)
        other = installed_meters(ulp, -(-args.baseline_records // 12), 700_000)
        content = card_csv(meters, args.records)
        started = time.perf_counter()
        naive_ingest(other, args.baseline_records)
        naive_rate = report(
            "load profile, per-row update_or_create",
            args.baseline_records,
            time.perf_counter() - started,
            "records",
        )
        started = time.perf_counter()
        stored, errors = services.import_load_profiles(
            name="bench.csv", content=content, actor=actor
        )
        bulk_rate = report(
            "load profile, import_load_profiles (CSV)",
            stored,
            time.perf_counter() - started,
            "records",
        )
        assert (stored, errors) == (args.records, []), errors[:3]
        assert LoadProfileRecord.objects.count() == args.records + args.baseline_records
        print(f"ratio bulk / per-row: {bulk_rate / naive_rate:.1f}x")

        tid_reservations(args.applications, args.baseline_applications)


def tid_reservations(count: int, baseline: int) -> None:
    """3. TIDs: the stroom awal of ``count`` meters reserved in one statement, against one
    statement per meter (what a sale pays) for ``baseline`` other meters; then once more for
    the same meters, every row now a conflict that takes the next minute."""
    from django.db import transaction
    from django.utils import timezone

    from meterops.vending.tids import reserve_issue_times

    at = timezone.now()
    many = [(f"77{n:09d}", 2014) for n in range(count)]
    few = [(f"78{n:09d}", 2014) for n in range(baseline)]
    started = time.perf_counter()
    with transaction.atomic():
        for wanted in few:
            reserve_issue_times([wanted], at=at)
    naive_rate = report(
        "TIDs, one statement per meter", baseline, time.perf_counter() - started, "meters"
    )
    for label in ("TIDs, reserve_issue_times (new rows)", "TIDs, reserve_issue_times (taken)"):
        started = time.perf_counter()
        with transaction.atomic():
            reserved = reserve_issue_times(many, at=at)
        bulk_rate = report(label, len(reserved), time.perf_counter() - started, "meters")
        print(f"ratio bulk / per-row: {bulk_rate / naive_rate:.1f}x")


if __name__ == "__main__":
    main()
