"""Saving a :class:`VirtualMeter` to a JSON file and reading it back.

The command line's ``meter`` command keeps one simulated meter per file, so a
support engineer can enter tokens one by one and look at the registers in
between.  The file holds the meter's decoder key in hex: it is a simulator
file, to be treated like any other key material.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from meterops.sts.ciphers import EncryptionAlgorithm
from meterops.sts.classes import (
    UNIT_SIZE,
    CreditType,
    ManagementSubclass,
    TokenClass,
    unpack_fields,
)
from meterops.sts.errors import InvalidParameter
from meterops.sts.keys import BaseDate
from meterops.sts.meter import VirtualMeter

_SECTION_SUBCLASS = {
    1: ManagementSubclass.SET_DECODER_KEY_1,
    2: ManagementSubclass.SET_DECODER_KEY_2,
    3: ManagementSubclass.SET_DECODER_KEY_3,
    4: ManagementSubclass.SET_DECODER_KEY_4,
}
_OPTIONAL_SETTINGS = (
    "maximum_power_limit",
    "maximum_phase_unbalance",
    "tariff_rate",
    "water_meter_factor",
)


def new_meter(
    *,
    decoder_key: bytes,
    encryption: EncryptionAlgorithm,
    settings: dict[str, object],
    manufactured: datetime | None = None,
) -> VirtualMeter:
    """A fresh meter; with ``manufactured`` its TID store starts at that time."""
    values = {"decoder_key": decoder_key, "encryption": encryption, **settings}
    if manufactured is None:
        return VirtualMeter(**values)  # type: ignore[arg-type]
    return VirtualMeter.manufactured(manufactured, **values)


def meter_summary(meter: VirtualMeter) -> dict[str, object]:
    """What the meter would show on its display, without the key."""
    return {
        "key_revision": meter.key_revision,
        "tariff_index": f"{meter.tariff_index:02d}",
        "key_type": meter.key_type,
        "supply_group": meter.supply_group,
        "base_date": int(meter.base_date),
        "encryption": meter.encryption.name,
        "credit": {kind.name.lower(): str(amount) for kind, amount in _credit_view(meter)},
        "tamper": meter.tamper,
        "key_change_pending": sorted(meter.pending_key_sections),
        "tids_stored": len(meter.tid_store),
        **{name: getattr(meter, name) for name in _OPTIONAL_SETTINGS},
    }


def _credit_view(meter: VirtualMeter) -> list[tuple[CreditType, object]]:
    return [(kind, units * UNIT_SIZE[kind]) for kind, units in sorted(meter.credit.items())]


def to_json_dict(meter: VirtualMeter) -> dict[str, object]:
    """Everything needed to rebuild the meter, as JSON-ready values."""
    return {
        "decoder_key": meter.decoder_key.hex(),
        "encryption": meter.encryption.value,
        "base_date": int(meter.base_date),
        "key_revision": meter.key_revision,
        "tariff_index": meter.tariff_index,
        "key_type": meter.key_type,
        "supply_group": meter.supply_group,
        "credit_types": sorted(kind.name.lower() for kind in meter.credit_types),
        "credit": {kind.name.lower(): units for kind, units in meter.credit.items()},
        "tamper": meter.tamper,
        "tid_store": meter.tid_store,
        "tid_store_size": meter.tid_store_size,
        "pending_key_sections": {
            str(order): fields.pack() for order, fields in meter.pending_key_sections.items()
        },
        **{name: getattr(meter, name) for name in _OPTIONAL_SETTINGS},
    }


def from_json_dict(data: dict[str, object]) -> VirtualMeter:
    """Rebuild a meter saved by :func:`to_json_dict`."""
    try:
        pending = {
            int(order): unpack_fields(TokenClass.MANAGEMENT, _SECTION_SUBCLASS[int(order)], bits)
            for order, bits in data["pending_key_sections"].items()  # type: ignore[attr-defined]
        }
        return VirtualMeter(
            decoder_key=bytes.fromhex(data["decoder_key"]),  # type: ignore[arg-type]
            encryption=EncryptionAlgorithm(data["encryption"]),
            base_date=BaseDate(data["base_date"]),
            key_revision=data["key_revision"],  # type: ignore[arg-type]
            tariff_index=data["tariff_index"],  # type: ignore[arg-type]
            key_type=data["key_type"],  # type: ignore[arg-type]
            supply_group=data["supply_group"],  # type: ignore[arg-type]
            credit_types=frozenset(CreditType[name.upper()] for name in data["credit_types"]),  # type: ignore[attr-defined]
            credit={CreditType[k.upper()]: v for k, v in data["credit"].items()},  # type: ignore[attr-defined]
            tamper=bool(data["tamper"]),
            tid_store=list(data["tid_store"]),  # type: ignore[call-overload]
            tid_store_size=data["tid_store_size"],  # type: ignore[arg-type]
            pending_key_sections=pending,
            **{name: data.get(name) for name in _OPTIONAL_SETTINGS},  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidParameter(f"The meter state file is damaged ({exc!s}).") from exc


def save_meter(path: str | os.PathLike[str], meter: VirtualMeter) -> None:
    """Write the state atomically, readable only by the owner (it holds a key)."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=".meter-")
    with os.fdopen(handle, "w") as stream:
        json.dump(to_json_dict(meter), stream, indent=2)
    os.replace(temporary, target)


def load_meter(path: str | os.PathLike[str]) -> VirtualMeter:
    """Read a meter state file written by :func:`save_meter`."""
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise InvalidParameter(f"{path} is not a meter state file (not JSON).") from exc
    return from_json_dict(data)
