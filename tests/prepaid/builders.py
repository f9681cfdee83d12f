"""Builders of the prepaid tests: fee table row, vending keys, meter stock, applications."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from meterops.prepaid import services
from meterops.prepaid.choices import Product, RequestKind
from meterops.prepaid.models import FeeSchedule, MeterStock
from meterops.vending.choices import Encryption, KeyGeneration, VkrnCode
from meterops.vending.services import store_vending_key

# The published STS compliance test vending key: for tests and the demo only.
TEST_VENDING_KEY = "abababababababab"
UNIT_TEST_KEY = "0123456789abcdef"  # made up for the tests


def make_fee(tariff="R1T", power_va=2200, **overrides):
    values = {
        "connection_fee": Decimal("1650000"),
        "deposit": Decimal("0"),
        "initial_credit": Decimal("20000"),
        "price_per_kwh": Decimal("1444.70"),
        "ppj_percent": Decimal("3"),
        "ppn_percent": Decimal("0"),
        "tariff_index": "01",
        **overrides,
    }
    return FeeSchedule.objects.create(tariff=tariff, power_va=power_va, **values)


def make_keys(unit):
    """In the one key store: the old key (VKRN 41, KRN 1, base date 1993) and the unit's
    current key (VKRN 43, KRN 2, base date 2014), both DKGA02/STA test keys."""
    factory = store_vending_key(
        actor=None,
        unit=unit,
        vkrn=VkrnCode.OLD_41,
        key_revision=1,
        algorithm=KeyGeneration.DKGA02,
        encryption=Encryption.STA,
        base_date=1993,
        key_hex=TEST_VENDING_KEY,
        is_test_key=True,
        label="Kunci pabrik UJI",
    )
    current = store_vending_key(
        actor=None,
        unit=unit,
        vkrn=VkrnCode.NEW_43,
        key_revision=2,
        algorithm=KeyGeneration.DKGA02,
        encryption=Encryption.STA,
        base_date=2014,
        key_hex=UNIT_TEST_KEY,
        is_test_key=True,
        label="Kunci unit UJI",
    )
    return factory, current


def make_stock(unit, meter_number, *, is_nfc=True, **overrides):
    values = {
        "brand": "ITRON",
        "model": "EM512 TYPE 710",
        "serial_number": f"SN{meter_number}",
        "is_nfc": is_nfc,
        "supply_group": "600000",
        "tariff_index": "01",
        "vkrn": 41,
        "key_revision": 1,
        **overrides,
    }
    return MeterStock.objects.create(unit=unit, meter_number=meter_number, **values)


def scan(name="ba.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 scan", content_type="application/pdf")


def new_connection(cast, *, product=Product.PREPAID_NFC, actor=None):
    return services.register_request(
        actor=actor or cast.supervisor,
        unit=cast.sp_a,
        kind=RequestKind.NEW_CONNECTION,
        product=product,
        tariff="R1T",
        power_va=2200,
        applicant_name="SICILIA NFC",
        address="DK. SELATAN NO. 12",
    )


def paid(cast, **kwargs):
    request = new_connection(cast, **kwargs)
    services.record_payment(
        request=request,
        amount=request.amount_due,
        channel="LOKET",
        reference=f"KW-{request.pk}",
        actor=cast.supervisor,
    )
    request.refresh_from_db()
    return request


def activated(cast, meter=None, **kwargs):
    request = paid(cast, **kwargs)
    return services.activate_meter(
        request=request, meter_number=(meter or cast.nfc_meter).meter_number, actor=cast.supervisor
    )


def installed(cast):
    request = activated(cast)
    services.issue_request_tokens(request=request, actor=cast.supervisor)
    services.assign_work_order(request=request, officer=cast.officer, actor=cast.supervisor)
    return services.record_installation(
        request=request,
        actor=cast.officer,
        installed_on=date.today(),
        report_scan=scan("ba.pdf"),
        contract_scan=scan("spjbtl.pdf"),
    )


def installed_meter(unit, meter_number="32031017679", **customer):
    """A prepaid customer of ``unit`` with ``meter_number`` installed on the unit's current key
    (VKRN 43, KRN 2): an NFC meter when the prepaid stock has it as one (``make_stock``)."""
    from meterops.customers.choices import PaymentMode
    from tests.factories import CustomerFactory, MeterFactory

    values = {"tariff": "R1T", "power_va": 2200, "payment_mode": PaymentMode.PREPAID, **customer}
    return MeterFactory(
        customer=CustomerFactory(unit=unit, **values),
        meter_number=meter_number,
        supply_group="600000",
        tariff_index="01",
        vkrn=43,
        key_revision=2,
        key_type=2,
    )
