"""Reads of the reading domain, each starting from what the requesting user may see."""

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.customers.meter_readings import LatestReading
from meterops.customers.models import Customer, Route

from .choices import SENT_STATES, VERIFIED_STATES, ReadingState
from .models import HELD_BACK, AnomalyCode, BillingPosting, Reading, ReadingDay, RecapTally
from .services import RECAP_FIELDS, recap_counted_at, recap_counts, recount_recap_if_stale


def unsent_customers(reading_day: ReadingDay, period: str) -> QuerySet[Customer]:
    """Customers of the day without a reading filled, verified and sent (seed 001, rule 2)."""
    sent = Reading.objects.filter(customer=OuterRef("pk"), period=period, state__in=SENT_STATES)
    return reading_day.customers(period).exclude(Exists(sent))


def reading_days_for(user) -> QuerySet[ReadingDay]:
    return (
        scoped(ReadingDay, user)
        .select_related("unit")
        .annotate(route_count=Count("schedules", distinct=True))
    )


def get_reading_day_for(user, pk) -> ReadingDay:
    return get_object_or_404(scoped(ReadingDay, user).select_related("unit"), pk=pk)


def routes_for(user) -> QuerySet[Route]:
    return (
        scoped(Route, user)
        .select_related("unit", "schedule__reading_day")
        .annotate(customer_count=Count("customers"))
        .order_by("unit__path", "code")
    )


def get_route_for(user, pk) -> Route:
    return get_object_or_404(scoped(Route, user).select_related("unit"), pk=pk)


def route_customers(route: Route) -> QuerySet[Customer]:
    return route.customers.order_by("route_sequence", "customer_id")


def readings_for(user) -> QuerySet[Reading]:
    return scoped(Reading, user).select_related("customer", "anomaly")


def day_readings(user, reading_day: ReadingDay, period: str) -> QuerySet[Reading]:
    """A reading day's readings of a period in reading order (RBM, then sequence)."""
    return (
        readings_for(user)
        .filter(reading_day=reading_day, period=period)
        .order_by("customer__route__code", "customer__route_sequence", "customer__customer_id")
    )


def reading_day_counts(reading_day: ReadingDay, period: str, route=None) -> dict:
    """Pengesahan's counts of a day (or of one RBM of it): to read, read, verified, sent,
    belum/sudah, blocked."""
    readings = Reading.objects.filter(reading_day=reading_day, period=period)
    customers = reading_day.customers(period)
    unsent = unsent_customers(reading_day, period)
    if route is not None:
        readings = readings.filter(customer__route=route)
        customers = customers.filter(route=route)
        unsent = unsent.filter(route=route)
    counts = readings.aggregate(
        read=Count("pk"),
        verified=Count("pk", filter=Q(state__in=VERIFIED_STATES)),
        sent=Count("pk", filter=Q(state__in=SENT_STATES)),
        pending=Count("pk", filter=Q(state=ReadingState.SENT)),
        approved=Count("pk", filter=Q(state=ReadingState.APPROVED)),
        blocked=Count("pk", filter=HELD_BACK & Q(state=ReadingState.SENT)),
    )
    counts["to_read"] = customers.count()
    counts["unsent"] = unsent.count()
    return counts


def pending_approval(user, reading_day_id=None) -> tuple[int, str] | None:
    """(reading day id, BLTH) of the oldest readings waiting in belum disahkan that ``user``
    sees (of one reading day if given): where the Pengesahan page opens (seed 001)."""
    waiting = scoped(Reading, user).filter(state=ReadingState.SENT)
    if reading_day_id is not None:
        waiting = waiting.filter(reading_day_id=reading_day_id)
    return (
        waiting.order_by("period", "reading_day__unit__path", "reading_day__code")
        .values_list("reading_day", "period")
        .first()
    )


PENDING_DAYS_SHOWN = 30


def pending_days(user) -> list[dict]:
    """The reading days and BLTHs with readings in belum disahkan that ``user`` sees, oldest
    BLTH first: ``reading_day``, ``period``, ``pending`` and ``held`` (HELD_BACK: by jam nyala,
    seed 001, or swap stands, issue #23)."""
    rows = list(
        scoped(Reading, user)
        .filter(state=ReadingState.SENT)
        .values("reading_day", "period")
        .annotate(pending=Count("pk"), held=Count("pk", filter=HELD_BACK))
        .order_by("period", "reading_day__unit__path", "reading_day__code")[:PENDING_DAYS_SHOWN]
    )
    days = ReadingDay.objects.select_related("unit").in_bulk({r["reading_day"] for r in rows})
    for row in rows:
        row["reading_day"] = days[row["reading_day"]]
    return rows


def first_reading_day(user) -> ReadingDay | None:
    """The first reading day ``user`` sees, in unit and code order."""
    return scoped(ReadingDay, user).order_by("unit__path", "code").first()


def _last_step(verb: str) -> QuerySet:
    """A reading's newest history row written by the step ``verb`` (who and when)."""
    return Reading.history.model.objects.filter(
        id=OuterRef("pk"), history_change_reason=verb
    ).order_by("-history_date", "-history_id")


def readings_with_verifications(readings: QuerySet[Reading]) -> QuerySet[Reading]:
    """Readings with who and when the vendor admin and the pengawas verified them
    (seed 001: "Memverifikasi hasil verifikasi yang dilakukan oleh Admin Vendor & Pengawas"):
    ``vendor_by_id``/``vendor_at``, ``supervisor_by_id``/``supervisor_at``, from their history."""
    vendor, supervisor = _last_step("reading.vendor_verified"), _last_step("reading.verified")
    return readings.select_related("customer__route", "anomaly", "posting").annotate(
        vendor_by_id=Subquery(vendor.values("history_user_id")[:1]),
        vendor_at=Subquery(vendor.values("history_date")[:1]),
        supervisor_by_id=Subquery(supervisor.values("history_user_id")[:1]),
        supervisor_at=Subquery(supervisor.values("history_date")[:1]),
    )


