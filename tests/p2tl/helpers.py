"""Builders for P2TL tests: a customer showing each signal the suspicion list reads."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from meterops.complaints.models import TokenCall
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder
from meterops.keychange.models import CampaignTarget
from meterops.prepaid.models import LoadProfileRecord, TokenSale
from meterops.reading.models import previous_period
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter
from tests.reading.helpers import make_customer, make_day, make_reading, make_route


def this_period() -> str:
    return timezone.localdate().strftime("%Y%m")


def months_ago(n: int) -> str:
    return previous_period(this_period(), n)


def card_months(customer, *, tamper=(), voltage=None, months=3, stuck=False):
    """``months`` load-profile months of an NFC meter, its stand rising 100 kWh a month (or
    ``stuck``); those in ``tamper`` (months ago) carry status 8, ``voltage`` is every month's
    voltage (default 220 V)."""
    meter = MeterFactory(customer=customer)
    now = timezone.now()
    for n in range(months):
        LoadProfileRecord.objects.create(
            meter=meter,
            period=months_ago(n),
            register_kwh=Decimal(1000 if stuck else 5000 - 100 * n),
            credit_kwh=Decimal(5),
            voltage=voltage or 220,
            tamper_status=8 if n in tamper else 0,
            received_at=now,
        )
    return meter


_days = iter(range(1, 100_000))


def reading_customer(unit, **kwargs):
    day = make_day(unit, code=f"P{next(_days)}")
    return make_customer(make_route(day), **kwargs)


def reading(customer, months_back=0, **kwargs):
    return make_reading(customer, period=months_ago(months_back), **kwargs)


def done_order(customer, kind=OrderKind.ACCURACY_CHECK, *, days_ago=40, **fields):
    """A field order the officer finished ``days_ago`` days ago."""
    return FieldOrder.objects.create(
        unit=customer.unit,
        customer=customer,
        kind=kind,
        state=OrderState.DONE,
        issued_by=UserFactory(unit=customer.unit),
        done_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def failed_kct(cast, unit, reason="customer_refused"):
    meter = old_key_meter(unit)
    campaign_with(cast, [meter])
    target = CampaignTarget.objects.get(meter=meter)
    CampaignTarget.objects.filter(pk=target.pk).update(
        state="failed", failure_reason=reason, confirmed_at=timezone.now()
    )
    return meter.customer


def token_calls(customer, n, *, days_ago=1):
    agent = UserFactory(unit=customer.unit)
    for _ in range(n):
        call = TokenCall.objects.create(customer=customer, unit=customer.unit, agent=agent)
        TokenCall.objects.filter(pk=call.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )


def prepaid_customer(unit, **kwargs):
    return CustomerFactory(unit=unit, payment_mode="prepaid", **kwargs)


def token_sale(meter, *, days_ago=0):
    """A token bought for ``meter``; sold in the local month ``days_ago`` days back."""
    return TokenSale.objects.create(
        meter=meter,
        channel="PPOB",
        reference=f"REF{next(_days)}",
        amount=Decimal(100000),
        admin_fee=Decimal(2500),
        street_lighting_tax=Decimal(0),
        energy_amount=Decimal(97500),
        price_per_kwh=Decimal("1444.70"),
        kwh=Decimal("67.5"),
        token="1" * 20,
        sold_at=timezone.now() - timedelta(days=days_ago),
    )
