"""A campaign meter swapped for a new one leaves the KRN-2 campaign (issue #23).

Registered with ``customers.meter_swaps`` in apps.py, so every path that installs a new meter
(HOME's Data APP Ganti, the prepaid PDL, the DIL import, Peremajaan Kumulatif) settles the
targets of the meters it took out, in its own transaction, set-based for its whole batch.
"""

from collections.abc import Sequence

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain
from meterops.core.models import User
from meterops.core.transitions import move
from meterops.customers.models import Meter
from meterops.vending.choices import NEW_VKRN, OLD_VKRN

from ..choices import OPEN_STATES, FailureReason, Proof
from ..models import CampaignTarget, KeyChangeToken


def settle_targets_of_swapped_meters(
    *, swaps: Sequence[tuple[int, int]], actor: User | None
) -> int:
    """The open KRN-2 targets of meters swapped for new ones (issue #23, "A replaced meter leaves
    the KRN-2 campaign"), or taken out without one (new None: bongkar rampung, the target
    closes as dismantled); returns how many were settled.

    Each target's unused KCT pairs are voided: a pair is made for one meter's number and key
    data (seed 003), so it can serve no other meter. A new meter on the KRN-2 key (VKRN 43, or
    no old key to upgrade) needs no KCT: the target closes as "Selesai (meter diganti)", counted
    apart on the dashboard. A new meter still on an old key (41/42) still needs the upgrade: the
    target follows it, as Gagal waiting for a new pair (``regenerate_kct``, for the new meter).
    Either way it leaves the officer's work list. Four statements per batch, not one per meter.
    """
    new_of = dict(swaps)
    # Locks the targets after the meters the swap already holds, the order the officer's
    # confirmation takes too (targets._locked): the two meet in turn, never deadlock. A target
    # the officer confirmed first is Berhasil and stays so; one settled first refuses the
    # confirmation (its state is no longer Ditugaskan).
    meter_of = dict(
        CampaignTarget.objects.select_for_update()
        .filter(meter_id__in=list(new_of), state__in=OPEN_STATES)
        .values_list("pk", "meter_id")
    )
    if not meter_of:
        return 0
    new_meters = {new_of[meter] for meter in meter_of.values()} - {None}
    on_old_key = set(
        Meter.objects.filter(pk__in=new_meters, vkrn__in=OLD_VKRN).values_list("pk", flat=True)
    )
    following = [pk for pk, meter in meter_of.items() if new_of[meter] in on_old_key]
    dismantled = [pk for pk, meter in meter_of.items() if new_of[meter] is None]
    done = set(meter_of) - set(following) - set(dismantled)
    KeyChangeToken.objects.void_unused(list(meter_of), at=timezone.now())
    settled = move(
        CampaignTarget.objects.filter(pk__in=done),
        method=CampaignTarget.close_by_replacement,
        verb="keychange.replaced",
        actor=actor,
        note=_("Meter diganti dengan meter baru pada kunci KRN-2: KCT dibatalkan."),
        events=True,
        domain=Domain.KEYCHANGE,
        closes=True,
    )
    settled += move(
        CampaignTarget.objects.filter(pk__in=dismantled),
        method=CampaignTarget.close_by_dismantling,
        verb="keychange.dismantled",
        actor=actor,
        note=_("Meter dibongkar tanpa pengganti (bongkar rampung): KCT dibatalkan."),
        events=True,
        domain=Domain.KEYCHANGE,
        closes=True,
    )
    current_meter = Meter.objects.filter(
        customer_id=OuterRef("customer_id"), removed_at__isnull=True
    ).values("pk")[:1]
    settled += move(
        CampaignTarget.objects.filter(pk__in=following),
        method=CampaignTarget.follow_new_meter,
        verb="keychange.meter_replaced",
        actor=actor,
        note=_(
            "Meter diganti dengan meter baru pada kunci lama: KCT lama dibatalkan, menunggu "
            "KCT baru untuk meter baru."
        ),
        events=True,
        domain=Domain.KEYCHANGE,
        meter=Subquery(current_meter),
        failure_reason=FailureReason.PARAMETERS_CHANGED,
    )
    return settled


def settle_targets_of_rekeyed_meters(
    *, meter_ids: Sequence[int], actor: User | None, note: str
) -> int:
    """The open KRN-2 targets of meters that took the KRN-2 key in place through another
    process's KCTs (a prepaid PD keeping its meter, seed 002): Berhasil, the campaign's unused
    pairs voided (made for the old key data, no meter takes them now), the key's update time
    now, as the call centre compares it with purchases (issue #23). Returns how many."""
    on_new_key = Meter.objects.filter(pk__in=list(meter_ids), vkrn=NEW_VKRN)
    targets = CampaignTarget.objects.select_for_update().filter(
        meter__in=on_new_key, state__in=OPEN_STATES
    )
    ids = list(targets.values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    KeyChangeToken.objects.void_unused(ids, at=now)
    return move(
        CampaignTarget.objects.filter(pk__in=ids),
        method=CampaignTarget.succeed_elsewhere,
        verb="keychange.rekeyed",
        actor=actor,
        note=note,
        events=True,
        domain=Domain.KEYCHANGE,
        closes=True,
        confirmed_by=actor,
        confirmed_at=now,
        updated_key_at=now,
        proof=Proof.SERVICE_REQUEST,
    )