def postings_of(reading_day: ReadingDay, period: str) -> list[BillingPosting]:
    """The day's postings, each with ``line_count``: the readings it still carries."""
    postings = list(
        BillingPosting.objects.filter(
            approval__reading_day=reading_day, approval__period=period
        ).select_related("approval__approved_by", "approval__route")
    )
    counts = dict(
        Reading.objects.filter(reading_day=reading_day, period=period, posting__isnull=False)
        .values("posting")
        .annotate(n=Count("pk"))
        .values_list("posting", "n")
    )
    for posting in postings:
        posting.line_count = counts.get(posting.pk, 0)
    return postings


def get_posting_for(user, pk) -> BillingPosting:
    return get_object_or_404(
        scoped(BillingPosting, user).select_related("approval__reading_day"), pk=pk
    )


def recap_rows(user, period: str) -> tuple[list[dict], datetime | None]:
    """Per reading day the user may see: customers to read, sudah and belum disahkan; and when
    they were counted (the kept tally, queued for a recount when stale; None: counted now for
    the user's reach, before the BLTH's first tally)."""
    days = list(scoped(ReadingDay, user).select_related("unit").order_by("unit__path", "code"))
    counted_at = recap_counted_at(period)
    recount_recap_if_stale(period, counted_at)
    if counted_at is None:
        counts = recap_counts(scoped(Reading, user), scoped(Customer, user), period)
    else:
        tallies = scoped(RecapTally, user).filter(period=period)
        counts = {
            t.pop("reading_day_id"): t for t in tallies.values("reading_day_id", *RECAP_FIELDS)
        }
    zeros = dict.fromkeys(RECAP_FIELDS, 0)
    rows = []
    for day in days:
        found = counts.get(day.pk, zeros)
        rows.append(
            {
                "reading_day": day,
                **found,
                "not_approved": found["to_read"] - found["approved"],
            }
        )
    return rows, counted_at


def customer_readings(customer: Customer) -> QuerySet[Reading]:
    return customer.readings.select_related("reading_day", "anomaly", "posting").order_by("-period")


def recap_customers(reading_day: ReadingDay, period: str) -> QuerySet[Customer]:
    """The day's customers in reading order, each with its reading's state for ``period``."""
    reading = Reading.objects.filter(customer=OuterRef("pk"), period=period)
    return (
        reading_day.customers(period)
        .select_related("route")
        .annotate(
            reading_state=Subquery(reading.values("state")[:1]),
            hours_on=Subquery(reading.values("hours_on")[:1]),
            posting_number=Subquery(reading.values("posting__number")[:1]),
        )
        .order_by("route__code", "route_sequence", "customer_id")
    )


ACCEPTED_BY_VENDOR = (
    ReadingState.VENDOR_VERIFIED,
    ReadingState.VERIFIED,
    ReadingState.SENT,
    ReadingState.APPROVED,
)


def verification_rows(readings, *, supervisor_required: bool) -> list[dict]:
    """Per reading of ``readings_with_verifications``: each verification's result, who, when.

    The result follows the reading's state: a re-read voids the verifications before it.
    """
    readings = list(readings)
    ids = {r.vendor_by_id for r in readings} | {r.supervisor_by_id for r in readings}
    names = {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in=ids - {None})
    }
    rows = []
    for reading in readings:
        vendor = _verification(
            reading.state in ACCEPTED_BY_VENDOR, reading, names, "vendor", required=True
        )
        supervisor = _verification(
            reading.state in VERIFIED_STATES
            and (reading.supervisor_at is not None or supervisor_required),
            reading,
            names,
            "supervisor",
            required=supervisor_required,
        )
        rows.append({"reading": reading, "vendor": vendor, "supervisor": supervisor})
    return rows


def _verification(accepted: bool, reading, names, step: str, *, required: bool) -> dict:
    if accepted:
        by = getattr(reading, f"{step}_by_id")
        at = getattr(reading, f"{step}_at")
        return {"result": _("Diterima"), "by": names.get(by, ""), "at": at}
    if reading.state == ReadingState.REREAD_REQUESTED:
        return {"result": _("Diminta baca ulang"), "by": "", "at": None}
    if not required and reading.state in ACCEPTED_BY_VENDOR:
        return {"result": _("Tidak diwajibkan"), "by": "", "at": None}
    return {"result": _("Belum"), "by": "", "at": None}


def latest_readings_of(customer_ids: list[int]) -> dict[int, LatestReading]:
    """Each customer's reading of its latest period, with its LBKB code (customers.meter_readings).

    One query: the unique (customer, period) index finds each customer's newest row. Not
    scoped: the caller (HOME) passes customers of records already read within its scope."""
    newest = (
        Reading.objects.filter(customer_id=OuterRef("customer_id"))
        .order_by("-period")
        .values("pk")[:1]
    )
    rows = (
        Reading.objects.filter(customer_id__in=customer_ids, pk=Subquery(newest))
        .values_list("customer_id", "register_kwh", "period", "read_at", "anomaly__code")
        .order_by()
    )
    return {
        customer: LatestReading(kwh, period, read_at, code or "")
        for customer, kwh, period, read_at, code in rows
    }


def active_anomaly_codes() -> tuple[str, ...]:
    return tuple(AnomalyCode.objects.filter(is_active=True).values_list("code", flat=True))
