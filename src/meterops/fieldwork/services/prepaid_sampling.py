"""Prepaid sampling (seed 004 §III): sampling orders for prepaid customers, the recorded
sisa token, and an anomaly turned into a meter-replacement target in one action.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.errors import InvalidInput, WrongState
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.choices import PaymentMode
from meterops.reading.models import AnomalyCode

from ..choices import OPEN_STATES, OrderKind, OrderState
from ..models import FieldOrder
from .orders import (
    ISSUERS,
    _check_recorder,
    _complete,
    _event,
    _issue,
    _locked,
    _photo,
    _require_photo,
)


@dataclass(frozen=True)
class SamplingIssued:
    """How many sampling orders were issued, and why each other customer got none."""

    issued: int
    refused: dict[str, str]  # IDPEL -> reason, in Indonesian


@transaction.atomic
def issue_prepaid_sampling_orders(*, actor: User, customers: QuerySet) -> SamplingIssued:
    """PLN picks prepaid customers to check; one sampling order each (seed 004 §III).

    A postpaid customer, or one whose sampling order is still open, gets none, with its reason.
    """
    require_role(actor, ISSUERS)
    customers = scoped(customers, actor)
    refused = {
        idpel: _("pelanggan pascabayar: sampling hanya untuk pelanggan prabayar")
        for idpel in customers.exclude(payment_mode=PaymentMode.PREPAID).values_list(
            "customer_id", flat=True
        )
    }
    prepaid = customers.filter(payment_mode=PaymentMode.PREPAID)
    still_open = FieldOrder.objects.filter(
        customer__in=prepaid.values("pk"),
        kind=OrderKind.PREPAID_SAMPLING,
        state__in=OPEN_STATES,
    ).select_related("customer")
    for order in still_open:
        refused[order.customer.customer_id] = _("order sampling %(ref)s masih %(state)s") % {
            "ref": order.reference,
            "state": order.get_state_display().lower(),
        }
    issued = _issue(
        actor=actor,
        customers=prepaid,
        kind=OrderKind.PREPAID_SAMPLING,
        verb="order_issued",
        note=str(OrderKind.PREPAID_SAMPLING.label),
    )
    return SamplingIssued(issued, refused)


@transaction.atomic
def record_prepaid_sampling(
    *,
    actor: User,
    order: FieldOrder,
    credit_kwh: Decimal,
    photo,
    anomaly: AnomalyCode | None,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> FieldOrder:
    """Sisa token, its photo, the LBKB anomaly and the meter's coordinates (seed 004 §III)."""
    order = _locked(order, actor, OrderKind.PREPAID_SAMPLING)
    _check_recorder(actor, order)
    _require_photo(photo)
    if latitude is None or longitude is None:
        raise InvalidInput("latitude", _("Koordinat APP (X dan Y) wajib diisi."))
    order.credit_kwh, order.anomaly = credit_kwh, anomaly
    order.latitude, order.longitude = latitude, longitude
    order.photo = _photo(photo, order.unit)
    _complete(
        order, actor, timezone.now(), "prepaid_sampled", f"LBKB {anomaly.code}" if anomaly else ""
    )
    return order


@transaction.atomic
def anomaly_to_replacement_target(*, actor: User, order: FieldOrder, damage_type) -> FieldOrder:
    """One action: a prepaid sampling anomaly becomes an Ex DG target in HOME (seed 000)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meterops.replacement.choices import TargetSource
    from meterops.replacement.services import DamageReport, report_damage

    order = _locked(order, actor, OrderKind.PREPAID_SAMPLING)
    if order.state not in (OrderState.DONE, OrderState.VERIFIED) or order.anomaly_id is None:
        raise WrongState(
            _(
                "Hanya sampling prabayar yang selesai dengan LBKB yang dapat "
                "dijadikan target ganti meter."
            )
        )
    if order.replacement_target_id:
        raise WrongState(
            _("Order ini sudah menjadi target %(ref)s.")
            % {"ref": order.replacement_target.reference}
        )
    with order.photo.open("rb") as f:
        photo = SimpleUploadedFile(order.photo.name.rsplit("/", 1)[-1], f.read(), "image/jpeg")
    target = report_damage(
        actor=actor,
        customer=order.customer,
        report=DamageReport(
            damage_type=damage_type,
            source=TargetSource.FAULT,
            from_reading_anomaly=True,
            notes=_("Dari sampling prabayar %(ref)s, LBKB %(code)s")
            % {"ref": order.reference, "code": order.anomaly},
            latitude=order.latitude,
            longitude=order.longitude,
        ),
        photos=[photo],
    )
    order.replacement_target = target
    order.save(update_fields=["replacement_target", "updated_at"])
    _event(order, actor, "anomaly_to_target", order.state, target.reference)
    return order
