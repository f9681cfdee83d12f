"""Demo KRN-2 upgrade in each demo ULP, made through the services: a campaign over the old-key
prepaid meters of one RBM, its Bank KCT filled in this process (no worker needed), and KCT work
orders handed to the ULP's field officer: confirmed Berhasil, still to visit with its 0 kWh
test token, Gagal waiting for a new KCT, closed because the customer refused, done by a new
meter already on KRN-2 put in for a broken one, and closed by a meter dismantled.
"""

from django.utils import timezone

from meterops.core.demo import DemoTeam, demo_teams
from meterops.customers.choices import RemovalReason
from meterops.customers.models import Meter, Route
from meterops.customers.services import remove_meter, swap_meter
from meterops.vending.choices import NEW_VKRN, key_revision_of

from .choices import FailureReason, ZeroTokenAnswer
from .models import Campaign, CampaignTarget
from .services import (
    CampaignFilter,
    assign_targets,
    confirm_by_zero_token,
    confirm_key_change,
    eligible_meters,
    expected_display_for,
    generate_campaign,
    issue_zero_token,
    report_key_change_failure,
)


def generate_campaigns() -> int:
    """One campaign in each demo ULP that has none yet and has old-key meters."""
    made = 0
    for team in demo_teams():
        if Campaign.objects.filter(unit=team.unit).exists():
            continue
        route_id = (
            eligible_meters(unit=team.unit, where=CampaignFilter())
            .order_by("customer__customer_id")
            .values_list("customer__route_id", flat=True)
            .first()
        )
        if route_id is None:
            continue
        campaign = generate_campaign(
            actor=team.supervisor,
            unit=team.unit,
            name=f"Upgrade KRN-2 RBM {Route.objects.get(pk=route_id).code}",
            where=CampaignFilter(route_id=route_id),
            contractor=team.officer.contractor,
        )
        _work(list(campaign.targets.order_by("pk")[: len(OUTCOMES)]), team)
        made += 1
    return made


def _work(targets: list[CampaignTarget], team: DemoTeam) -> None:
    officer = team.officer
    targets = assign_targets(actor=team.supervisor, targets=targets, officer=officer)
    for target, outcome in zip(targets, OUTCOMES, strict=False):
        outcome(actor=officer, target=target)


def _succeed(*, actor, target: CampaignTarget) -> None:
    """Berhasil by the 04-enter display of Lampiran I, or by the test token for a brand that
    has no row there."""
    expected = expected_display_for(target.meter)
    if expected is not None:
        confirm_key_change(actor=actor, target=target, display=expected.expected_display)
        return
    issue_zero_token(actor=actor, target=target)
    confirm_by_zero_token(actor=actor, target=target, answer=ZeroTokenAnswer.ACCEPTED)


def _fail_for_new_kct(*, actor, target: CampaignTarget) -> None:
    report_key_change_failure(
        actor=actor,
        target=target,
        reason=FailureReason.INVALID,
        note="Meter menampilkan REJECT setelah KCT pertama.",
    )


def _customer_refused(*, actor, target: CampaignTarget) -> None:
    report_key_change_failure(
        actor=actor,
        target=target,
        reason=FailureReason.CUSTOMER_REFUSED,
        note="Pelanggan tidak di rumah dan menolak dijadwalkan ulang.",
    )


def _meter_replaced(*, actor, target: CampaignTarget) -> None:
    """The officer finds the meter dead; the ULP puts in a new one already on KRN-2, and the
    target closes as done by replacement (issue #23)."""
    old, today = target.meter, timezone.localdate()
    new = Meter(
        brand=old.brand,
        model=old.model,
        meter_number=f"47{old.meter_number[-9:]}",
        supply_group=old.supply_group,
        tariff_index=old.tariff_index,
        vkrn=NEW_VKRN,
        key_revision=key_revision_of(NEW_VKRN),
        key_type=old.key_type,
        phase=old.phase,
        installed_at=today,
    )
    swap_meter(
        customer=target.customer,
        new_meter=new,
        removed_on=today,
        reason=RemovalReason.DAMAGED,
        note="Meter mati saat kunjungan KCT.",
        actor=actor,
    )


def _meter_dismantled(*, actor, target: CampaignTarget) -> None:
    """The customer's supply was ended for arrears and the meter taken out (bongkar rampung):
    the target closes, no meter left to upgrade (issue #23)."""
    remove_meter(
        customer=target.customer,
        removed_on=timezone.localdate(),
        reason=RemovalReason.DISMANTLED,
        note="Bongkar rampung (demo).",
        actor=actor,
    )


# What the officer does with each assigned KCT, in order (a small campaign gets the first):
# the upgraded meters are the PLN 123 demo's callers.
OUTCOMES = (
    _succeed,
    issue_zero_token,
    _fail_for_new_kct,
    _customer_refused,
    _succeed,
    _succeed,
    _meter_replaced,
    _meter_dismantled,
)


def build_demo(*, units, seed: int, options: dict) -> str:
    """seed_demo's KRN-2 campaigns, after the vending keys they need."""
    return f"{generate_campaigns()} kampanye KRN-2"
