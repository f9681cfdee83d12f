"""The Rekap's numbers per reading day and BLTH, kept in ``RecapTally`` (meterops.core.tallies):
counting them on each view read every reading and customer of a UID."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from meterops.core import tallies
from meterops.core.jobs import enqueue_on_commit
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer
from meterops.customers.queries import dismantled_before

from ..choices import ReadingState
from ..models import HELD_BACK, Reading, ReadingDay, RecapTally

RECAP_FIELDS = ("to_read", "read", "approved", "blocked")


def recap_counts(
    readings: QuerySet[Reading], customers: QuerySet[Customer], period: str
) -> dict[int, dict[str, int]]:
    """Per reading day: postpaid customers to read (not dismantled before), readings of the
    BLTH, disahkan, and sent but held back (seed 001: "rekap pelanggan pembacaan meter yang di
    sahkan ke AP2T"), in two aggregate queries over ``readings`` and ``customers``."""
    found = {
        row.pop("reading_day"): row
        for row in readings.filter(period=period)
        .values("reading_day")
        .annotate(
            read=Count("pk"),
            approved=Count("pk", filter=Q(state=ReadingState.APPROVED)),
            blocked=Count("pk", filter=HELD_BACK & Q(state=ReadingState.SENT)),
        )
        .order_by()
    }
    to_read = dict(
        customers.filter(route__schedule__isnull=False, payment_mode=PaymentMode.POSTPAID)
        .exclude(dismantled_before(period))
        .values("route__schedule__reading_day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("route__schedule__reading_day", "n")
    )
    zeros = {"read": 0, "approved": 0, "blocked": 0}
    return {
        day: {"to_read": to_read.get(day, 0), **found.get(day, zeros)}
        for day in set(found) | set(to_read)
    }


def count_recap(period: str) -> int:
    """Count the Rekap of a BLTH for every reading day into RecapTally (seed 001), in two
    aggregate queries; a day without customers or readings gets zeros. Returns the days."""
    counted_at = timezone.now()
    counts = recap_counts(Reading.objects.all(), Customer.objects.all(), period)
    zeros = dict.fromkeys(RECAP_FIELDS, 0)
    days = ReadingDay.objects.order_by("pk").values_list("pk", "unit_id")
    rows = [
        RecapTally(
            reading_day_id=day,
            unit_id=unit,
            period=period,
            counted_at=counted_at,
            **counts.get(day, zeros),
        )
        for day, unit in days
    ]
    return tallies.store(rows, keys=["reading_day", "period"], counts=list(RECAP_FIELDS))


def recap_counted_at(period: str):
    return tallies.counted_at(RecapTally.objects.filter(period=period))


def recount_recap_if_stale(period: str, counted_at) -> bool:
    """Queue a recount of the BLTH's Rekap when it is missing or stale."""
    from ..tasks import count_recap_task

    return tallies.recount_if_stale(count_recap_task, counted_at, period)


def recount_recap_after(period: str) -> None:
    """Queue a recount of the BLTH's Rekap once the current transaction commits (after a
    Pengesahan or its cancellation: the Rekap shows what was just disahkan within seconds)."""
    from ..tasks import count_recap_task

    enqueue_on_commit(count_recap_task, period, True)
