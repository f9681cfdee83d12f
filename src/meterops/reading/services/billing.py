"""Billing (AP2T) pulls the approved postings and acknowledges them (seed 001: "Data sudah
posting 1 pada fungsi 2"); the API calls these. Units whose AP2T does not use the API keep the
"Tandai diambil AP2T" button (``approval.mark_posting_taken``).
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import NotFound
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import require_role

from ..errors import PostingNotPulled
from ..models import BillingPosting

BILLING_ROLES = (RoleCode.BILLING_SYSTEM,)


def postings_for_billing(actor: User) -> QuerySet[BillingPosting]:
    """The postings of the actor's units billing has not acknowledged yet, oldest first."""
    require_role(actor, BILLING_ROLES)
    return (
        scoped(BillingPosting, actor)
        .filter(taken_at__isnull=True)
        .select_related("unit", "approval__reading_day__unit", "approval__route")
        .order_by("created_at", "pk")
    )


def _locked_posting(actor: User, number: str) -> BillingPosting:
    require_role(actor, BILLING_ROLES)
    posting = (
        scoped(BillingPosting, actor)
        .select_for_update()
        .select_related("approval__reading_day__unit")
        .filter(number=number)
        .first()
    )
    if posting is None:
        raise NotFound(_("Posting %(p)s tidak ada di unit Anda.") % {"p": number})
    return posting


@transaction.atomic
def pull_posting(*, actor: User, number: str) -> BillingPosting:
    """Billing fetches a posting's file (seed 001, "posting 1 pada fungsi 2"): the first fetch
    is recorded, and from then on its approvals can not be cancelled."""
    posting = _locked_posting(actor, number)
    if posting.pulled_at is None:
        posting.pulled_at = timezone.now()
        posting.save(update_fields=["pulled_at"])
    return posting


@transaction.atomic
def acknowledge_posting(*, actor: User, number: str) -> BillingPosting:
    """Billing confirms it took a posting it fetched; a repeated confirmation changes nothing
    and answers the first one's time (seed 001, "Data sudah posting 1 pada fungsi 2")."""
    posting = _locked_posting(actor, number)
    if posting.pulled_at is None:
        raise PostingNotPulled(
            _("Posting %(p)s belum pernah diunduh: unduh filenya dulu, baru konfirmasi.")
            % {"p": number}
        )
    if posting.taken_at is None:
        posting.taken_at = timezone.now()
        posting.save(update_fields=["taken_at"])
    return posting
