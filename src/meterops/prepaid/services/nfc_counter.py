"""The NFC counter, Loket NFC (seed 002, 1.2-1.4): the card in, the token out.

"Petugas Loket tidak perlu meng-input ID Meter", "Pelanggan tidak perlu meng-input 20 digit
Token": the card reader hands over the meter number and the load profile, the counter sells
the token, "sistem akan otomatis mengisikan token ke Contact Less Card", and the card's load
profile "akan terkirim". The sale itself is ``vend_token``'s; the card's records are kept by
``keep_card``, as for a PPOB's NFC top-up.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.errors import InvalidInput, NotFound
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Meter

from ..cards import read_card
from ..choices import NFC_COUNTER_CHANNEL
from ..errors import NotNfcMeter
from ..models import NfcTransaction, TokenSale
from .applications import is_nfc_meter, require_office_role
from .load_profiles import keep_card
from .vending import vend_token


@dataclass(frozen=True)
class CounterSale:
    """A sale of the NFC counter: the token, the purchase with its card, and whether this
    call made it (False: the receipt was already sold, this is the same answer again)."""

    sale: TokenSale
    transaction: NfcTransaction
    created: bool

    @property
    def card_payload(self) -> str:
        return self.sale.card_payload()

    @property
    def rejections(self) -> list[str]:
        return self.transaction.rejections.splitlines()


def counter_meter(*, actor: User, meter_number: str) -> Meter:
    """The meter a card names, locked, if the counter may sell for it: installed in the actor's
    units (else not found, as any row outside them), prepaid and two-way NFC (seed 002, 1.4:
    the counter serves "meter listrik prabayar dua arah"), else refused naming the field."""
    meter = (
        scoped(Meter, actor)
        .filter(meter_number=meter_number, removed_at__isnull=True)
        .select_related("customer__unit")
        .select_for_update(of=("self",))
        .first()
    )
    if meter is None:
        raise NotFound(_("Meter %(m)s tidak terpasang di unit Anda.") % {"m": meter_number})
    if meter.customer.payment_mode != PaymentMode.PREPAID or not is_nfc_meter(meter_number):
        raise NotNfcMeter(
            "meter_number",
            _(
                "Meter %(m)s bukan meter prabayar dua arah NFC: jual tokennya di Penjualan "
                "Token dengan 20 digit yang dimasukkan pelanggan."
            )
            % {"m": meter_number},
        )
    return meter


@transaction.atomic
def sell_at_nfc_counter(
    *,
    actor: User,
    meter_number: str,
    records: list[str],
    amount: Decimal,
    receipt_number: str,
    at: datetime | None = None,
) -> CounterSale:
    """Sell a token at the NFC counter from what the card reader read (seed 002, 1.2-1.4).

    The card's meter must be a prepaid NFC meter installed in the clerk's units, checked before
    any sale. The token is ``vend_token``'s, on the counter's receipt number: the same receipt
    again is the same sale (its card is not read twice), the same receipt for another meter or
    amount is refused (``DuplicateReference``). The card's records are kept with the purchase
    and upserted into the meter's load profile; a bad record is rejected with its reason and
    the rest kept. Two counters sending one receipt at once meet on the meter's lock, or on
    the sale's unique reference: one sale.
    """
    require_office_role(actor)
    receipt_number = receipt_number.strip()
    if not receipt_number:
        raise InvalidInput("receipt_number", _("No kuitansi wajib diisi."))
    meter = counter_meter(actor=actor, meter_number=meter_number.strip())
    at = at or timezone.now()
    sell = {
        "meter_number": meter.meter_number,
        "amount": amount,
        "channel": NFC_COUNTER_CHANNEL,
        "reference": receipt_number,
        "actor": actor,
    }
    try:
        sale, created = vend_token(**sell, at=at)
    except IntegrityError:
        # Another counter sold this receipt (for another meter: the same meter waits on its
        # lock) since this one looked: asking again finds that sale and refuses.
        sale, created = vend_token(**sell, at=at)
    if not created:
        return CounterSale(sale, NfcTransaction.objects.get(sale=sale), created=False)
    kept = keep_card(
        meter=meter,
        channel=NFC_COUNTER_CHANNEL,
        reference=receipt_number,
        amount=amount,
        card=read_card(records),
        at=at,
        actor=actor,
        sale=sale,
    )
    return CounterSale(sale, kept, created=True)
