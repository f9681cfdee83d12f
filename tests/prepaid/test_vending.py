from decimal import Decimal

import pytest

from meterops.core.models import ProcessEvent
from meterops.customers.choices import PaymentMode
from meterops.prepaid import services
from meterops.prepaid.errors import DuplicateReference, VendingRefused
from meterops.prepaid.models import PaymentChannel, TokenSale
from tests.factories import CustomerFactory, MeterFactory

from .test_services import _codec


@pytest.fixture
def meter(prepaid):
    customer = CustomerFactory(
        unit=prepaid.sp_a, tariff="R1T", power_va=2200, payment_mode=PaymentMode.PREPAID
    )
    return MeterFactory(
        customer=customer,
        meter_number="32031017679",
        supply_group="600000",
        tariff_index="01",
        key_revision=2,
        key_type=2,
    )


def vend(actor, reference="LK-1", amount="100000", channel="LOKET"):
    return services.vend_token(
        meter_number="32031017679",
        amount=Decimal(amount),
        channel=channel,
        reference=reference,
        actor=actor,
    )


class VendTokenTests:
    def test_sells_a_token_the_meter_accepts_for_the_kwh_bought(self, prepaid, meter):
        sale, created = vend(prepaid.supervisor)
        # 100 000 incl. 3% PPJ: PPJ 2 913, energy 97 087 at 1 444.70 = 67.20 -> 67.3 kWh.
        assert created
        assert (sale.street_lighting_tax, sale.energy_amount, sale.kwh) == (
            Decimal("2913"),
            Decimal("97087"),
            Decimal("67.3"),
        )
        codec = _codec("0123456789abcdef", "32031017679", "600000", "01", 2, 2014)
        assert codec.decode(sale.token).fields.quantity == Decimal("67.3")
        assert ProcessEvent.objects.filter(verb="prepaid.token_sold").count() == 1

    def test_the_channels_admin_fee_comes_off_first(self, prepaid, meter):
        PaymentChannel.objects.create(code="BSM", name="Bank", admin_fee=Decimal("2500"))
        sale, _created = vend(None, channel="BSM")
        assert sale.admin_fee == Decimal("2500") and sale.energy_amount == Decimal("94660")

    def test_the_same_reference_is_the_same_sale(self, prepaid, meter):
        first, _ = vend(prepaid.supervisor)
        again, created = vend(prepaid.supervisor)
        assert (again.pk, created) == (first.pk, False)
        with pytest.raises(DuplicateReference):
            vend(prepaid.supervisor, amount="50000")
        assert TokenSale.objects.count() == 1

    def test_unknown_key_data_are_refused(self, prepaid, meter):
        meter.key_revision = 7
        meter.save()
        with pytest.raises(VendingRefused, match="tidak dikenal"):
            vend(prepaid.supervisor)

    def test_a_retired_key_is_refused(self, prepaid, meter):
        prepaid.unit_key.is_retired = True
        prepaid.unit_key.save()
        with pytest.raises(VendingRefused, match="perlu KCT"):
            vend(prepaid.supervisor)
        assert not TokenSale.objects.exists()

    def test_a_postpaid_meter_is_refused(self, prepaid, meter):
        meter.customer.payment_mode = PaymentMode.POSTPAID
        meter.customer.save()
        with pytest.raises(VendingRefused):
            vend(prepaid.supervisor)

    def test_less_than_the_minimum_is_refused(self, prepaid, meter):
        with pytest.raises(VendingRefused, match="minimal"):
            vend(prepaid.supervisor, amount="10000")

    def test_a_clerk_of_another_unit_cannot_sell_for_the_meter(self, prepaid, meter):
        with pytest.raises(VendingRefused):
            vend(prepaid.outsider)
