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
from django.utils import timezone

from .jobs import enqueue


def tally_max_age() -> timedelta:
    return timedelta(seconds=settings.TALLY_MAX_AGE)


def is_stale(counted_at: datetime | None) -> bool:
    """No tally yet, or one older than TALLY_MAX_AGE."""
    return counted_at is None or timezone.now() - counted_at > tally_max_age()


def just_counted(counted_at: datetime | None) -> bool:
    """Counted within the last half of TALLY_MAX_AGE: a queued recount has nothing to do."""
    return counted_at is not None and timezone.now() - counted_at < tally_max_age() / 2


def recount_if_stale(task, counted_at: datetime | None, *args) -> bool:
    """Queue ``task`` (a recount taking ``args``) when the tally is missing or stale."""
    if not is_stale(counted_at):
        return False
    enqueue(task, *args)
    return True
