"""Reads of the KRN-2 upgrade, each starting from what the requesting user may see."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from meterops.core import tallies
from meterops.core.choices import RoleCode
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import field_officers_for
from meterops.customers.models import Meter
from meterops.vending.choices import OLD_VKRN

from .choices import FailureReason, TargetState
from .models import Campaign, CampaignTarget, KeyChangeToken, VkrnTally
from .services import (
    ASSIGNER_ROLES,
    CORRECTABLE_STATES,
    PLANNER_ROLES,
    TALLY_FIELDS,
    may_correct,
    prepaid_meters_by_vkrn,
)


def campaigns_for(user: User) -> QuerySet[Campaign]:
    campaigns = scoped(Campaign, user).select_related("unit", "contractor", "route")
    if user.contractor_id:
        campaigns = campaigns.filter(contractor_id=user.contractor_id)
    return campaigns


def get_campaign_for(user: User, pk: int) -> Campaign:
    campaign = get_object_or_404(campaigns_for(user), pk=pk)
    if not user.has_role(*ASSIGNER_ROLES):
        raise PermissionDenied
    return campaign


# A dismantled meter left the campaign: it counts in no column (issue #23).
STILL_TARGETED = ~Q(state=TargetState.DISMANTLED)


def campaign_summary(campaign: Campaign) -> dict:
    """Targeted, done, done by replacement (issue #23), failed by reason and remaining, in one
    aggregate query."""
    counts = campaign.targets.aggregate(
        targeted=Count("pk", filter=STILL_TARGETED),
        done=Count("pk", filter=Q(state=TargetState.SUCCEEDED)),
        replaced=Count("pk", filter=Q(state=TargetState.REPLACED)),
        failed=Count("pk", filter=Q(state__in=[TargetState.FAILED, TargetState.CANCELLED])),
        assigned=Count("pk", filter=Q(state=TargetState.ASSIGNED)),
    )
    counts["remaining"] = (
        counts["targeted"] - counts["done"] - counts["replaced"] - counts["failed"]
    )
    counts["by_reason"] = [
        {**row, "label": FailureReason(row["failure_reason"]).label}
        for row in campaign.targets.exclude(failure_reason="")
        .values("failure_reason")
        .annotate(n=Count("pk"))
        .order_by("failure_reason")
    ]
    counts["by_officer"] = list(
        campaign.targets.filter(assigned_to__isnull=False)
        .values("assigned_to__username", "assigned_to__contractor__name")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(state=TargetState.SUCCEEDED)),
            failed=Count("pk", filter=Q(state__in=[TargetState.FAILED, TargetState.CANCELLED])),
        )
        .order_by("assigned_to__username")
    )
    return counts


GROUPS = {
    "unit": ("unit__code", "unit__name"),
    "contractor": ("campaign__contractor__code", "campaign__contractor__name"),
}


def progress_by(user: User, group: str) -> list[dict]:
    """Targeted, done, done by replacement, failed (by reason) and remaining per unit or per
    contractor, one query.

    Counts every target of the campaigns the user sees (a contractor: its own campaigns);
    ``replaced`` (diganti) are meters swapped for one on the KRN-2 key (issue #23), on the new
    key as much as a Berhasil, so both make the percentage; ``remaining`` is what is neither
    of them nor closed or waiting as Gagal.
    """
    code, name = GROUPS[group]
    targets = scoped(CampaignTarget, user)
    if user.contractor_id:
        targets = targets.filter(campaign__contractor_id=user.contractor_id)
    failed = Q(state__in=[TargetState.FAILED, TargetState.CANCELLED])
    rows = list(
        targets.values(code, name)
        .annotate(
            targeted=Count("pk", filter=STILL_TARGETED),
            done=Count("pk", filter=Q(state=TargetState.SUCCEEDED)),
            replaced=Count("pk", filter=Q(state=TargetState.REPLACED)),
            failed=Count("pk", filter=failed),
            **{
                f"failed_{value}": Count("pk", filter=failed & Q(failure_reason=value))
                for value, _label in FailureReason.choices
            },
        )
        .order_by(code)
    )
    for row in rows:
        row["code"] = row.pop(code) or "-"
        row["name"] = row.pop(name) or _("Tanpa vendor")
        upgraded = row["done"] + row["replaced"]
        row["remaining"] = row["targeted"] - upgraded - row["failed"]
        row["percent"] = upgraded * 100 // row["targeted"] if row["targeted"] else 0
        row["reasons"] = [row[f"failed_{value}"] for value, _label in FailureReason.choices]
        row["reason_list"] = [
            (label, row[f"failed_{value}"])
            for value, label in FailureReason.choices
            if row[f"failed_{value}"]
        ]
    return rows


def meters_by_vkrn(user: User) -> tuple[list[dict], datetime | None]:
    """Current prepaid meters per unit of the user's reach by vending key (seed 003: 41 and 42
    still to upgrade, 43 done) from the kept tally, and when it was counted; before the first
    tally is made, counted now for the reach alone (the time is then None)."""
    counted_at = tallies.counted_at(VkrnTally.objects.all())
    if counted_at is None:
        counts = prepaid_meters_by_vkrn(scoped(Meter, user))
    else:
        kept = scoped(VkrnTally, user).values("unit_id", *TALLY_FIELDS)
        counts = {tally.pop("unit_id"): tally for tally in kept}
    rows = []
    units = scoped(Unit, user).filter(pk__in=list(counts)).order_by("code")
    for pk, code, name in units.values_list("pk", "code", "name"):
        row = {"code": code, "name": name, **counts[pk]}
        row["to_upgrade"] = sum(row[f"vkrn_{vkrn}"] for vkrn in OLD_VKRN)
        if any(row[field] for field in TALLY_FIELDS):
            rows.append(row)
    return rows, counted_at


def targets_of(campaign: Campaign, *, state: str = "") -> QuerySet[CampaignTarget]:
    targets = campaign.targets.select_related("customer", "meter", "assigned_to")
    if state:
        targets = targets.filter(state=state)
    return targets.order_by("customer__customer_id")


def bank_for(user: User, *, q: str = "", live_only: bool = True) -> QuerySet[KeyChangeToken]:
    tokens = scoped(KeyChangeToken, user).select_related(
        "target__customer", "target__meter", "target__campaign"
    )
    if user.contractor_id:
        tokens = tokens.filter(target__campaign__contractor_id=user.contractor_id)
    if live_only:
        tokens = tokens.filter(voided_at__isnull=True)
    if q:
        tokens = tokens.filter(
            Q(target__customer__customer_id=q) | Q(target__meter__meter_number=q)
        )
    return tokens.order_by("-generated_at", "-id")


def work_of(officer: User) -> QuerySet[CampaignTarget]:
    """The KCTs assigned to this officer and not yet confirmed (the field app's list)."""
    return (
        scoped(CampaignTarget, officer)
        .filter(assigned_to=officer, state=TargetState.ASSIGNED)
        .select_related("customer", "meter", "campaign")
        .prefetch_related("tokens")
        .order_by("customer__route_id", "customer__route_sequence", "customer__customer_id")
    )


def get_work_for(officer: User, pk: int) -> CampaignTarget:
    target = get_object_or_404(
        scoped(CampaignTarget, officer).select_related("customer", "meter", "campaign"), pk=pk
    )
    if target.assigned_to_id != officer.pk or not officer.has_role(RoleCode.FIELD_OFFICER):
        raise PermissionDenied
    return target


def get_correctable_for(user: User, pk: int) -> CampaignTarget:
    """A target whose confirmation the user may check and correct: the unit's staff, or the
    officer who confirmed it (``services.may_correct``); out of scope 404, else 403."""
    target = get_object_or_404(
        scoped(CampaignTarget, user).select_related(
            "customer", "meter", "campaign", "confirmed_by", "assigned_to"
        ),
        pk=pk,
    )
    if not may_correct(user, target):
        raise PermissionDenied
    return target


def gagal_of(officer: User) -> QuerySet[CampaignTarget]:
    """The officer's own Gagal confirmations still waiting for a new KCT, newest first: the ones
    a test token may show were Berhasil after all (seed 003, 5b)."""
    return (
        scoped(CampaignTarget, officer)
        .filter(confirmed_by=officer, state=TargetState.FAILED)
        .select_related("customer", "meter")
        .order_by("-confirmed_at", "-id")
    )


def officers_for(user: User, campaign: Campaign) -> QuerySet[User]:
    """Active field officers the user may hand this campaign's work to: those who may work in
    its unit, narrowed to its contractor's when the campaign names one."""
    officers = field_officers_for(campaign.unit, actor=user)
    if campaign.contractor_id:
        officers = officers.filter(contractor_id=campaign.contractor_id)
    elif not user.has_role(*PLANNER_ROLES):
        officers = officers.none()
    return officers


def confirmed_target_of(meter) -> CampaignTarget | None:
    """The meter's latest KCT target confirmed Berhasil or Gagal: the confirmation an APKT ticket
    about its tokens may show to be wrong (seed 003, 5b)."""
    return (
        CampaignTarget.objects.filter(meter=meter, state__in=CORRECTABLE_STATES)
        .select_related("confirmed_by")
        .order_by("-confirmed_at", "-id")
        .first()
    )


def last_key_update(meter) -> CampaignTarget | None:
    """The confirmation that moved this meter to KRN-2, with its update time, if any."""
    return (
        CampaignTarget.objects.filter(meter=meter, state=TargetState.SUCCEEDED)
        .select_related("confirmed_by")
        .order_by("-updated_key_at")
        .first()
    )
