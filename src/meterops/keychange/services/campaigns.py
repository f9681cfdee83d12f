"""KRN-2 campaigns (seed 003): choosing the old-key meters, planning a campaign, and the Bank
KCT job that fills it (one KCT pair per meter, set-based, in batches; ``tasks`` runs it in the
background). What happens to a target afterwards is ``services``.
"""

import logging
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops import sts
from meterops.core import jobs
from meterops.core.choices import Domain
from meterops.core.models import Contractor, Process, ProcessEvent, Unit, User
from meterops.core.services import require_role
from meterops.core.workers import current_worker_id, live_worker_ids, stop_requested
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Meter
from meterops.vending.choices import OLD_VKRN
from meterops.vending.keys import KeyPair, key_change_tokens_for, upgrade_pairs_for

from .. import errors
from ..choices import GenerationStatus, TargetState
from ..models import Campaign, CampaignTarget, KeyChangeToken
from .targets import PLANNER_ROLES, PROCESS_KIND, _kct_row

BATCH = 2000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignFilter:
    brand: str = ""
    tariff: str = ""
    route_id: int | None = None


def eligible_meters(*, unit: Unit, where: CampaignFilter):
    """Current prepaid meters of ``unit`` and below on an old key, VKRN 41 or 42 (seed 003)."""
    meters = Meter.objects.filter(
        removed_at__isnull=True,
        customer__payment_mode=PaymentMode.PREPAID,
        vkrn__in=OLD_VKRN,
        customer__unit__path__startswith=unit.path,
    )
    if where.brand:
        meters = meters.filter(brand__iexact=where.brand)
    if where.tariff:
        meters = meters.filter(customer__tariff=where.tariff)
    if where.route_id:
        meters = meters.filter(customer__route_id=where.route_id)
    return meters


@transaction.atomic
def plan_campaign(
    *,
    actor: User,
    unit: Unit,
    name: str,
    where: CampaignFilter,
    contractor: Contractor | None = None,
) -> Campaign:
    """Create a campaign of old-key meters chosen by filter, its KCTs still to make (seed 003).

    Refused without the unit's key pair or without a meter to target. The Bank KCT is filled by
    ``fill_campaign``, run in the background by ``tasks.generate_campaign_task``.
    """
    require_role(actor, PLANNER_ROLES)
    if not upgrade_pairs_for(unit):
        raise errors.VendingKeyMissing()
    candidates = eligible_meters(unit=unit, where=where)
    total = candidates.count()
    free = candidates.filter(~Exists(_busy())).count()
    if not free:
        raise errors.NothingToTarget()
    return Campaign.objects.create(
        unit=unit,
        name=name,
        contractor=contractor,
        brand=where.brand,
        tariff=where.tariff,
        route_id=where.route_id,
        created_by=actor,
        skipped_open=total - free,
        generation_status=GenerationStatus.QUEUED,
        meters_total=free,
    )


def _busy():
    return Process.objects.filter(
        customer_id=OuterRef("customer_id"), domain=Domain.KEYCHANGE, is_open=True
    )


def fill_campaign(*, campaign_id: int) -> Campaign:
    """Put one KCT pair per chosen meter into the Bank KCT, one transaction per batch of 2 000.

    Only one run at a time: the job claims the campaign by moving it from queued (or failed) to
    running in one UPDATE, so a second delivery of the task does nothing. Progress
    (``meters_processed``) is saved after every batch so the campaign page can show it;
    a meter that got a target in an earlier run is skipped (its process is open), so running the
    job again after a failure continues where it stopped. A failure marks the campaign FAILED
    with the reason; the batches already committed stay valid (each target is complete). Its
    worker asked to stop (SIGTERM) stops between batches and leaves it running, for
    ``resume_interrupted_campaigns``.
    """
    claimed = Campaign.objects.filter(
        pk=campaign_id,
        generation_status__in=[GenerationStatus.QUEUED, GenerationStatus.FAILED],
    ).update(
        generation_status=GenerationStatus.RUNNING,
        generation_error="",
        worker_id=current_worker_id(),
    )
    campaign = Campaign.objects.select_related("unit", "created_by").get(pk=campaign_id)
    if not claimed:  # done already, or another worker is running it
        return campaign
    try:
        pairs = upgrade_pairs_for(campaign.unit)
        if not pairs:
            raise errors.VendingKeyMissing()
        where = CampaignFilter(campaign.brand, campaign.tariff, campaign.route_id)
        rows = list(
            eligible_meters(unit=campaign.unit, where=where)
            .filter(~Exists(_busy()))
            .order_by("customer__customer_id")
            .values(
                "id",
                "meter_number",
                "supply_group",
                "tariff_index",
                "key_type",
                "vkrn",
                "customer_id",
                "customer__unit_id",
            )
        )
        cache = sts.DecoderKeyCache(maxsize=BATCH * 2)
        processed = campaign.meters_processed
        for start in range(0, len(rows), BATCH):
            if stop_requested():  # left running: the next worker resumes it
                campaign.refresh_from_db()
                return campaign
            batch = rows[start : start + BATCH]
            with transaction.atomic():
                invalid = _bank_batch(campaign, pairs, batch, cache, campaign.created_by)
                processed += len(batch)
                Campaign.objects.filter(pk=campaign.pk).update(
                    meters_processed=processed,
                    skipped_invalid=F("skipped_invalid") + invalid,
                    updated_at=timezone.now(),
                )
        Campaign.objects.filter(pk=campaign.pk).update(
            generation_status=GenerationStatus.DONE,
            meters_total=max(processed, campaign.meters_total),
            meters_processed=processed,
            generation_finished_at=timezone.now(),
        )
    except Exception as exc:
        message = getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}"
        Campaign.objects.filter(pk=campaign.pk).update(
            generation_status=GenerationStatus.FAILED, generation_error=str(message)[:2000]
        )
        raise
    campaign.refresh_from_db()
    return campaign


