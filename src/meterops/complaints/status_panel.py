"""The PLN 123 block of Cek Status Terakhir: the customer's tickets and their HOME targets."""

from meterops.core.scoping import scoped

from .models import Ticket

RECENT_TICKETS = 5


def complaint_status(user, customer) -> dict:
    """The customer's last APKT tickets in the user's scope, each with the HOME target it
    became when its cause was a broken meter (issue #23)."""
    tickets = (
        scoped(Ticket, user)
        .filter(customer=customer)
        .select_related("replacement_target")
        .order_by("-created_at", "-id")[:RECENT_TICKETS]
    )
    return {"tickets": list(tickets)}
