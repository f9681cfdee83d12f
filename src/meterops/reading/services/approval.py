"""Pengesahan Stan Meter and its cancellation (seed 001); imported through ``services``.

What one press of Sah/Setuju covers follows the unit's pola pengesahan (``ReadingSettings``,
inherited down the unit tree): a whole reading day or one RBM, with or without the pengawas'
verification; ``approvable`` is the one place that decides it. Approving is one
data-modifying statement on PostgreSQL (``bulk.move``): the readings move to "sudah disahkan"
onto the posting and their history rows are written from the same UPDATE's RETURNING.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput, NotAllowed, WrongState
from meterops.core.models import User
from meterops.customers.models import Route

from ..bulk import move, save_one
from ..choices import SENT_STATES, ApprovalScope, ReadingState
from ..errors import NothingToDo, PostingTaken, ReadingDayIncomplete
from ..models import HELD_BACK, Approval, BillingPosting, Reading, ReadingDay, ReadingSettings
from .recap import recount_recap_after

# How many customers a refusal names; the page lists them all.
NAMED_IN_REFUSAL = 20


def can_approve(actor: User, reading_day: ReadingDay) -> bool:
    """Only the reading_approver (ADMIN_CMT, SPV TE) of the reading day's own ULP (seed 001)."""
    return actor.has_role(RoleCode.READING_APPROVER) and (
        actor.is_superuser or actor.unit_id == reading_day.unit_id
    )


def _require_approver(actor: User, reading_day: ReadingDay) -> None:
    if not can_approve(actor, reading_day):
        raise NotAllowed(_("Hanya ADMIN_CMT (SPV TE) ULP ini yang dapat mengesahkan stan."))


def approval_pattern(reading_day: ReadingDay) -> ReadingSettings:
    """The unit's pola pengesahan (seed 001: "disesuaikan pada regulasi atau kesepakatan Unit
    PLN"): its own setting or the nearest ancestor's."""
    return ReadingSettings.for_unit(reading_day.unit)


def ready_to_send(pattern: ReadingSettings) -> tuple[str, ...]:
    """The states a reading is sent to approval from: after the pengawas, or after the vendor
    admin where the unit's pattern needs no pengawas (seed 001, "sudah verifikasi")."""
    if pattern.supervisor_verification_required:
        return (ReadingState.VERIFIED,)
    return (ReadingState.VENDOR_VERIFIED, ReadingState.VERIFIED)


# The step a customer still waits for, by the state of its reading (None: no reading).
UNREAD = gettext_lazy("Belum terbaca")
STEPS = {
    None: UNREAD,
    ReadingState.REREAD_REQUESTED: gettext_lazy("Baca ulang diminta"),
    ReadingState.READ: gettext_lazy("Belum diverifikasi Admin Vendor"),
    ReadingState.VENDOR_VERIFIED: gettext_lazy("Belum diverifikasi Pengawas"),
    ReadingState.VERIFIED: gettext_lazy("Belum dikirim Admin Vendor"),
}
NOT_SENT = gettext_lazy("Belum dikirim Admin Vendor")


@dataclass
class Approvable:
    """What one Sah/Setuju covers: the customers, those still waiting, the pending readings."""

    reading_day: ReadingDay
    period: str
    route: Route | None
    pattern: ReadingSettings
    customers: QuerySet  # the postpaid customers the press covers
    readings: QuerySet  # their readings of the period

    @property
    def waiting(self) -> QuerySet:
        """Customers not yet read, verified and sent, each with ``reading_state``.

        Filtered by NOT EXISTS, not by the annotation: PostgreSQL turns it into one anti-join,
        and ``count()`` drops the unused annotation (a customer has one reading a period)."""
        mine = Reading.objects.filter(customer=OuterRef("pk"), period=self.period).order_by()
        return (
            self.customers.exclude(Exists(mine.filter(state__in=SENT_STATES)))
            .annotate(reading_state=Subquery(mine.values("state")[:1]))
            .select_related("route")
            .order_by("route__code", "route_sequence", "customer_id")
        )

    def step(self, reading_state: str | None) -> str:
        """The missing step of a waiting customer, in the users' words."""
        if reading_state == ReadingState.VENDOR_VERIFIED and not (
            self.pattern.supervisor_verification_required
        ):
            return str(NOT_SENT)
        return str(STEPS.get(reading_state, UNREAD))

    @property
    def pending(self) -> QuerySet:
        """Belum disahkan: sent and not held back (jam nyala, swap stands: HELD_BACK)."""
        return self.readings.filter(state=ReadingState.SENT).exclude(HELD_BACK)

    @property
    def held(self) -> QuerySet:
        return self.readings.filter(HELD_BACK, state=ReadingState.SENT)