def resume_interrupted_campaigns() -> int:
    """Queue again, once, each Bank KCT job whose worker's heartbeat stopped; the count."""
    orphans = (
        Campaign.objects.filter(generation_status=GenerationStatus.RUNNING)
        .exclude(worker_id="")
        .exclude(worker_id__in=live_worker_ids())
        .values_list("pk", "worker_id")
    )
    return sum(_resume_campaign(pk, worker_id) for pk, worker_id in list(orphans))


def _resume_campaign(pk: int, worker_id: str) -> bool:
    """Under the campaign's row lock: of two workers resuming at once only the first queues it.
    Back to queued, so the job claims it as it does a new one."""
    from ..tasks import generate_campaign_task

    with transaction.atomic():
        held = Campaign.objects.select_for_update().filter(
            pk=pk, generation_status=GenerationStatus.RUNNING, worker_id=worker_id
        )
        if not held.exists():
            return False
        held.update(generation_status=GenerationStatus.QUEUED, worker_id="")

        def enqueue() -> None:
            result = generate_campaign_task.enqueue(pk)
            Campaign.objects.filter(pk=pk).update(task_id=str(result.id)[:64])

        transaction.on_commit(enqueue)
    logger.warning("campaign %s: worker %s died; queued again", pk, worker_id)
    return True


def start_campaign_generation(*, campaign: Campaign) -> Campaign:
    """Queue the Bank KCT job of a planned campaign on the Tasks API (any backend)."""
    from ..tasks import generate_campaign_task

    result = jobs.enqueue(generate_campaign_task, campaign.pk)
    Campaign.objects.filter(pk=campaign.pk, task_id="").update(task_id=str(result.id)[:64])
    campaign.refresh_from_db()
    return campaign


def generate_campaign(
    *,
    actor: User,
    unit: Unit,
    name: str,
    where: CampaignFilter,
    contractor: Contractor | None = None,
) -> Campaign:
    """Plan a campaign and fill its Bank KCT at once, in this process (tests, benchmarks)."""
    campaign = plan_campaign(actor=actor, unit=unit, name=name, where=where, contractor=contractor)
    return fill_campaign(campaign_id=campaign.pk)


def _bank_batch(campaign, pairs: dict[int, KeyPair], rows: list[dict], cache, actor) -> int:
    """KCTs for one batch of meters, then four bulk inserts: processes, events, targets, KCTs.

    Each meter's pair starts from its own VKRN's key (41 or 42); a meter whose old key is not
    stored, or whose key data the STS engine refuses, is skipped and counted as invalid.
    """
    now = timezone.now()
    made = []
    for row in rows:
        pair = pairs.get(row["vkrn"])
        if pair is None:
            continue
        meter = SimpleNamespace(**row)
        try:
            made.append((row, pair, key_change_tokens_for(meter, pair, cache)))
        except sts.StsError:
            continue
    label = str(TargetState.GENERATED.label)
    processes = Process.objects.bulk_create(
        [
            Process(
                customer_id=row["customer_id"],
                unit_id=row["customer__unit_id"],
                domain=Domain.KEYCHANGE,
                kind=PROCESS_KIND,
                reference=f"KRN-{campaign.pk}/{row['meter_number']}",
                state=TargetState.GENERATED,
                state_label=label,
                opened_at=now,
            )
            for row, _pair, _tokens in made
        ]
    )
    ProcessEvent.objects.bulk_create(
        [
            ProcessEvent(
                process=process,
                customer_id=process.customer_id,
                unit_id=process.unit_id,
                domain=Domain.KEYCHANGE,
                verb="keychange.opened",
                to_state=TargetState.GENERATED,
                actor=actor,
                at=now,
                note=_("KCT dibuat di Bank KCT, kampanye %(name)s") % {"name": campaign.name},
            )
            for process in processes
        ]
    )
    targets = CampaignTarget.objects.bulk_create(
        [
            CampaignTarget(
                campaign=campaign,
                process=process,
                customer_id=row["customer_id"],
                meter_id=row["id"],
                unit_id=row["customer__unit_id"],
            )
            for process, (row, _pair, _tokens) in zip(processes, made, strict=True)
        ]
    )
    KeyChangeToken.objects.bulk_create(
        [
            _kct_row(target, row, tokens, pair, now)
            for target, (row, pair, tokens) in zip(targets, made, strict=True)
        ]
    )
    return len(rows) - len(made)
