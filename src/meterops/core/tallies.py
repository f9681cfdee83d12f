"""Counts kept instead of counted on each view (issue #22).

A dashboard that counts every customer, meter or reading of a UID on each view grows with the
UID (hundreds of milliseconds at 1M customers, seconds at 5M; docs/BENCHMARKS.md). Such counts
are kept in a small table per domain ("tally") that a worker fills with one aggregate query;
the page shows when they were counted. A view finding its tally older than TALLY_MAX_AGE
queues a recount, and the recount skips a tally another run has just made, so views queueing it
at the same moment count once. A write that changes a tally's numbers may queue a forced recount.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Model, QuerySet
from django.utils import timezone

from .jobs import enqueue
from .replica import unread_write


def tally_max_age() -> timedelta:
    return timedelta(seconds=settings.TALLY_MAX_AGE)


def counted_at(tallies: QuerySet) -> datetime | None:
    """When the newest of ``tallies`` was counted; None before the first count."""
    return tallies.aggregate(newest=Max("counted_at"))["newest"]


def is_stale(counted_at: datetime | None, max_age: timedelta | None = None) -> bool:
    """No tally yet, or one older than ``max_age`` (default TALLY_MAX_AGE)."""
    return counted_at is None or timezone.now() - counted_at > (max_age or tally_max_age())


def just_counted(counted_at: datetime | None, max_age: timedelta | None = None) -> bool:
    """Counted within the last half of ``max_age``: a queued recount has nothing to do."""
    max_age = max_age or tally_max_age()
    return counted_at is not None and timezone.now() - counted_at < max_age / 2


def recount_if_stale(
    task, counted_at: datetime | None, *args, max_age: timedelta | None = None
) -> bool:
    """Queue ``task`` (a recount taking ``args``) when the tally is missing or stale. The job's
    row is no write the view reads back, so the view's other reads may stay on the replica."""
    if not is_stale(counted_at, max_age):
        return False
    with unread_write():
        enqueue(task, *args)
    return True


def store(tallies: list[Model], *, keys: list[str], counts: list[str]) -> int:
    """Write ``tallies`` over the kept rows with the same ``keys`` (their ``counts`` and
    ``counted_at``) in one statement; returns how many were written."""
    if tallies:
        type(tallies[0]).objects.bulk_create(
            tallies,
            update_conflicts=True,
            unique_fields=keys,
            update_fields=[*counts, "counted_at"],
        )
    return len(tallies)
