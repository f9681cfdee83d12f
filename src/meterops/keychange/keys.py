"""Vending keys of a unit and the STS codecs they give a meter (old key and KRN-2 key)."""

from dataclasses import dataclass

from meterops import sts
from meterops.core.models import Unit

from .choices import NEW_KEY_REVISION, OLD_KEY_REVISION
from .models import VendingKey


def vending_keys_for(unit: Unit) -> dict[int, VendingKey]:
    """Per key revision, the vending key of ``unit`` or of its nearest ancestor that has one."""
    keys: dict[int, VendingKey] = {}
    ancestors = unit.path.split("/")
    rows = VendingKey.objects.filter(unit__code__in=ancestors).select_related("unit")
    for key in sorted(rows, key=lambda k: len(k.unit.path)):
        keys[key.key_revision] = key
    return keys


@dataclass(frozen=True)
class KeyPair:
    """The old vending key (VKRN 41/42, KRN 1) and the KRN-2 key (VKRN 43) of a unit."""

    old: VendingKey
    new: VendingKey

    @property
    def rollover(self) -> bool:
        return sts.needs_rollover(
            sts.BaseDate(self.old.base_date), sts.BaseDate(self.new.base_date)
        )


def key_for_revision(unit: Unit, key_revision: int | None) -> VendingKey | None:
    """The vending key a meter on ``key_revision`` of ``unit`` is served with (or None)."""
    if key_revision is None:
        return None
    return vending_keys_for(unit).get(key_revision)


def current_key_for(unit: Unit) -> VendingKey | None:
    """The key new meters of ``unit`` get: its newest revision (KRN 2 = VKRN 43 once stored)."""
    keys = vending_keys_for(unit)
    return keys[max(keys)] if keys else None


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


def key_change_tokens_for(meter, pair: KeyPair, cache: sts.DecoderKeyCache) -> tuple[str, ...]:
    """The KCTs that move ``meter`` from the old key to the KRN-2 key (raises StsError)."""
    current = pair.old.codec(meter, cache)
    change = sts.KeyChange(
        new_key=pair.new.decoder_key(meter),
        key_revision=pair.new.key_revision,
        key_type=meter.key_type if meter.key_type is not None else 2,
        tariff_index=int(meter.tariff_index),
        rollover=pair.rollover,
        supply_group=meter.supply_group,
    )
    return sts.key_change_tokens(current, change)
