"""A customer's meter swap as the other domains see it (issue #23).

HOME's Data APP Ganti and the billing system's Peremajaan Kumulatif (replacement app) record a
swap with the old meter's final stan and the new meter's initial stan; the reading and keychange
apps use it, and none of them may import another. So, as the reading app registers its reads in
``meter_readings``, each registers here in its AppConfig.ready():

- replacement, its tables of swaps as SQL sources: the reading of the period joins them into its
  set-based validation (without a source, e.g. an install without HOME, no reading finds one);
- reading, a listener told which customers' swaps were just recorded (``swaps_recorded``): it
  validates their readings not approved yet again, so a swap entered days later still counts;
- keychange, a handler told of each batch of meters swapped (``meters_swapped``): every path that
  installs a new meter in place of a current one calls it once for its whole batch
  (``swap_meter`` for HOME's Data APP Ganti and the prepaid PDL, the DIL import, the Peremajaan
  Kumulatif upload), as does ``remove_meter`` (bongkar rampung, no new meter), and the KRN-2
  targets of the old meters are settled.
"""

from collections.abc import Callable, Iterable
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
    "old_multiplier",  # the old meter's FKM (Meter.multiplier), 1 where unknown
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


# (old meter pk, new meter pk or None) of each swap, and the acting user (None for a system
# import).
SwapHandler = Callable[..., None]

_HANDLERS: dict[str, SwapHandler] = {}


def register_swap_handler(name: str, handler: SwapHandler) -> None:
    """``handler(swaps=[(old_pk, new_pk), ...], actor=user)``, called inside the swap's
    transaction after the new meters are saved as current."""
    _HANDLERS[name] = handler


def meters_swapped(swaps: Iterable[tuple[int, int | None]], *, actor) -> None:
    """Tell every registered domain about a batch of swaps, in one call each; a new pk of None
    is a meter taken out without a new one (bongkar rampung)."""
    swaps = [(old, new) for old, new in swaps if old is not None]
    if not swaps:
        return
    for handler in _HANDLERS.values():
        handler(swaps=swaps, actor=actor)


# A meter that stays in place and takes a new vending key through another process (a
# prepaid PD's KCTs, seed 002): ``handler(meter_ids=[...], actor=user, note=text)``.
_REKEY_HANDLERS: dict[str, Callable[..., None]] = {}


def register_rekey_handler(name: str, handler: Callable[..., None]) -> None:
    _REKEY_HANDLERS[name] = handler


def meters_rekeyed(meter_ids: Iterable[int], *, actor, note: str) -> None:
    """Tell every registered domain that these meters took a new key in place."""
    ids = sorted(set(meter_ids))
    if ids:
        for handler in _REKEY_HANDLERS.values():
            handler(meter_ids=ids, actor=actor, note=note)
