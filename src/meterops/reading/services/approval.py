"""Pengesahan Stan Meter and its cancellation (seed 001); imported through ``services``.

Approving a reading day is one data-modifying statement on PostgreSQL (``bulk.move``): the
readings move to "sudah disahkan" onto the posting and their history rows are written from
the same UPDATE's RETURNING.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, WrongState
from meterops.core.models import User

from ..bulk import move, save_one
from ..choices import MAX_HOURS_ON, ReadingState
from ..errors import NothingToDo, PostingTaken, ReadingDayIncomplete
from ..models import Approval, BillingPosting, Reading, ReadingDay
from ..queries import unsent_customers


def can_approve(actor: User, reading_day: ReadingDay) -> bool:
    """Only the reading_approver (ADMIN_CMT, SPV TE) of the reading day's own ULP (seed 001)."""
    return actor.has_role(RoleCode.READING_APPROVER) and (
        actor.is_superuser or actor.unit_id == reading_day.unit_id
    )


def _require_approver(actor: User, reading_day: ReadingDay) -> None:
    if not can_approve(actor, reading_day):
        raise NotAllowed(_("Hanya ADMIN_CMT (SPV TE) ULP ini yang dapat mengesahkan stan."))


@dataclass
class ApprovalResult:
    approval: Approval
    blocked: QuerySet


@transaction.atomic
def approve_reading_day(*, actor: User, reading_day: ReadingDay, period: str) -> ApprovalResult:
    """Sah/Setuju: approve every "belum disahkan" reading of the day into posting 1 fungsi 2.

    Seed 001: only once every customer of the day is read, verified and sent; jam nyala above
    2000 stays unapproved; may be pressed again for readings sent later. One statement moves
    the rows; the reading day's row lock makes two approvers at once post each reading once.
    """
    _require_approver(actor, reading_day)
    reading_day = ReadingDay.objects.select_for_update().get(pk=reading_day.pk)
    missing = unsent_customers(reading_day, period).count()
    if missing:
        raise ReadingDayIncomplete(
            _(
                "Belum bisa disahkan: %(n)s pelanggan hari baca ini belum terisi stan, "
                "belum diverifikasi atau belum dikirim."
            )
            % {"n": missing}
        )
    pending = Reading.objects.filter(
        reading_day=reading_day, period=period, state=ReadingState.SENT
    )
    too_long = Q(hours_on__gt=MAX_HOURS_ON)
    counts = pending.aggregate(total=Count("pk"), blocked=Count("pk", filter=too_long))
    if counts["total"] == counts["blocked"]:
        raise NothingToDo(
            _("Tidak ada stan belum disahkan yang bisa disahkan (%(n)s tertahan jam nyala).")
            % {"n": counts["blocked"]}
        )
    approval = Approval.objects.create(
        reading_day=reading_day,
        period=period,
        approved_by=actor,
        blocked_count=counts["blocked"],
    )
    posting = BillingPosting.objects.create(
        approval=approval,
        unit_id=reading_day.unit_id,
        number=f"P1F2-{reading_day.unit.code}-{period}-{reading_day.code}-{approval.pk}",
    )
    approval.approved_count = move(
        pending.exclude(too_long),
        method=Reading.approve,
        verb="reading.approved",
        actor=actor,
        note=posting.number,
        posting=posting,
    )
    approval.save(update_fields=["approved_count"])
    return ApprovalResult(approval=approval, blocked=pending.filter(too_long))


@transaction.atomic
def cancel_approval(*, actor: User, reading: Reading, reason: str) -> Reading:
    """Pembatalan pengesahan of one customer, while billing has not taken its posting."""
    reading = (
        Reading.objects.select_for_update(of=("self",)).select_related("posting").get(pk=reading.pk)
    )
    _require_approver(actor, reading.reading_day)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Isi alasan pembatalan."))
    if reading.state != ReadingState.APPROVED:
        raise WrongState(_("Stan ini belum disahkan."))
    if reading.posting.taken_at is not None:
        raise PostingTaken()
    reading.cancel_approval()
    save_one(
        reading,
        verb="reading.approval_cancelled",
        from_state=ReadingState.APPROVED,
        actor=actor,
        note=reason,
    )
    return reading


@transaction.atomic
def cancel_reading_day_approval(
    *, actor: User, reading_day: ReadingDay, period: str, reason: str
) -> int:
    """Pembatalan pengesahan of a whole reading day: every approval billing has not taken."""
    _require_approver(actor, reading_day)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Isi alasan pembatalan."))
    ReadingDay.objects.select_for_update().get(pk=reading_day.pk)
    count = move(
        Reading.objects.filter(
            reading_day=reading_day, period=period, posting__taken_at__isnull=True
        ),
        method=Reading.cancel_approval,
        verb="reading.approval_cancelled",
        actor=actor,
        note=reason,
        events=True,
        posting=None,
    )
    if not count:
        raise NothingToDo(_("Tidak ada pengesahan yang bisa dibatalkan."))
    return count


@transaction.atomic
def mark_posting_taken(*, actor: User, posting: BillingPosting) -> BillingPosting:
    """Record that billing (AP2T) took a posting; its approvals can no longer be cancelled."""
    _require_approver(actor, posting.approval.reading_day)
    posting = BillingPosting.objects.select_for_update().get(pk=posting.pk)
    if posting.taken_at is None:
        posting.taken_at = timezone.now()
        posting.save(update_fields=["taken_at"])
    return posting
