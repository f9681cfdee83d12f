"""Row makers for the scoping matrix (tests/core/test_scoping.py)."""

from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from meterops.core.models import User
from meterops.prepaid.models import (
    FeeSchedule,
    IssuedToken,
    LoadProfileRecord,
    NfcCardRecord,
    NfcTransaction,
    Payment,
    TokenSale,
)
from tests.factories import CustomerFactory, MeterFactory

from .builders import make_fee, make_stock, new_connection


def _request(unit):
    if not FeeSchedule.objects.filter(tariff="R1T", power_va=2200).exists():
        make_fee()
    return new_connection(SimpleNamespace(sp_a=unit, supervisor=User.objects.get(username="admin")))


def _payment(unit):
    return Payment.objects.create(
        request=_request(unit), amount=1, channel="BANK", reference="R1", paid_at=timezone.now()
    )


def _token(unit):
    return IssuedToken.objects.create(
        request=_request(unit), sequence=1, kind="credit", token="1" * 20, issued_at=timezone.now()
    )


def _meter(unit):
    return MeterFactory(customer=CustomerFactory(unit=unit))


def _card_record(unit):
    purchase = NfcTransaction.objects.create(
        meter=_meter(unit), channel="BANK", reference="C1", at=timezone.now(), amount=Decimal(1)
    )
    return NfcCardRecord.objects.create(
        transaction=purchase,
        position=1,
        period="202601",
        register_kwh=1,
        credit_kwh=1,
        voltage=220,
        tamper_status=0,
        current_amp=Decimal("5.2"),
    )


ROW_IN_UNIT = {
    "prepaid.MeterStock": lambda unit: make_stock(unit, "32099999999"),
    "prepaid.ServiceRequest": _request,
    "prepaid.Payment": _payment,
    "prepaid.IssuedToken": _token,
    "prepaid.LoadProfileRecord": lambda unit: LoadProfileRecord.objects.create(
        meter=_meter(unit),
        period="202601",
        register_kwh=1,
        credit_kwh=1,
        voltage=220,
        tamper_status=0,
        received_at=timezone.now(),
    ),
    "prepaid.NfcTransaction": lambda unit: NfcTransaction.objects.create(
        meter=_meter(unit), channel="BANK", reference="N1", at=timezone.now(), amount=Decimal(1)
    ),
    "prepaid.NfcCardRecord": _card_record,
    "prepaid.TokenSale": lambda unit: TokenSale.objects.create(
        meter=_meter(unit),
        channel="BANK",
        reference="S1",
        amount=20000,
        admin_fee=0,
        street_lighting_tax=583,
        energy_amount=19417,
        price_per_kwh=Decimal("1444.70"),
        kwh=Decimal("13.5"),
        token="1" * 20,
        sold_at=timezone.now(),
    ),
}
