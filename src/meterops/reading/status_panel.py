"""The reading block of Cek Status Terakhir: each recent BLTH and where its reading stands."""

from meterops.core.scoping import scoped

from .models import Reading

RECENT_PERIODS = 6


def reading_status(user, customer) -> dict:
    """The customer's last readings within the user's scope (issue: shown on Cek Status)."""
    readings = (
        scoped(Reading, user)
        .filter(customer=customer)
        .select_related("anomaly", "posting")
        .order_by("-period")[:RECENT_PERIODS]
    )
    return {"customer": customer, "readings": list(readings)}
