"""What the domains beside the customer master do when a customer's meter is swapped (issue #23).

A domain that keeps work on a meter (the KRN-2 campaign's targets) sits above customers and may
not be imported from it, so it registers its handler here in its AppConfig.ready(), as the
reading app registers its reads in ``meter_readings``. Every path that installs a new meter in
place of a current one calls ``meters_swapped`` once for its whole batch: ``swap_meter`` (HOME's
Data APP Ganti, the prepaid PDL), the DIL import and the Peremajaan Kumulatif upload.
"""

from collections.abc import Callable, Iterable

# (old meter pk, new meter pk) of each swap, and the acting user (None for a system import).
SwapHandler = Callable[..., None]

_HANDLERS: dict[str, SwapHandler] = {}


def register_swap_handler(name: str, handler: SwapHandler) -> None:
    """``handler(swaps=[(old_pk, new_pk), ...], actor=user)``, called inside the swap's
    transaction after the new meters are saved as current."""
    _HANDLERS[name] = handler


def meters_swapped(swaps: Iterable[tuple[int, int]], *, actor) -> None:
    """Tell every registered domain about a batch of swaps, in one call each."""
    swaps = [(old, new) for old, new in swaps if old is not None]
    if not swaps:
        return
    for handler in _HANDLERS.values():
        handler(swaps=swaps, actor=actor)
