"""Reads of the reading domain, each starting from what the requesting user may see."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from meterops.core.scoping import scoped
from meterops.customers.choices import PaymentMode
from meterops.customers.meter_readings import LatestReading
from meterops.customers.models import Customer, Route

from .choices import MAX_HOURS_ON, SENT_STATES, VERIFIED_STATES, ReadingState
from .models import AnomalyCode, BillingPosting, Reading, ReadingDay


def unsent_customers(reading_day: ReadingDay, period: str) -> QuerySet[Customer]:
    """Customers of the day without a reading filled, verified and sent (seed 001, rule 2)."""
    sent = Reading.objects.filter(customer=OuterRef("pk"), period=period, state__in=SENT_STATES)
    return reading_day.customers().exclude(Exists(sent))


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


def reading_day_counts(reading_day: ReadingDay, period: str) -> dict:
    """Pengesahan's counts of a day: to read, read, verified, sent, belum/sudah, blocked."""
    counts = Reading.objects.filter(reading_day=reading_day, period=period).aggregate(
        read=Count("pk"),
        verified=Count("pk", filter=Q(state__in=VERIFIED_STATES)),
        sent=Count("pk", filter=Q(state__in=SENT_STATES)),
        pending=Count("pk", filter=Q(state=ReadingState.SENT)),
        approved=Count("pk", filter=Q(state=ReadingState.APPROVED)),
        blocked=Count("pk", filter=Q(state=ReadingState.SENT, hours_on__gt=MAX_HOURS_ON)),
    )
    counts["to_read"] = reading_day.customers().count()
    counts["unsent"] = unsent_customers(reading_day, period).count()
    return counts


def postings_of(reading_day: ReadingDay, period: str) -> list[BillingPosting]:
    """The day's postings, each with ``line_count``: the readings it still carries."""
    postings = list(
        BillingPosting.objects.filter(
            approval__reading_day=reading_day, approval__period=period
        ).select_related("approval__approved_by")
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


def recap_rows(user, period: str) -> list[dict]:
    """Per reading day the user may see: customers to read, sudah and belum disahkan."""
    days = list(scoped(ReadingDay, user).select_related("unit").order_by("unit__path", "code"))
    counts = {
        row["reading_day"]: row
        for row in scoped(Reading, user)
        .filter(period=period)
        .values("reading_day")
        .annotate(
            read=Count("pk"),
            approved=Count("pk", filter=Q(state=ReadingState.APPROVED)),
            blocked=Count("pk", filter=Q(state=ReadingState.SENT, hours_on__gt=MAX_HOURS_ON)),
        )
    }
    to_read = dict(
        scoped(Customer, user)
        .filter(route__schedule__isnull=False, payment_mode=PaymentMode.POSTPAID)
        .values("route__schedule__reading_day")
        .annotate(n=Count("pk"))
        .values_list("route__schedule__reading_day", "n")
    )
    rows = []
    for day in days:
        found = counts.get(day.pk, {})
        total = to_read.get(day.pk, 0)
        approved = found.get("approved", 0)
        rows.append(
            {
                "reading_day": day,
                "to_read": total,
                "read": found.get("read", 0),
                "approved": approved,
                "not_approved": total - approved,
                "blocked": found.get("blocked", 0),
            }
        )
    return rows


def customer_readings(customer: Customer) -> QuerySet[Reading]:
    return customer.readings.select_related("reading_day", "anomaly", "posting").order_by("-period")


def recap_customers(reading_day: ReadingDay, period: str) -> QuerySet[Customer]:
    """The day's customers in reading order, each with its reading's state for ``period``."""
    reading = Reading.objects.filter(customer=OuterRef("pk"), period=period)
    return (
        reading_day.customers()
        .select_related("route")
        .annotate(
            reading_state=Subquery(reading.values("state")[:1]),
            hours_on=Subquery(reading.values("hours_on")[:1]),
        )
        .order_by("route__code", "route_sequence", "customer_id")
    )


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
