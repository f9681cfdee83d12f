import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from meterops.core.choices import RoleCode
from meterops.replacement.models import DamageType
from meterops.replacement.services import DamageReport, report_damage
from tests.factories import CustomerFactory, MeterFactory, UserFactory


def jpeg(name="foto.jpg", size=(2400, 1800), exif_time="2026:03:04 10:15:00", gps=True):
    """A real JPEG, large enough to be resized, with EXIF time and GPS position."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = exif_time
    if gps:
        exif.get_ifd(0x8825).update({1: "S", 2: (7.0, 0.0, 2.16), 3: "E", 4: (107.0, 37.0, 37.2)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png(name="foto.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 0, 0)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="ba.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture
def damage_type(db):
    # Transactional tests flush the data migration's rows; bring back the one used here.
    damage_type, _created = DamageType.objects.get_or_create(
        code="display-mati", defaults={"name": "Display mati / blank"}
    )
    return damage_type


@pytest.fixture
def customer(cast):
    customer = CustomerFactory(unit=cast.sp_a, name="ASEP SUNANDAR")
    MeterFactory(
        customer=customer,
        meter_number="45000000001",
        supply_group="600551",
        tariff_index="07",
        vkrn=41,
        key_revision=1,
        key_type=2,
    )
    return customer


@pytest.fixture
def field_officer(cast):
    return UserFactory(
        username="petugas.vendor", contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER]
    )


@pytest.fixture
def make_target(cast, damage_type):
    def make(customer, actor=None, **changes):
        report = DamageReport(
            damage_type=damage_type, reading_at_discovery=Decimal("1500.50"), **changes
        )
        return report_damage(
            actor=actor or cast.supervisor, customer=customer, report=report, photos=[jpeg()]
        )

    return make


@pytest.fixture
def last_reading(cast):
    """A meter reading (ACMT) of ``customer``: its latest, maybe with an LBKB code."""
    from meterops.reading.models import ReadingDay
    from tests.reading.helpers import anomaly, make_reading, make_route

    def make(customer, register, *, code=None, read_at=None, period="202611"):
        if customer.route_id is None:
            day, _made = ReadingDay.objects.get_or_create(
                unit=customer.unit, code="A", defaults={"day_of_month": 15}
            )
            customer.route = make_route(day)
            customer.save(update_fields=["route"])
        extra = {"anomaly": anomaly(code)} if code else {}
        if read_at is not None:
            extra["read_at"] = read_at
        return make_reading(customer, period=period, register=str(register), **extra)

    return make
