"""Vending keys of a unit and the STS codecs they give a meter (its VKRN's key, and VKRN 43).

``vending_keys_for`` is the one lookup: a unit uses its own key of a VKRN, else its nearest
ancestor's. A meter's key is the one of its VKRN (``key_of``), never guessed from its KRN:
VKRN 42 and 43 both hold KRN 2 (seed 003). Everything else here, and the token makers of
keychange, complaints and prepaid, is built on it.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from meterops import sts
from meterops.core.models import Unit

from .choices import NEW_VKRN, OLD_VKRN
from .models import VendingKey, sts_key_type
from .tids import IssueClock


def vending_keys_for(unit: Unit) -> dict[int, VendingKey]:
    """Per VKRN, the vending key of ``unit`` or of its nearest ancestor that has one."""
    keys: dict[int, VendingKey] = {}
    rows = VendingKey.objects.filter(unit__code__in=unit.ancestor_codes()).select_related("unit")
    for key in sorted(rows, key=lambda k: len(k.unit.path)):
        keys[key.vkrn] = key
    return keys


def newest_key(keys: dict[int, VendingKey]) -> VendingKey | None:
    """The key new meters get: VKRN 43 once stored, else the highest VKRN there is."""
    return keys[max(keys)] if keys else None


@dataclass(frozen=True)
class KeyPair:
    """A meter's old vending key (VKRN 41 or 42) and the KRN-2 key (VKRN 43) of its unit."""

    old: VendingKey
    new: VendingKey

    @property
    def rollover(self) -> bool:
        return needs_rollover(self.old, self.new)


def needs_rollover(old: VendingKey, new: VendingKey) -> bool:
    return sts.needs_rollover(sts.BaseDate(old.base_date), sts.BaseDate(new.base_date))


def key_for_vkrn(unit: Unit, vkrn: int | None) -> VendingKey | None:
    """The vending key of ``vkrn`` that ``unit`` serves meters with (or None)."""
    if vkrn is None:
        return None
    return vending_keys_for(unit).get(vkrn)


def current_key_for(unit: Unit) -> VendingKey | None:
    """The key new meters of ``unit`` get (``newest_key``)."""
    return newest_key(vending_keys_for(unit))


def upgrade_pairs_for(unit: Unit) -> dict[int, KeyPair]:
    """Per old VKRN (41, 42) the unit holds a key of, its pair with the VKRN 43 key (seed 003)."""
    keys = vending_keys_for(unit)
    if NEW_VKRN not in keys:
        return {}
    return {vkrn: KeyPair(keys[vkrn], keys[NEW_VKRN]) for vkrn in OLD_VKRN if vkrn in keys}


def upgrade_pair_for(unit: Unit, old_vkrn: int | None) -> KeyPair | None:
    """The pair that moves a meter of ``unit`` from ``old_vkrn`` to VKRN 43, if both are stored."""
    return upgrade_pairs_for(unit).get(old_vkrn)


def on_tariff_index(meter, tariff_index: str) -> SimpleNamespace:
    """The STS data of ``meter`` (a meter or a stock meter) once it is on ``tariff_index``."""
    return SimpleNamespace(
        meter_number=meter.meter_number,
        supply_group=meter.supply_group,
        tariff_index=tariff_index,
        key_type=sts_key_type(meter.key_type),
    )


def key_change_tokens(
    *,
    meter,
    old: VendingKey,
    new: VendingKey,
    cache: sts.DecoderKeyCache,
    tariff_index: str | None = None,
) -> tuple[str, ...]:
    """The KCTs that move ``meter`` from ``old`` to ``new``, and to ``tariff_index`` if given
    (raises StsError)."""
    after = on_tariff_index(meter, meter.tariff_index if tariff_index is None else tariff_index)
    change = sts.KeyChange(
        new_key=new.decoder_key(after),
        key_revision=new.key_revision,
        key_type=after.key_type,
        tariff_index=int(after.tariff_index),
        rollover=needs_rollover(old, new),
        supply_group=meter.supply_group,
    )
    return sts.key_change_tokens(old.codec(meter, cache), change)


def key_change_tokens_for(meter, pair: KeyPair, cache: sts.DecoderKeyCache) -> tuple[str, ...]:
    """The KCTs that move ``meter`` from the old key to the KRN-2 key (raises StsError)."""
    return key_change_tokens(meter=meter, old=pair.old, new=pair.new, cache=cache)


def credit_token_for(
    meter, key: VendingKey, *, kwh, clock: IssueClock, cache: sts.DecoderKeyCache
) -> str:
    """A credit token for ``meter`` under ``key`` whose TID is the meter's next free one.

    Every credit token made for a meter (sale, stroom awal, 0 kWh test token, the call
    centre's replacement) is made here, so the meter accepts them all (``tids``, issue #18).
    """
    issued = clock.next_time(meter.meter_number, key.base_date)
    return sts.credit_token(key.codec(meter, cache), quantity=kwh, issued=issued)
