"""Demo customers: plausible, deterministic, and fast enough to make a million in seconds.

Rows are generated as tuples with their ids assigned here, then written set-based: COPY on
PostgreSQL, executemany in large batches on SQLite. Nothing goes through Model.save().
"""

import io
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import Max

from meterops.core.demo import SERVICE_POINTS
from meterops.core.formats import number
from meterops.core.models import Unit
from meterops.vending.choices import NEW_VKRN, VkrnCode, key_revision_of

from .choices import PaymentMode
from .models import Customer, Meter, Route, Substation

FIRST_NAMES = (
    "AGUS",
    "BUDI",
    "DEDI",
    "ASEP",
    "UJANG",
    "DADANG",
    "CECEP",
    "YAYAT",
    "ENDANG",
    "IWAN",
    "HENDRA",
    "RUDI",
    "SITI",
    "NENG",
    "IMAS",
    "EUIS",
    "YANTI",
    "RINA",
    "DEWI",
    "NUR",
    "LILIS",
    "TATI",
    "ENOK",
    "AHMAD",
    "MUHAMAD",
    "DENI",
    "ROHMAT",
    "SRI",
    "WATI",
    "AAN",
    "HERI",
    "YUDI",
    "EMA",
    "IKA",
    "TINI",
    "KOKOM",
    "JAJANG",
    "MAMAN",
    "OMAN",
    "ENDAH",
    "FITRI",
    "RATNA",
)
LAST_NAMES = (
    "SUPRIATNA",
    "HIDAYAT",
    "KURNIAWAN",
    "SETIAWAN",
    "SAEPUDIN",
    "NURJAMAN",
    "RAHMAT",
    "HERMAWAN",
    "SURYADI",
    "SUNARYA",
    "PERMANA",
    "GUNAWAN",
    "RUSTANDI",
    "SOLIHIN",
    "MULYANA",
    "SUHERMAN",
    "KOSASIH",
    "WIJAYA",
    "SAPUTRA",
    "NURHAYATI",
    "KOMALASARI",
    "MAULANA",
    "FIRMANSYAH",
    "RAMDANI",
    "SOBARI",
    "JUANDA",
    "SUKMANA",
    "HARYANTO",
    "SUGANDA",
    "IRAWAN",
)
STREETS = (
    "JL. RAYA LASWI",
    "JL. ANDIR",
    "JL. CIGEREUH",
    "JL. BOJONGSOANG",
    "JL. MOH. TOHA",
    "JL. CIPARAY",
    "JL. RANCAEKEK",
    "JL. SUKAMENAK",
    "GG. MESJID",
    "JL. KAUM",
    "JL. PASAR",
    "JL. SIMPANG",
    "JL. CIBADUYUT",
    "JL. SETIABUDI",
    "JL. GEGERKALONG",
    "KP. CIBODAS",
    "KP. SUKAMAJU",
    "PERUM GRIYA ASRI",
    "PERUM BUMI ORANGE",
    "JL. KOLONEL MASTURI",
)
# (tariff, power VA, share of customers); shares are the rough mix of a Javanese ULP.
TARIFF_MIX = (
    ("R1", 450, 10),
    ("R1", 900, 18),
    ("R1M", 900, 12),
    ("R1", 1300, 24),
    ("R1", 2200, 12),
    ("R2", 3500, 5),
    ("R2", 4400, 2),
    ("R3", 6600, 1),
    ("B1", 1300, 4),
    ("B1", 2200, 3),
    ("B2", 5500, 3),
    ("B2", 16500, 1),
    ("I1", 13200, 1),
    ("P1", 2200, 1),
    ("S2", 1300, 3),
)
PREPAID_BRANDS = (
    ("HEXING", "HXE110-KP"),
    ("ITRON", "ACE 9000"),
    ("STAR", "DDSY283"),
    ("SMART", "SMI-1"),
    ("CANNET", "CSM-1P"),
    ("ITRON", "SL7000"),
)
POSTPAID_BRANDS = (
    ("EDMI", "MK6E"),
    ("ITRON", "ACE 661"),
    ("SANXING", "SX1"),
    ("WASION", "DDS26"),
    ("MELCOINDA", "MK10E"),
)
TARIFF_CHOICES = [(tariff, power) for tariff, power, _share in TARIFF_MIX]
TARIFF_CUMULATIVE = list(accumulate(share for *_pair, share in TARIFF_MIX))
CUSTOMERS_PER_ROUTE = 350
CUSTOMERS_PER_SUBSTATION = 150
PREPAID_SHARE = 0.6

CUSTOMER_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "customer_id",
    "unit_id",
    "name",
    "address",
    "tariff",
    "power_va",
    "payment_mode",
    "substation_id",
    "route_id",
    "route_sequence",
    "latitude",
    "longitude",
)
METER_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "customer_id",
    "brand",
    "model",
    "meter_number",
    "serial_number",
    "manufacture_year",
    "phase",
    "supply_group",
    "tariff_index",
    "vkrn",
    "key_revision",
    "key_type",
    "installed_at",
    "removed_at",
)


