"""Payment notifications from the billing/payment side (seed 004 §VI: "pengecekan data
pelunasan (Via PPOB/HP smartphone)"): a payment settles the customer's arrears at once, with
the real payment time; pending disconnection orders are withdrawn and a disconnected customer
gets its reconnection order due by H+1 from the payment.

The payment system logs in like the field app (a device token of a user with the role Sistem
AP2T (API), or an office role: Admin Unit, Pengawas or Helpdesk; that user's units are its
scope). The payment reference is
the idempotency key: the same notice again answers 200 with the first answer, the same
reference for another customer, time or amount is refused (409).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from meterops.core.errors import InvalidInput
from meterops.fieldwork import services as fieldwork

from . import schemas as s
from .responses import ERRORS

router = Router()


class PaymentIn(Schema):
    reference: s.Text(64, 1)
    customer_id: Annotated[str, Field(pattern=r"^\d{12}$")]
    paid_at: datetime
    amount: Annotated[Decimal | None, Field(None, ge=0, max_digits=14, decimal_places=2)]
    channel: s.Text(40) = ""


class PaymentOut(Schema):
    reference: str
    customer_id: str
    paid_at: datetime
    settled: bool
    reconnection_due: datetime | None
    replayed: bool


@router.post(
    "/payments",
    response={201: PaymentOut, 200: PaymentOut, **ERRORS},
    tags=["pembayaran"],
)
def payment_notification(request, payload: PaymentIn):
    """A payment of a customer's arrears. ``paid_at`` carries its zone (ISO 8601 with offset);
    ``settled`` is false when the customer had no open arrears (the payment is still kept).
    ``reconnection_due`` is the H+1 deadline of the reconnection order the payment opened."""
    if timezone.is_naive(payload.paid_at):
        raise InvalidInput(
            "paid_at", _("paid_at wajib dengan zona waktu, mis. 2026-12-06T09:15:00+07:00.")
        )
    recorded = fieldwork.notify_payment(
        actor=request.user,
        notice=fieldwork.PaymentNotice(
            reference=payload.reference,
            customer_id=payload.customer_id,
            paid_at=payload.paid_at,
            amount=payload.amount,
            channel=payload.channel,
        ),
    )
    payment = recorded.payment
    due = fieldwork.open_reconnection_due(payment.customer_id)
    return Status(
        200 if recorded.replayed else 201,
        {
            "reference": payment.reference,
            "customer_id": payment.customer.customer_id,
            "paid_at": payment.paid_at,
            "settled": payment.settled,
            "reconnection_due": due,
            "replayed": recorded.replayed,
        },
    )
