"""Background work of the KRN-2 campaigns, through the Tasks API only (any configured backend)."""

from django_tasks import task

from meterops.core.jobs import traced

from . import services


@task()
@traced
def generate_campaign_task(campaign_id: int) -> int:
    """Fill a planned campaign's Bank KCT; returns the number of targets made."""
    campaign = services.fill_campaign(campaign_id=campaign_id)
    return campaign.targets.count()


@task()
@traced
def count_meters_by_vkrn_task() -> int:
    """Count the KRN dashboard's meters per VKRN again, unless another run just did."""
    if services.tally_is_fresh():
        return 0
    return services.count_meters_by_vkrn()
