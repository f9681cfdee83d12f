"""A customer whose meter the KRN-2 campaign confirmed, and a simulated meter in the field."""

from datetime import UTC, datetime

from meterops import sts
from meterops.keychange.services import assign_targets, confirm_key_change
from meterops.vending.keys import upgrade_pair_for
from tests.keychange.helpers import campaign_with, old_key_meter

UPGRADED_AT = datetime(2024, 6, 2, 6, 0, tzinfo=UTC)


def upgraded_meter(cast, *, freezer=None):
    """A meter confirmed Berhasil (KRN 2 in the system); returns it and its keys."""
    meter = old_key_meter(cast.sp_a)
    target = campaign_with(cast, [meter]).targets.get()
    assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
    target = confirm_key_change(actor=cast.officer, target=target, display="KRN 02 KT 02")
    target.updated_key_at = UPGRADED_AT
    target.save(update_fields=["updated_key_at"])
    meter.refresh_from_db()
    return meter, upgrade_pair_for(cast.sp_a, 41)


def field_meter(meter, key) -> sts.VirtualMeter:
    """The physical meter, holding ``key`` (the old one when the KCT never went in)."""
    codec = key.codec(meter, sts.DecoderKeyCache())
    return sts.VirtualMeter(
        decoder_key=codec.decoder_key,
        encryption=codec.encryption,
        base_date=codec.base_date,
        key_revision=key.key_revision,
        tariff_index=int(meter.tariff_index),
        supply_group=meter.supply_group,
    )


def vend(meter, key, *, kwh, at) -> str:
    codec = key.codec(meter, sts.DecoderKeyCache())
    return sts.credit_token(codec, quantity=kwh, issued=at)
