"""The HOME block of Cek Status Terakhir: the customer's targets and what each came from."""

from django.db.models import Prefetch

from meterops.core.scoping import scoped

from .findings import origin_url
from .models import ReplacementTarget, TargetOrigin

RECENT_TARGETS = 5


def replacement_status(user, customer) -> dict:
    """The customer's last targets in the user's scope, each with its origins: the reading
    and LBKB code, or the ticket, that opened or joined it (issue #23)."""
    targets = list(
        scoped(ReplacementTarget, user)
        .filter(customer=customer)
        .select_related("damage_type")
        .prefetch_related(Prefetch("origins", queryset=TargetOrigin.objects.order_by("id")))
        .order_by("-reported_at", "-id")[:RECENT_TARGETS]
    )
    for target in targets:
        for origin in target.origins.all():
            origin.url = origin_url(origin)
    return {"targets": targets}
