"""Background work of the reading domain, through the Tasks API only (any configured backend)."""

from django_tasks import task

from meterops.core.jobs import traced
from meterops.core.tallies import just_counted

from .services.recap import count_recap, recap_counted_at


@task()
@traced
def count_recap_task(period: str, force: bool = False) -> int:
    """Count the Rekap of a BLTH again, unless another run just did (``force``: a Pengesahan
    changed it)."""
    if not force and just_counted(recap_counted_at(period)):
        return 0
    return count_recap(period)
