"""Key change's source of the field app's work list (``core.worklist``), registered in apps.py."""

from django.db.models import Prefetch

from meterops.core.scoping import scoped
from meterops.core.worklist import WorkItem, WorkQuery

from .choices import TargetState
from .models import CampaignTarget, DisplayExpectation, KeyChangeToken
from .services import pick_display_expectation


def _open_targets(user):
    """KRN-2 key-change targets (seed 003) assigned to this officer and not confirmed yet."""
    return scoped(CampaignTarget, user).filter(assigned_to=user, state=TargetState.ASSIGNED)


TARGETS = WorkQuery("keychange", _open_targets)


def keychange_targets(user, since=None) -> list[WorkItem]:
    """The officer's targets (``TARGETS``, with ``since`` only those changed after it): the KCT
    pair to enter on the meter and what the meter shows after "04 enter" (Lampiran I)."""
    targets = list(
        TARGETS.changed_since(user, since)
        .select_related("customer", "meter", "campaign")
        .prefetch_related(
            Prefetch(
                "tokens",
                queryset=KeyChangeToken.objects.filter(voided_at__isnull=True),
                to_attr="live_tokens",
            )
        )
        .order_by("assigned_at", "id")[:500]
    )
    if not targets:
        return []
    brands = {(t.meter.brand or "").upper() for t in targets}
    expectations = [row for row in DisplayExpectation.objects.all() if row.brand.upper() in brands]
    items = []
    for target in targets:
        customer, meter = target.customer, target.meter
        customer.current_meter_row = meter
        kct = target.live_tokens[0] if target.live_tokens else None
        items.append(
            WorkItem(
                kind="keychange",
                id=target.pk,
                reference=target.reference,
                title="Ganti kunci meter KRN-2 (KCT)",
                state=target.state,
                state_label=str(target.get_state_display()),
                version=target.updated_at,
                assigned_at=target.assigned_at,
                customer=customer,
                detail={
                    "campaign": target.campaign.name,
                    "meter_number": meter.meter_number,
                    "meter_brand": meter.brand,
                    "meter_model": meter.model,
                    "tokens": kct.formatted if kct else [],
                    "from_key_revision": kct.from_key_revision if kct else None,
                    "to_key_revision": kct.to_key_revision if kct else None,
                    "expected_display": getattr(
                        pick_display_expectation(meter, expectations), "expected_display", ""
                    ),
                    "test_token": kct.formatted_test_token if kct else "",
                },
            )
        )
    return items
