"""Readings that say the meter is broken, for HOME, and HOME's targets for the readings.

The reading app (ACMT) and the replacement app (HOME) sit in the same layer and may not import
each other. The replacement app registers here in its AppConfig.ready() which LBKB codes mean a
broken meter, how such readings open (or join) its targets, and how a reading's target is
linked; the reading app calls these after it writes readings and on Cek Status Terakhir (issue
#23). Without HOME no code qualifies and no target is linked.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class BrokenMeterReading:
    """A reading whose LBKB code says the meter is broken."""

    customer_id: int  # the customer's pk
    period: str  # BLTH, YYYYMM
    anomaly_code: str
    anomaly_label: str
    register_kwh: Decimal | None


@dataclass(frozen=True)
class TargetLink:
    """A HOME target as another domain's page links to it."""

    reference: str
    state_label: str
    url: str


@dataclass(frozen=True)
class BrokenMeterSink:
    codes: Callable[[], frozenset[str]]
    # (actor, readings) -> None: opens or joins the customers' targets, once per reading.
    report: Callable[..., None]
    # (user, customer, periods) -> {period: TargetLink}, within the user's scope.
    links: Callable[..., dict[str, TargetLink]]


_SINKS: list[BrokenMeterSink] = []


def register_broken_meter_sink(sink: BrokenMeterSink) -> None:
    _SINKS[:] = [sink]


def broken_meter_codes() -> frozenset[str]:
    """The LBKB codes that open a HOME target (none without HOME)."""
    return _SINKS[0].codes() if _SINKS else frozenset()


def report_broken_meter_readings(*, actor, readings: list[BrokenMeterReading]) -> None:
    """Hand HOME the readings of one write (an upload batch, one field reading) at once."""
    if readings and _SINKS:
        _SINKS[0].report(actor=actor, readings=readings)


def target_links_of_readings(user, customer, periods) -> dict[str, TargetLink]:
    """The HOME target each of the customer's readings (by BLTH) opened or joined."""
    return _SINKS[0].links(user, customer, list(periods)) if _SINKS else {}
