"""Demo data for prepaid services: a fee table, clearly labelled TEST keys, meter stock, and
in each demo ULP applications at every step from entry to PDL (and one cancelled), a PD and a
PS waiting for payment, and a sale at the NFC counter with its card, made through the services.

Amounts are examples for the demo, not PLN's tariff decisions. The keys are the key store's
public TEST keys (keychange_test_keys): never use them for real meters.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from meterops.core.choices import UnitLevel
from meterops.core.demo import DemoTeam, demo_photo, demo_teams
from meterops.core.models import Unit
from meterops.customers.choices import PaymentMode
from meterops.customers.demo import FIRST_NAMES, LAST_NAMES, STREETS
from meterops.customers.models import Meter
from meterops.documents.demo import demo_pdf
from meterops.vending.demo import store_test_keys
from meterops.vending.models import VendingKey

from . import services
from .choices import MANUAL_CHANNEL, Product, RequestKind, RequestState
from .models import FeeSchedule, MeterStock, PaymentChannel, ServiceRequest, TokenSale

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
                    vkrn=41,
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


# How far each demo Pasang Baru goes, in order: one application per step.
PB_STEPS = (
    RequestState.REGISTERED,
    RequestState.PAID,
    RequestState.ACTIVATED,
    RequestState.TOKENS_ISSUED,
    RequestState.ASSIGNED,
    RequestState.INSTALLED,
    RequestState.COMPLETED,
    RequestState.CANCELLED,
)


def generate_requests(*, seed: int) -> int:
    """In each demo ULP without applications: a PB at every step (NFC and keypad in turn, the
    completed one NFC), a PS for 30 days and a PD of a prepaid customer (with a meter, up to
    2 200 VA) waiting for payment, entered by the supervisor."""
    rng = random.Random(seed)
    made = 0
    for team in demo_teams():
        if ServiceRequest.objects.filter(unit=team.unit).exists():
            continue
        for n, step in enumerate(PB_STEPS):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            address = f"{rng.choice(STREETS)} NO. {rng.randint(1, 250)}"
            product = Product.PREPAID_KEYPAD if n % 2 else Product.PREPAID_NFC
            request = services.register_request(
                actor=team.supervisor,
                unit=team.unit,
                kind=RequestKind.NEW_CONNECTION,
                product=product,
                tariff="R1",
                power_va=1300,
                applicant_name=name,
                address=address,
                phone=f"0812{rng.randint(0, 10**7 - 1):07d}",
            )
            _walk(request, step, team)
            made += 1
        services.register_request(
            actor=team.supervisor,
            unit=team.unit,
            kind=RequestKind.TEMPORARY_CONNECTION,
            product=Product.PREPAID_KEYPAD,
            tariff="R1",
            power_va=2200,
            applicant_name=f"PANITIA PASAR MALAM {rng.choice(LAST_NAMES)}",
            address=f"LAPANGAN {rng.choice(STREETS)}",
            ends_on=timezone.localdate() + timedelta(days=30),
        )
        made += 1
        meter = (
            Meter.objects.filter(
                customer__unit=team.unit,
                customer__payment_mode=PaymentMode.PREPAID,
                customer__power_va__lt=2200,
                customer__prepaid_requests__isnull=True,
                removed_at__isnull=True,
            )
            .select_related("customer")
            .order_by("customer__customer_id")
            .first()
        )
        if meter is not None:
            services.register_request(
                actor=team.supervisor,
                unit=team.unit,
                kind=RequestKind.TARIFF_CHANGE,
                product=Product.PREPAID_KEYPAD,
                tariff="R1",
                power_va=2200,
                applicant_name=meter.customer.name,
                address=meter.customer.address,
                customer=meter.customer,
            )
            made += 1
    return made


def _walk(request: ServiceRequest, step: str, team: DemoTeam) -> None:
    """Take a new application through the services up to ``step``."""
    actor = team.supervisor
    if step == RequestState.REGISTERED:
        return
    services.record_payment(
        request=request,
        amount=request.amount_due,
        channel=MANUAL_CHANNEL,
        reference=f"KW-{request.request_number}",
        actor=actor,
    )
    if step == RequestState.PAID:
        return
    if step == RequestState.CANCELLED:
        services.cancel_request(
            request=request, actor=actor, reason="Pemohon membatalkan, pindah domisili"
        )
        return
    stock = _free_stock(team.unit, is_nfc=request.is_nfc)
    request = services.activate_meter(request=request, meter_number=stock, actor=actor)
    if step == RequestState.ACTIVATED:
        return
    request = services.issue_request_tokens(request=request, actor=actor)
    if step == RequestState.TOKENS_ISSUED:
        return
    request = services.assign_work_order(request=request, officer=team.officer, actor=actor)
    if step == RequestState.ASSIGNED:
        return
    number = request.request_number
    request = services.record_installation(
        request=request,
        actor=team.officer,
        installed_on=timezone.localdate(),
        report_scan=demo_pdf(f"BA_pasang_{number}.pdf", "BERITA ACARA PASANG", (number,)),
        contract_scan=demo_pdf(f"SPJBTL_{number}.pdf", "SPJBTL", (number,)),
        photo=demo_photo(f"pasang_{number}.jpg", number),
    )
    if step == RequestState.INSTALLED:
        return
    services.complete_request(request=request, actor=actor)


def _free_stock(unit: Unit, *, is_nfc: bool) -> str:
    """The number of a stock meter of the unit no application has taken yet."""
    return (
        MeterStock.objects.filter(unit=unit, is_nfc=is_nfc, requests__isnull=True)
        .order_by("meter_number")
        .values_list("meter_number", flat=True)
        .first()
    )


def demo_card(rng: random.Random, *, months: int = 12) -> list[str]:
    """A card's load profile for the demo: the last ``months`` months, newest first as on the
    seed's sample card (Tabel 3-2), each record of 27 digits (with arus); one month tampered."""
    today = timezone.localdate()
    year, month = today.year, today.month
    periods = []
    for _n in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        periods.append(f"{year}{month:02d}")
    stand, records = rng.randint(1000, 3000), []
    tampered = rng.randrange(months)
    for n, period in enumerate(reversed(periods)):
        stand += rng.randint(60, 220)
        volts, amps = rng.choice((200, 210, 220, 225, 240)), rng.randint(8, 60)
        tamper = 8 if n == tampered else 0
        records.append(
            f"{period}{stand:06d}{rng.randint(1, 60):06d}{volts:03d}{tamper:02d}{amps:04d}"
        )
    return list(reversed(records))


def generate_counter_sales(*, seed: int) -> int:
    """In each demo ULP: the completed NFC application's meter buys a token at the NFC counter
    with its card (Loket NFC), so the counter and the load profile pages have something."""
    rng = random.Random(seed)
    made = 0
    for team in demo_teams():
        request = (
            ServiceRequest.objects.filter(
                unit=team.unit, state=RequestState.COMPLETED, product=Product.PREPAID_NFC
            )
            .order_by("pk")
            .first()
        )
        if request is None or TokenSale.objects.filter(meter__customer=request.customer).exists():
            continue
        services.sell_at_nfc_counter(
            actor=team.supervisor,
            meter_number=request.meter.meter_number,
            records=demo_card(rng),
            amount=Decimal(50000),
            receipt_number=f"NFC-{team.unit.code}-0000001",
        )
        made += 1
    return made


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's fee table, meter stock, payment channel, applications and counter sales."""
    stock = seed_prepaid_demo()["meters"]
    requests = generate_requests(seed=seed)
    sales = generate_counter_sales(seed=seed)
    return (
        f"{stock} meter prabayar di stok, {requests} permohonan prabayar, "
        f"{sales} penjualan Loket NFC"
    )
