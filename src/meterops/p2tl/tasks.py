"""Background work of the P2TL list, through the Tasks API only (any configured backend)."""

from django_tasks import task

from meterops.core.jobs import traced

from . import services


@task()
@traced
def count_suspects_task(unit_id: int | None = None, force: bool = False) -> int:
    """Score the customers again (of ``unit_id`` and below, or all), unless another run just
    did (``force``: the unit's weights changed)."""
    if not force and services.scores_just_counted():
        return 0
    return services.count_suspects(unit_id)
