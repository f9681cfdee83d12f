"""The restore drill's vending check: a stored key still makes a token the meter accepts.

On the source database one meter's vending key (opened with METEROPS_KEY_ENCRYPTION_KEY)
makes a credit token, and the simulated meter, on the decoder key that vending key gives it,
accepts it; the manifest keeps that meter's state. On the restored database the restored key
makes a new token for the same meter, entered into the meter as the manifest left it. The
secret is never in a backup (docs/DEPLOY.md): without it the restored key cannot be opened.

The manifest keeps the meter's state sealed under the same secret, because it holds the
meter's decoder key. The drill's tokens take no TID from ``TidCounter``: nothing is sold, and a
check must not change the counts it compares.
"""

import base64
import json

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from meterops import sts
from meterops.sts.meter_state import from_json_dict, to_json_dict

from . import crypto
from .keys import key_for_vkrn

CANDIDATE_METERS = 200
CREDIT_KWH = "1"


def _meters():
    meter_model = apps.get_model("customers", "Meter")
    return meter_model.objects.select_related("customer__unit").order_by("pk")


def record_vending_token() -> dict[str, object] | None:
    """The first current meter whose key makes a token today (a key past its base date's
    TID range cannot), with its simulated state after accepting that token."""
    candidates = (
        _meters()
        .filter(removed_at__isnull=True, vkrn__isnull=False)
        .exclude(supply_group="")
        .exclude(tariff_index="")
    )
    for meter in candidates[:CANDIDATE_METERS]:
        key = key_for_vkrn(meter.customer.unit, meter.vkrn)
        if key is None:
            continue
        try:
            codec = key.codec(meter, sts.DecoderKeyCache())
        except crypto.KeyDecryptionError as exc:
            raise ImproperlyConfigured(
                f"Vending key VKRN {meter.vkrn} of unit {key.unit.code}: {exc}"
            ) from exc
        field = sts.VirtualMeter(
            decoder_key=codec.decoder_key,
            encryption=codec.encryption,
            base_date=codec.base_date,
            key_revision=key.key_revision,
            tariff_index=int(meter.tariff_index),
            key_type=key.key_data(meter).key_type,
            supply_group=meter.supply_group,
        )
        try:
            field.enter(_token(codec, field))
        except sts.StsError:
            continue
        state = json.dumps(to_json_dict(field)).encode()
        return {
            "meter": meter.pk,
            "meter_number": meter.meter_number,
            "vkrn": meter.vkrn,
            "meter_state": base64.b64encode(crypto.seal(state)).decode(),
        }
    return None


def compare_vending_token(recorded: dict | None) -> list[str]:
    if recorded is None:
        return []
    meter = _meters().filter(pk=recorded["meter"]).first()
    if meter is None or meter.meter_number != recorded["meter_number"]:
        return [f"meter {recorded['meter_number']} (pk {recorded['meter']}) is not restored"]
    key = key_for_vkrn(meter.customer.unit, meter.vkrn)
    if key is None:
        return [f"no vending key VKRN {meter.vkrn} for unit {meter.customer.unit.code}"]
    try:
        key.material  # noqa: B018 (opening it is the check)
        state = crypto.open_sealed(base64.b64decode(recorded["meter_state"]))
    except (crypto.KeyDecryptionError, ImproperlyConfigured) as exc:
        return [
            f"vending key VKRN {meter.vkrn} of unit {key.unit.code} cannot be opened: {exc} "
            "Set the METEROPS_KEY_ENCRYPTION_KEY the source ran with (kept apart from backups)."
        ]
    field = from_json_dict(json.loads(state))
    try:
        field.enter(_token(key.codec(meter, sts.DecoderKeyCache()), field))
    except sts.TokenRejected as exc:
        return [f"meter {meter.meter_number} refused the restored key's token: {exc}"]
    except sts.StsError as exc:
        return [f"meter {meter.meter_number}: no token from the restored key: {exc}"]
    return []


def _token(codec: sts.TokenCodec, field: sts.VirtualMeter) -> str:
    """A credit token whose TID is above every TID the simulated meter has seen."""
    tid = max(sts.tid_for(timezone.now(), field.base_date), max(field.tid_store, default=-1) + 1)
    issued = sts.issue_time(tid, field.base_date)
    return sts.credit_token(codec, quantity=CREDIT_KWH, issued=issued)
