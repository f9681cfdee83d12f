"""Reading's source of the field app's work list (``core.worklist``), registered in apps.py."""

from django.db.models import Exists, OuterRef

from meterops.core.choices import RoleCode
from meterops.core.scoping import scoped
from meterops.core.worklist import WorkItem, WorkQuery
from meterops.customers.models import Customer
from meterops.customers.queries import current_meters, dismantled_before, with_current_meter

from .choices import ReadingState
from .models import Reading


def reading_reference(reading) -> str:
    """How the work list and the phone name a reading: BLTH/IDPEL."""
    return f"{reading.period}/{reading.customer.customer_id}"


def _open_rereads(user):
    """Readings sent back for re-reading (Baca ulang) in a field officer's units, but none of a
    period after the customer's meter was dismantled (bongkar rampung, issue #23)."""
    if not user.has_role(RoleCode.FIELD_OFFICER):
        return Reading.objects.none()
    dismantled = Customer.objects.filter(
        dismantled_before(OuterRef("period")), pk=OuterRef("customer_id")
    )
    return (
        scoped(Reading, user)
        .filter(state=ReadingState.REREAD_REQUESTED)
        # Always true with the state (request_rereads requires a reason, reading again clears
        # it), and what lets PostgreSQL read the partial index reading_open_reread.
        .exclude(reread_reason="")
        .exclude(Exists(dismantled))
    )


REREADS = WorkQuery("reading", _open_rereads)


def reading_rereads(user, since=None) -> list[WorkItem]:
    """The officer's re-reads (``REREADS``, with ``since`` only those changed after it) in
    route order: the stan to read again, with the reason and the stan read before."""
    readings = (
        REREADS.changed_since(user, since)
        .select_related("customer")
        .prefetch_related(current_meters("customer__meters"))
        .order_by("customer__route_id", "customer__route_sequence", "id")[:500]
    )
    return [
        WorkItem(
            kind="reading",
            id=reading.pk,
            reference=reading_reference(reading),
            title=f"Baca ulang stan BLTH {reading.period}",
            state=reading.state,
            state_label=str(reading.get_state_display()),
            version=reading.updated_at,
            assigned_at=reading.updated_at,
            customer=with_current_meter(reading.customer),
            detail={
                "period": reading.period,
                "reason": reading.reread_reason,
                "previous_register_kwh": str(reading.register_kwh),
            },
        )
        for reading in readings
    ]
