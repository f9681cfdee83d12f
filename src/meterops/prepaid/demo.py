"""Demo data for prepaid services: a fee table, clearly labelled TEST keys, meter stock.

Amounts are examples for the demo, not PLN's tariff decisions. The keys are the key store's
public TEST keys (keychange_test_keys): never use them for real meters.
"""

from decimal import Decimal

from django.db import transaction

from meterops.core.choices import UnitLevel
from meterops.core.models import Unit
from meterops.vending.demo import store_test_keys
from meterops.vending.models import VendingKey

from .models import FeeSchedule, MeterStock, PaymentChannel

DEMO_CHANNEL_TOKEN = "kanal-demo"  # noqa: S105 - demo data only, printed by the command
PRICES = {  # example price per kWh by tariff and power
    ("R1", 900): Decimal("1352.00"),
    ("R1", 1300): Decimal("1444.70"),
    ("R1", 2200): Decimal("1444.70"),
    ("R1T", 2200): Decimal("1444.70"),
    ("R2", 3500): Decimal("1699.53"),
    ("R2", 5500): Decimal("1699.53"),
    ("R3", 6600): Decimal("1699.53"),
    ("B1", 2200): Decimal("1444.70"),
}
METERS_PER_UNIT = 5


@transaction.atomic
def seed_prepaid_demo() -> dict:
    """Idempotent: rows already there are left as they are."""
    for (tariff, power), price in PRICES.items():
        FeeSchedule.objects.get_or_create(
            tariff=tariff,
            power_va=power,
            defaults={
                "connection_fee": Decimal(power * 969),
                "deposit": Decimal(0),
                "initial_credit": Decimal(20000),
                "price_per_kwh": price,
                "tariff_index": "01",
            },
        )
    regions = list(Unit.objects.filter(level=UnitLevel.REGION))
    for region in regions:
        if not VendingKey.objects.filter(unit=region).exists():
            store_test_keys(region)
    stock = []
    for index, unit in enumerate(Unit.objects.filter(level=UnitLevel.SERVICE_POINT)):
        for n in range(METERS_PER_UNIT * 2):
            nfc = n < METERS_PER_UNIT
            stock.append(
                MeterStock(
                    unit=unit,
                    meter_number=f"{32 if nfc else 14}{index:04d}{n:05d}",
                    brand="ITRON" if nfc else "HEXING",
                    model="EM512 TYPE 710" if nfc else "HXE110-KP",
                    is_nfc=nfc,
                    supply_group="600000",
                    tariff_index="01",
                    key_revision=1,
                )
            )
    MeterStock.objects.bulk_create(stock, ignore_conflicts=True)
    channel, created = PaymentChannel.objects.get_or_create(
        code="DEMO", defaults={"name": "Bank demo", "admin_fee": Decimal(2500)}
    )
    if created:
        channel.set_token(DEMO_CHANNEL_TOKEN)
        channel.save()
    return {"fees": len(PRICES), "regions": len(regions), "meters": len(stock)}


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's fee table, meter stock and payment channel."""
    return f"{seed_prepaid_demo()['meters']} meter prabayar di stok"
