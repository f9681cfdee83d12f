"""The NFC counter's card reader application (seed 002, 1.2-1.4 "Aplikasi SA terhubung dgn Card
Reader"): what it read from the card with the purchase in, the token and the payload to write
back to the card out.

The counter logs in like the field app (a device token of a user with an office role; that
user's units are its scope). ``prepaid.services.sell_at_nfc_counter`` decides; this module only
checks the input's shape. The counter's receipt number is the request's idempotency key: the
same receipt again answers the same sale (200), the same receipt for another meter or amount
is refused (409).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema
from ninja.responses import Status

from meterops.prepaid import services as prepaid

from . import schemas as s
from .responses import ERRORS

router = Router()


class NfcSaleIn(Schema):
    """What the card reader read (Nometer, the load-profile records as the card holds them:
    23 digits, or 27 with arus), with the amount paid and the counter's receipt number."""

    receipt_number: s.Text(60, 1)
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    meter_number: Annotated[str, Field(pattern=r"^\d{11,13}$")]
    # Bounded, but loose enough that a bad record reaches the card check and is rejected alone.
    records: list[s.Text(200)] = Field(default_factory=list, max_length=24)


class NfcRecordOut(Schema):
    position: int
    period: str
    register_kwh: str
    credit_kwh: str
    voltage: int
    tamper_status: int
    current_amp: str | None


class NfcSaleOut(Schema):
    receipt_number: str
    meter_number: str
    customer_id: str
    customer_name: str
    tariff: str
    power_va: int
    amount: str
    admin_fee: str
    ppj: str
    kwh: str
    token: str
    token_display: str
    card_payload: str
    sold_at: datetime
    records_kept: int
    records: list[NfcRecordOut]
    rejections: list[str]
    replayed: bool = False


def sale_out(result: prepaid.CounterSale) -> dict:
    sale, purchase = result.sale, result.transaction
    customer = sale.meter.customer
    return {
        "receipt_number": sale.reference,
        "meter_number": sale.meter.meter_number,
        "customer_id": customer.customer_id,
        "customer_name": customer.name,
        "tariff": customer.tariff,
        "power_va": customer.power_va,
        "amount": str(sale.amount),
        "admin_fee": str(sale.admin_fee),
        "ppj": str(sale.street_lighting_tax),
        "kwh": str(sale.kwh),
        "token": sale.token,
        "token_display": sale.display(),
        "card_payload": result.card_payload,
        "sold_at": sale.sold_at,
        "records_kept": purchase.records_kept,
        "records": [
            {
                "position": r.position,
                "period": r.period,
                "register_kwh": str(r.register_kwh),
                "credit_kwh": str(r.credit_kwh),
                "voltage": r.voltage,
                "tamper_status": r.tamper_status,
                "current_amp": None if r.current_amp is None else str(r.current_amp),
            }
            for r in purchase.card_records.order_by("position")
        ],
        "rejections": result.rejections,
        "replayed": not result.created,
    }


@router.post(
    "/nfc-counter/sales",
    response={201: NfcSaleOut, 200: NfcSaleOut, **ERRORS},
    tags=["loket NFC"],
)
def nfc_counter_sale(request, payload: NfcSaleIn):
    """Sell a token for the card's meter and keep the card's load profile; answers the token
    and ``card_payload``, the text the reader writes to the card (meter number, token). A
    meter outside the user's units is 404; one that is not a prepaid NFC meter 422 on
    ``meter_number``; a bad record is listed in ``rejections`` and the rest kept."""
    result = prepaid.sell_at_nfc_counter(
        actor=request.user,
        meter_number=payload.meter_number,
        records=payload.records,
        amount=payload.amount,
        receipt_number=payload.receipt_number,
    )
    return Status(201 if result.created else 200, sale_out(result))
