"""Writes of token sales: rupiah in, kWh and an STS token out (seed 002, Bab 1; P2APST).

kWh = (amount - channel admin fee - PPJ) / price per kWh of the customer's tariff and power,
where PPJ (street-lighting tax) is included in the amount: PPJ = net x p / (100 + p), rounded
to whole rupiah. The kWh are rounded up to 0.1, as the STS token carries them.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops import sts
from meterops.core.choices import Domain
from meterops.core.formats import number, rupiah
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import record_event
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Meter
from meterops.vending.keys import key_for_vkrn
from meterops.vending.models import VendingKey

from ..errors import DuplicateReference, VendingRefused
from ..models import FeeSchedule, PaymentChannel, TokenSale
from ..tokens import TokenMaker
from .applications import require_office_role

MINIMUM_PURCHASE = Decimal(20000)  # the smallest token PLN sells


def sale_amounts(*, amount: Decimal, admin_fee: Decimal, fee: FeeSchedule) -> dict:
    """The split of a purchase into admin fee, PPJ and energy, and the kWh it buys."""
    net = amount - admin_fee
    ppj = (net * fee.ppj_percent / (100 + fee.ppj_percent)).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    )
    energy = net - ppj
    kwh = (energy / fee.price_per_kwh).quantize(Decimal("0.1"), rounding=ROUND_UP)
    return {"street_lighting_tax": ppj, "energy_amount": energy, "kwh": kwh}


def sale_key_for(meter: Meter) -> VendingKey:
    """The key a token for ``meter`` is made with: its unit's key of the meter's VKRN (seed 003).

    A meter on VKRN 41 or 42 gets tokens of that old key until its KRN-2 upgrade is confirmed;
    from then on its VKRN is 43 and its tokens are made with the new key. The KRN alone does
    not say which: 42 and 43 both hold KRN 2. Unknown key data (no SGC, TI or VKRN, or no
    stored key of that VKRN) are refused.
    """
    complete = meter.supply_group and meter.tariff_index and meter.vkrn
    key = key_for_vkrn(meter.customer.unit, meter.vkrn) if complete else None
    if key is None:
        raise VendingRefused(
            _("Data kunci meter %(m)s (SGC/TI/VKRN) tidak dikenal: token tidak dapat dibuat.")
            % {"m": meter.meter_number}
        )
    return key


@transaction.atomic
def vend_token(
    *,
    meter_number: str,
    amount: Decimal,
    channel: str,
    reference: str,
    actor: User | None,
    at: datetime | None = None,
) -> tuple[TokenSale, bool]:
    """Sell a token for a prepaid meter, idempotent on (channel, reference).

    A clerk (``actor``) sells only for meters of its units; a payment channel (no actor) for
    any. Returns the sale and whether it is new.
    """
    existing = TokenSale.objects.filter(channel=channel, reference=reference).first()
    if existing is not None:
        if existing.meter.meter_number == meter_number and existing.amount == amount:
            return existing, False
        raise DuplicateReference(
            _("Referensi %(r)s kanal %(c)s sudah dipakai untuk penjualan lain.")
            % {"r": reference, "c": channel}
        )
    if actor is not None:
        require_office_role(actor)
    meters = Meter.objects if actor is None else scoped(Meter, actor)
    meter = (
        meters.filter(meter_number=meter_number, removed_at__isnull=True)
        .select_related("customer__unit")
        .first()
    )
    if meter is None or meter.customer.payment_mode != PaymentMode.PREPAID:
        raise VendingRefused(
            _("Meter %(m)s bukan meter prabayar yang terpasang.") % {"m": meter_number}
        )
    if amount < MINIMUM_PURCHASE:
        raise VendingRefused(_("Pembelian minimal %(min)s.") % {"min": rupiah(MINIMUM_PURCHASE)})
    customer = meter.customer
    fee = FeeSchedule.objects.filter(tariff=customer.tariff, power_va=customer.power_va).first()
    if fee is None or fee.price_per_kwh <= 0:
        raise VendingRefused(
            _("Harga per kWh tarif %(t)s/%(p)s VA belum diatur.")
            % {"t": customer.tariff, "p": customer.power_va}
        )
    key = sale_key_for(meter)
    payment_channel = PaymentChannel.objects.filter(code=channel).first()
    admin_fee = payment_channel.admin_fee if payment_channel else Decimal(0)
    split = sale_amounts(amount=amount, admin_fee=admin_fee, fee=fee)
    at = at or timezone.now()
    try:
        token = TokenMaker(at).credit(meter=meter, key=key, kwh=split["kwh"])
    except sts.TidOutOfRange:
        raise VendingRefused(
            _(
                "Kunci meter %(m)s (VKRN %(v)s, base date %(b)s) sudah habis masa berlakunya: "
                "meter perlu KCT upgrade KRN-2 lebih dahulu."
            )
            % {"m": meter.meter_number, "v": key.vkrn, "b": key.base_date}
        ) from None
    except sts.AmountOutOfRange:
        raise VendingRefused(
            _(
                "Pembelian %(a)s = %(k)s kWh melebihi isi satu token STS: "
                "pecah menjadi beberapa token."
            )
            % {"a": rupiah(amount), "k": number(split["kwh"])}
        ) from None
    sale = TokenSale.objects.create(
        meter=meter,
        channel=channel,
        reference=reference,
        amount=amount,
        admin_fee=admin_fee,
        price_per_kwh=fee.price_per_kwh,
        token=token,
        sold_at=at,
        sold_by=actor,
        **split,
    )
    record_event(
        verb="prepaid.token_sold",
        actor=actor,
        customer=customer,
        domain=Domain.PREPAID,
        note=f"{channel} {reference} {rupiah(amount)} = {number(split['kwh'])} kWh",
    )
    return sale, True
