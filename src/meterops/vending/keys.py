"""Vending keys of a unit and the STS codecs they give a meter (old key and KRN-2 key).

``vending_keys_for`` is the one lookup: a unit uses its own key of a revision, else its nearest
ancestor's. Everything else here, and the token makers of keychange, complaints and prepaid,
is built on it.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from meterops import sts
from meterops.core.models import Unit

from .choices import NEW_KEY_REVISION, OLD_KEY_REVISION
from .models import VendingKey, sts_key_type


def vending_keys_for(unit: Unit) -> dict[int, VendingKey]:
    """Per key revision, the vending key of ``unit`` or of its nearest ancestor that has one."""
    keys: dict[int, VendingKey] = {}
    rows = VendingKey.objects.filter(unit__code__in=unit.ancestor_codes()).select_related("unit")
    for key in sorted(rows, key=lambda k: len(k.unit.path)):
        keys[key.key_revision] = key
    return keys


def newest_key(keys: dict[int, VendingKey]) -> VendingKey | None:
    """The key new meters get: the newest revision (KRN 2 = VKRN 43 once stored)."""
    return keys[max(keys)] if keys else None


@dataclass(frozen=True)
class KeyPair:
    """The old vending key (VKRN 41/42, KRN 1) and the KRN-2 key (VKRN 43) of a unit."""

    old: VendingKey
    new: VendingKey

    @property
    def rollover(self) -> bool:
        return needs_rollover(self.old, self.new)


def needs_rollover(old: VendingKey, new: VendingKey) -> bool:
    return sts.needs_rollover(sts.BaseDate(old.base_date), sts.BaseDate(new.base_date))


def key_for_revision(unit: Unit, key_revision: int | None) -> VendingKey | None:
    """The vending key a meter on ``key_revision`` of ``unit`` is served with (or None)."""
    if key_revision is None:
        return None
    return vending_keys_for(unit).get(key_revision)


def current_key_for(unit: Unit) -> VendingKey | None:
    """The key new meters of ``unit`` get (``newest_key``)."""
    return newest_key(vending_keys_for(unit))


def key_pair_for(unit: Unit) -> KeyPair | None:
    keys = vending_keys_for(unit)
    if OLD_KEY_REVISION in keys and NEW_KEY_REVISION in keys:
        return KeyPair(keys[OLD_KEY_REVISION], keys[NEW_KEY_REVISION])
    return None


def vkrn_of(meter, pair: KeyPair | None) -> int | None:
    """The VKRN the call centre reads for a meter: its key revision's vending key code."""
    if meter is None or meter.key_revision is None:
        return None
    if pair is not None:
        for key in (pair.old, pair.new):
            if key.key_revision == meter.key_revision:
                return key.vkrn
    return {OLD_KEY_REVISION: 41, NEW_KEY_REVISION: 43}.get(meter.key_revision)


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