def generate_customers(*, units: dict[str, Unit], count: int, seed: int) -> int:
    """Add ``count`` demo customers, each with a current meter, spread over the ULPs."""
    rng = random.Random(seed)
    codes = sorted(units)
    per_unit = {
        code: count // len(codes) + (i < count % len(codes)) for i, code in enumerate(codes)
    }
    with transaction.atomic():
        starts = {code: _next_serial(code) for code in codes}
        # Sized for the highest serial, not this call's count: a UID built in chunks put every
        # later chunk's customers on the ULP's last RBM (528,000 of them at 5,000,000).
        networks = {
            code: _network(units[code], starts[code] - 1 + per_unit[code]) for code in codes
        }
        next_customer_pk = (Customer.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        next_meter_pk = (Meter.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        customers, meters = [], []
        now = datetime.now(UTC)
        for code in codes:
            for serial in range(starts[code], starts[code] + per_unit[code]):
                customer, meter = _customer_row(
                    rng, units[code], networks[code], serial, next_customer_pk, next_meter_pk, now
                )
                customers.append(customer)
                meters.append(meter)
                next_customer_pk += 1
                next_meter_pk += 1
        _write(Customer._meta.db_table, CUSTOMER_COLUMNS, customers)
        _write(Meter._meta.db_table, METER_COLUMNS, meters)
        _reset_sequences()
    return len(customers)


def _next_serial(unit_code: str) -> int:
    last = Customer.objects.filter(customer_id__startswith=unit_code).aggregate(
        m=Max("customer_id")
    )["m"]
    return int(last[5:]) + 1 if last else 1


def _network(unit: Unit, customers: int) -> dict:
    """Gardu and RBM of a ULP, enough for its customers; created once, reused after."""
    abbreviation = SERVICE_POINTS[unit.code].abbreviation
    wanted_routes = max(2, -(-customers // CUSTOMERS_PER_ROUTE))
    wanted_substations = max(2, -(-customers // CUSTOMERS_PER_SUBSTATION))
    Route.objects.bulk_create(
        [
            Route(unit=unit, code=f"{abbreviation}{n:04d}", name=f"RBM {abbreviation} {n}")
            for n in range(1, wanted_routes + 1)
        ],
        ignore_conflicts=True,
    )
    Substation.objects.bulk_create(
        [
            Substation(
                unit=unit,
                code=f"{abbreviation[:2]}{n:04d}",
                capacity_kva=(100, 160, 200, 250)[n % 4],
            )
            for n in range(1, wanted_substations + 1)
        ],
        ignore_conflicts=True,
    )
    routes = list(Route.objects.filter(unit=unit).order_by("code").values_list("pk", flat=True))
    substations = list(
        Substation.objects.filter(unit=unit).order_by("code").values_list("pk", flat=True)
    )
    spec = SERVICE_POINTS[unit.code]
    return {
        "routes": routes,
        "substations": substations,
        "centre": (spec.latitude, spec.longitude),
    }


def _customer_row(
    rng: random.Random,
    unit: Unit,
    network: dict,
    serial: int,
    customer_pk: int,
    meter_pk: int,
    now: datetime,
) -> tuple[tuple, tuple]:
    tariff, power = rng.choices(TARIFF_CHOICES, cum_weights=TARIFF_CUMULATIVE)[0]
    prepaid = tariff in {"R1", "R1M", "R2", "B1", "S2"} and rng.random() < PREPAID_SHARE
    route_index, place = divmod(serial - 1, CUSTOMERS_PER_ROUTE)
    route_pk = network["routes"][route_index]
    lat, lon = network["centre"]
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    address = (
        f"{rng.choice(STREETS)} NO. {rng.randint(1, 250)} RT {rng.randint(1, 12):02d}"
        f"/RW {rng.randint(1, 15):02d}"
    )
    customer = (
        customer_pk,
        now,
        now,
        f"{unit.code}{serial:07d}",
        unit.pk,
        name,
        address,
        tariff,
        power,
        PaymentMode.PREPAID.value if prepaid else PaymentMode.POSTPAID.value,
        rng.choice(network["substations"]),
        route_pk,
        place + 1,
        Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
        Decimal(f"{lon + rng.uniform(-0.03, 0.03):.6f}"),
    )
    year = rng.randint(2008, 2025)
    installed = date(year, rng.randint(1, 12), rng.randint(1, 28)) + timedelta(
        days=rng.randint(0, 300)
    )
    if prepaid:
        brand, model = rng.choice(PREPAID_BRANDS)
        number = f"{rng.choice((14, 32, 45, 56))}{rng.randint(0, 10**9 - 1):09d}"
        sgc, ti = f"{600000 + int(unit.code[-3:]):06d}", f"{rng.choice((1, 2, 4, 7)):02d}"
        share = rng.random()  # half on VKRN 41, a fifth on 42, the rest already on 43
        vkrn = VkrnCode.OLD_41 if share < 0.5 else VkrnCode.OLD_42 if share < 0.7 else NEW_VKRN
        key = (sgc, ti, int(vkrn), key_revision_of(vkrn), 2)
    else:
        brand, model = rng.choice(POSTPAID_BRANDS)
        number = f"{rng.randint(10**7, 10**8 - 1)}"
        key = ("", "", None, None, None)
    meter = (
        meter_pk,
        now,
        now,
        customer_pk,
        brand,
        model,
        number,
        f"{brand[:2]}{year % 100:02d}{rng.randint(0, 10**6 - 1):06d}",
        year,
        3 if power > 5500 else 1,
        *key,
        installed,
        None,
    )
    return customer, meter


def _write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        _copy(table, columns, rows)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 20_000):
            cursor.executemany(sql, rows[start : start + 20_000])


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY in PostgreSQL's text format; the generated values hold no tab or backslash."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in _text_chunks(rows, 50_000):
            copy.write(chunk)


def _text_chunks(rows: list[tuple], size: int) -> Iterator[str]:
    for start in range(0, len(rows), size):
        buffer = io.StringIO()
        for row in rows[start : start + size]:
            buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
            buffer.write("\n")
        yield buffer.getvalue()


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Customer, Meter):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def build_demo(*, units: dict[str, Unit], seed: int, options: dict) -> str:
    """seed_demo's customers: ``options["customers"]`` new ones, each with its meter."""
    made = generate_customers(units=units, count=options["customers"], seed=seed)
    return f"{number(made)} pelanggan"


def demo_present() -> bool:
    return Customer.objects.exists()