def approvable(*, reading_day: ReadingDay, period: str, route: Route | None = None) -> Approvable:
    """What Sah/Setuju approves under the unit's pola pengesahan (seed 001: "pola
    pengesahannya disesuaikan pada regulasi atau kesepakatan Unit PLN"): a reading day, or
    one RBM of it; sent readings whose jam nyala is not above 2000 (rule 4) and whose swap
    stands agree (issue #23)."""
    pattern = approval_pattern(reading_day)
    by_route = pattern.approval_scope == ApprovalScope.ROUTE
    if by_route and route is None:
        raise InvalidInput("route", _("Pola pengesahan unit ini per RBM: pilih RBM dulu."))
    if not by_route and route is not None:
        raise InvalidInput("route", _("Pola pengesahan unit ini per hari baca, bukan per RBM."))
    if route is not None and not (
        Route.objects.filter(pk=route.pk, schedule__reading_day=reading_day).exists()
    ):
        raise InvalidInput("route", _("RBM %(r)s tidak ada di hari baca ini.") % {"r": route})
    return _covering(reading_day, period, route, pattern)


def reading_day_overview(*, reading_day: ReadingDay, period: str) -> Approvable:
    """The whole reading day as the approver looks at it before choosing an RBM; nothing is
    approved through it where the pattern is per RBM."""
    return _covering(reading_day, period, None, approval_pattern(reading_day))


def _covering(reading_day, period, route, pattern) -> Approvable:
    customers = reading_day.customers(period)
    readings = Reading.objects.filter(reading_day=reading_day, period=period)
    if route is not None:
        customers = customers.filter(route=route)
        readings = readings.filter(customer__route=route)
    return Approvable(reading_day, period, route, pattern, customers, readings)


def _incomplete(check: Approvable, count: int) -> ReadingDayIncomplete:
    """The refusal naming each missing step and its customers (seed 001, rule 2)."""
    named = list(check.waiting.values_list("customer_id", "reading_state")[:NAMED_IN_REFUSAL])
    by_step: dict[str, list[str]] = {}
    for customer_id, state in named:
        by_step.setdefault(check.step(state), []).append(customer_id)
    parts = "; ".join(f"{step}: {', '.join(ids)}" for step, ids in by_step.items())
    more = count - len(named)
    message = _("Belum bisa disahkan: %(n)s pelanggan belum lengkap. %(parts)s") % {
        "n": count,
        "parts": parts,
    }
    if more:
        message += " " + _("(dan %(m)s lainnya: lihat daftar Belum lengkap)") % {"m": more}
    customers = [{"customer_id": c, "step": check.step(s)} for c, s in named]
    return ReadingDayIncomplete(message, customers=customers, waiting=count)


@dataclass
class ApprovalResult:
    approval: Approval
    blocked: QuerySet


def _posting_number(reading_day: ReadingDay, period: str, approval: Approval) -> str:
    """P1F2-<ULP>-<BLTH>-<hari baca or RBM>-<n>, cut to the 40 characters of the file."""
    scope = approval.route.code if approval.route_id else reading_day.code
    tail = f"-{approval.pk}"
    return f"P1F2-{reading_day.unit.code}-{period}-{scope}"[: 40 - len(tail)] + tail


