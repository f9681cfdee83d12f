"""A customer's latest meter reading, for the domains beside the reading app (HOME).

The reading app sits in the same layer as replacement and may not be imported from it, so it
registers its reads here in its AppConfig.ready(), as domains register their work lists in
``core.worklist``. Without it (an install without ACMT) customers have no readings.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class LatestReading:
    """The customer's reading of the latest period (BLTH), whatever its state."""

    register_kwh: Decimal
    period: str  # YYYYMM
    read_at: datetime | None
    anomaly_code: str  # the LBKB code, "" for a normal reading


@dataclass
class ReadingSource:
    latest: Callable[[list[int]], dict[int, LatestReading]]
    anomaly_codes: Callable[[], tuple[str, ...]]


_SOURCES: list[ReadingSource] = []


def register_reading_source(source: ReadingSource) -> None:
    _SOURCES[:] = [source]


def latest_readings(customer_ids: Iterable[int]) -> dict[int, LatestReading]:
    """Each customer's latest reading, by customer pk, in one query for the whole list."""
    ids = sorted(set(customer_ids))
    if not ids or not _SOURCES:
        return {}
    return _SOURCES[0].latest(ids)


def anomaly_codes() -> tuple[str, ...]:
    """The active LBKB codes (AnomalyCode), e.g. for an upload column that accepts them."""
    return _SOURCES[0].anomaly_codes() if _SOURCES else ()
