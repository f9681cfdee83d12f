"""The meter swaps other domains recorded, for the reading of the period (issue #23).

HOME's Data APP Ganti and the billing system's Peremajaan Kumulatif (replacement app) record a
customer's meter swap with the old meter's final stan and the new meter's initial stan; the
reading app (same layer, may not import replacement) joins them into its set-based validation.
So replacement registers here, in its AppConfig.ready(), one SQL SELECT per table of swaps, as
the reading app registers its reads in ``meter_readings``. Without a source (an install without
HOME) no reading finds a recorded swap.
"""

from collections.abc import Callable
from dataclasses import dataclass

# The columns every source's SELECT returns, in this order.
SWAP_COLUMNS = (
    "customer_id",
    "unit_id",
    "replaced_on",  # the local date of the swap
    "old_final_kwh",  # stan akhir (cabut) of the old meter
    "new_initial_kwh",  # stan awal (pasang) of the new meter
    "source",  # the SwapSource's code
    "reference_id",  # the row the source links to (see SwapSource.url)
)


@dataclass(frozen=True)
class SwapSource:
    code: str  # stored on the reading; at most 12 characters
    label: str  # what the reading's pages call it, e.g. "HOME"
    sql: str  # a SELECT of SWAP_COLUMNS, without parameters
    url: Callable[[int], str]  # the page of the recorded swap, by reference_id
    reference: Callable[[int], str]  # how users name it, e.g. TO-0000042


_SOURCES: dict[str, SwapSource] = {}
# Called with the customers whose swap was just recorded (the reading app re-validates their
# readings not approved yet): a swap entered days after the reading still reaches it.
_LISTENERS: list[Callable[[list[int]], None]] = []


def register_swap_source(source: SwapSource) -> None:
    _SOURCES[source.code] = source


def recorded_swaps_sql() -> str | None:
    """Every registered source's swaps as one derived table's SELECT, None without a source."""
    if not _SOURCES:
        return None
    return " UNION ALL ".join(source.sql for source in _SOURCES.values())


def swap_source(code: str) -> SwapSource | None:
    return _SOURCES.get(code)


def register_swap_listener(listener: Callable[[list[int]], None]) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def swaps_recorded(customer_ids) -> None:
    """Tell the domains that use recorded swaps that these customers' meters were swapped."""
    ids = sorted(set(customer_ids))
    if ids:
        for listener in _LISTENERS:
            listener(ids)