@transaction.atomic
def approve_reading_day(
    *, actor: User, reading_day: ReadingDay, period: str, route: Route | None = None
) -> ApprovalResult:
    """Sah/Setuju: approve every "belum disahkan" reading of the day (or of its RBM, by the
    unit's pattern) into posting 1 fungsi 2.

    Seed 001: only once every customer covered is read, verified and sent; jam nyala above
    2000 stays unapproved; may be pressed again for readings sent later. One statement moves
    the rows; the reading day's row lock makes two approvers at once post each reading once.
    """
    _require_approver(actor, reading_day)
    reading_day = (
        ReadingDay.objects.select_for_update().select_related("unit").get(pk=reading_day.pk)
    )
    check = approvable(reading_day=reading_day, period=period, route=route)
    waiting = check.waiting.count()
    if waiting:
        raise _incomplete(check, waiting)
    sent = check.readings.filter(state=ReadingState.SENT)
    counts = sent.aggregate(total=Count("pk"), blocked=Count("pk", filter=HELD_BACK))
    if counts["total"] == counts["blocked"]:
        raise NothingToDo(
            _("Tidak ada stan belum disahkan yang bisa disahkan (%(n)s tertahan).")
            % {"n": counts["blocked"]}
        )
    approval = Approval.objects.create(
        reading_day=reading_day,
        route=route,
        period=period,
        approved_by=actor,
        blocked_count=counts["blocked"],
    )
    posting = BillingPosting.objects.create(
        approval=approval,
        unit_id=reading_day.unit_id,
        number=_posting_number(reading_day, period, approval),
    )
    approval.approved_count = move(
        check.pending,
        method=Reading.approve,
        verb="reading.approved",
        actor=actor,
        note=posting.number,
        posting=posting,
    )
    approval.save(update_fields=["approved_count"])
    recount_recap_after(period)
    return ApprovalResult(approval=approval, blocked=check.held)


def _cancellable() -> Q:
    """A posting billing has neither fetched nor taken (once fetched, its file is out)."""
    return Q(posting__taken_at__isnull=True, posting__pulled_at__isnull=True)


@transaction.atomic
def cancel_approval(*, actor: User, reading: Reading, reason: str) -> Reading:
    """Pembatalan pengesahan of one customer, while billing has not taken its posting."""
    reading = Reading.objects.select_for_update(of=("self",)).get(pk=reading.pk)
    _require_approver(actor, reading.reading_day)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Isi alasan pembatalan."))
    if reading.state != ReadingState.APPROVED:
        raise WrongState(_("Stan ini belum disahkan."))
    # The posting's lock orders this against AP2T fetching its file (billing.pull_posting).
    posting = BillingPosting.objects.select_for_update().get(pk=reading.posting_id)
    if posting.taken_at is not None or posting.pulled_at is not None:
        raise PostingTaken()
    reading.cancel_approval()
    save_one(
        reading,
        verb="reading.approval_cancelled",
        from_state=ReadingState.APPROVED,
        actor=actor,
        note=reason,
    )
    recount_recap_after(reading.period)
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
    # Locked so that AP2T can not fetch one of them while their readings are taken back.
    list(
        BillingPosting.objects.select_for_update(of=("self",)).filter(
            approval__reading_day=reading_day, approval__period=period
        )
    )
    count = move(
        Reading.objects.filter(_cancellable(), reading_day=reading_day, period=period),
        method=Reading.cancel_approval,
        verb="reading.approval_cancelled",
        actor=actor,
        note=reason,
        events=True,
        posting=None,
    )
    if not count:
        raise NothingToDo(_("Tidak ada pengesahan yang bisa dibatalkan."))
    recount_recap_after(period)
    return count


@transaction.atomic
def mark_posting_taken(*, actor: User, posting: BillingPosting) -> BillingPosting:
    """Record by hand that billing (AP2T) took a posting, for units whose AP2T does not pull
    them through the API; its approvals can no longer be cancelled."""
    reading_day = posting.approval.reading_day
    _require_approver(actor, reading_day)
    if approval_pattern(reading_day).billing_pulls_postings:
        raise WrongState(
            _("AP2T unit ini mengambil posting lewat API: penandaan manual tidak dipakai.")
        )
    posting = BillingPosting.objects.select_for_update().get(pk=posting.pk)
    if posting.taken_at is None:
        posting.taken_at = timezone.now()
        posting.save(update_fields=["taken_at"])
    return posting
