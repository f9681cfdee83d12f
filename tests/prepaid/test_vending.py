from datetime import UTC, datetime
from decimal import Decimal

import pytest

from meterops import sts
from meterops.core.models import ProcessEvent
from meterops.customers.choices import PaymentMode
from meterops.prepaid import services
from meterops.prepaid.errors import DuplicateReference, VendingRefused
from meterops.prepaid.models import PaymentChannel, TokenSale
from meterops.vending.services import store_vending_key
from tests.factories import CustomerFactory, MeterFactory

from .builders import TEST_VENDING_KEY, UNIT_TEST_KEY
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
        vkrn=43,
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
        meter.vkrn = None
        meter.save()
        with pytest.raises(VendingRefused, match="tidak dikenal"):
            vend(prepaid.supervisor)

    def test_a_meter_on_the_old_key_gets_an_old_key_token(self, prepaid, meter):
        meter.vkrn, meter.key_revision = 41, 1
        meter.save()
        at = datetime(2024, 6, 1, tzinfo=UTC)  # base date 1993 still in range
        sale, _created = services.vend_token(
            meter_number="32031017679",
            amount=Decimal("100000"),
            channel="LOKET",
            reference="LK-OLD",
            actor=prepaid.supervisor,
            at=at,
        )
        old = _codec(TEST_VENDING_KEY, "32031017679", "600000", "01", 1, 1993)
        assert old.decode(sale.token).fields.quantity == Decimal("67.3")

    def test_a_vkrn_42_meter_gets_a_vkrn_42_token_not_a_vkrn_43_one(self, prepaid, meter):
        """Seed 003: VKRN 42 is an old key although its KRN is 2, like VKRN 43's."""
        store_vending_key(
            actor=None,
            unit=prepaid.region,
            vkrn=42,
            key_revision=2,
            algorithm="02",
            encryption="07",
            base_date=1993,
            key_hex="fedcba9876543210",
        )
        meter.vkrn, meter.key_revision = 42, 2
        meter.save()
        sale, _created = services.vend_token(
            meter_number="32031017679",
            amount=Decimal("100000"),
            channel="LOKET",
            reference="LK-42",
            actor=prepaid.supervisor,
            at=datetime(2024, 6, 1, tzinfo=UTC),
        )
        vkrn_42 = _codec("fedcba9876543210", "32031017679", "600000", "01", 2, 1993)
        assert vkrn_42.decode(sale.token).fields.quantity == Decimal("67.3")
        vkrn_43 = _codec(UNIT_TEST_KEY, "32031017679", "600000", "01", 2, 2014)
        with pytest.raises(sts.StsError):
            vkrn_43.decode(sale.token)

    def test_an_old_key_past_its_base_date_range_is_refused(self, prepaid, meter):
        meter.vkrn, meter.key_revision = 41, 1
        meter.save()
        with pytest.raises(VendingRefused, match="perlu KCT"):
            vend(prepaid.supervisor)  # now: past 2024-11-24, the end of base date 1993
        assert not TokenSale.objects.exists()

    def test_after_a_krn_change_sales_use_the_new_key(self, prepaid, meter):
        """Seed 003: once the KCT is confirmed, tokens are made with VKRN 43."""
        meter.vkrn, meter.key_revision = 41, 1
        meter.save()
        assert services.sale_key_for(meter).vkrn == 41
        meter.vkrn, meter.key_revision = 43, 2  # what a confirmed KRN-2 upgrade writes
        meter.save()
        assert services.sale_key_for(meter).vkrn == 43
        sale, _created = vend(prepaid.supervisor)
        new = _codec("0123456789abcdef", "32031017679", "600000", "01", 2, 2014)
        assert new.decode(sale.token).fields.quantity == Decimal("67.3")

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


def test_an_amount_no_token_can_carry_is_refused_not_a_500(prepaid, meter):
    """Rp 900 billion is more kWh than one STS token carries; it used to raise AmountOutOfRange."""
    with pytest.raises(VendingRefused, match="melebihi isi satu token"):
        vend(prepaid.supervisor, amount="900000000000")
    assert not TokenSale.objects.exists()
