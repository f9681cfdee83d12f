"""The reading block of Cek Status Terakhir: each recent BLTH and where its reading stands."""

from meterops.core.scoping import scoped
from meterops.customers.broken_meters import target_links_of_readings

from .models import Reading

RECENT_PERIODS = 6


def reading_status(user, customer) -> dict:
    """The customer's last readings within the user's scope, each with the HOME target its
    LBKB code opened or joined (issue #23)."""
    readings = list(
        scoped(Reading, user)
        .filter(customer=customer)
        .select_related("anomaly", "posting")
        .order_by("-period")[:RECENT_PERIODS]
    )
    targets = target_links_of_readings(user, customer, [r.period for r in readings if r.anomaly_id])
    for reading in readings:
        reading.target_link = targets.get(reading.period)
    return {"customer": customer, "readings": readings}
