"""The Bank KCT is filled by a background job (Tasks API), its progress on the campaign page."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from meterops.keychange.choices import GenerationStatus
from meterops.keychange.models import Campaign
from meterops.keychange.services import (
    CampaignFilter,
    fill_campaign,
    plan_campaign,
    start_campaign_generation,
)
from tests.keychange.helpers import old_key_meter, prepare_keys

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def planned(cast, n=3):
    prepare_keys(cast)
    for _ in range(n):
        old_key_meter(cast.sp_a)
    return plan_campaign(
        actor=cast.unit_admin, unit=cast.area_a, name="KRN LATAR", where=CampaignFilter()
    )


class CampaignJobTests:
    def test_planning_makes_no_kct_yet(self, cast):
        campaign = planned(cast)
        assert (campaign.generation_status, campaign.meters_total) == (GenerationStatus.QUEUED, 3)
        assert campaign.targets.count() == 0 and campaign.is_generating

    def test_the_job_fills_the_bank_and_reports_progress(self, cast):
        campaign = start_campaign_generation(campaign=planned(cast))  # immediate backend
        campaign.refresh_from_db()
        assert campaign.generation_status == GenerationStatus.DONE
        assert (campaign.meters_processed, campaign.targets.count()) == (3, 3)
        assert campaign.generation_percent == 100 and campaign.task_id

    def test_running_it_again_makes_nothing_twice(self, cast):
        campaign = planned(cast)
        fill_campaign(campaign_id=campaign.pk)
        Campaign.objects.filter(pk=campaign.pk).update(generation_status=GenerationStatus.QUEUED)
        fill_campaign(campaign_id=campaign.pk)
        assert campaign.targets.count() == 3

    def test_a_running_or_done_campaign_is_not_run_twice(self, cast):
        campaign = planned(cast)
        Campaign.objects.filter(pk=campaign.pk).update(generation_status=GenerationStatus.RUNNING)
        assert fill_campaign(campaign_id=campaign.pk).targets.count() == 0
        Campaign.objects.filter(pk=campaign.pk).update(generation_status=GenerationStatus.QUEUED)
        fill_campaign(campaign_id=campaign.pk)
        fill_campaign(campaign_id=campaign.pk)  # done: nothing more
        assert campaign.targets.count() == 3

    def test_a_failing_job_is_marked_failed_with_the_reason(self, cast):
        campaign = planned(cast)
        from meterops.vending.models import VendingKey

        VendingKey.objects.all().delete()
        with pytest.raises(Exception, match="Kunci vending"):
            fill_campaign(campaign_id=campaign.pk)
        campaign.refresh_from_db()
        assert campaign.generation_status == GenerationStatus.FAILED
        assert "Kunci vending" in campaign.generation_error

    @pytest.mark.django_db(transaction=True)
    def test_the_database_queue_and_db_worker_run_it(self, cast, settings):
        settings.TASKS = DATABASE_QUEUE
        campaign = start_campaign_generation(campaign=planned(cast))
        campaign.refresh_from_db()
        assert campaign.generation_status == GenerationStatus.QUEUED
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
        campaign.refresh_from_db()
        assert campaign.generation_status == GenerationStatus.DONE
        assert campaign.targets.count() == 3

    def test_the_progress_endpoint_and_page(self, cast, client_for):
        campaign = planned(cast)
        client = client_for(cast.unit_admin)
        url = reverse("keychange:campaign_progress", args=[campaign.pk])
        progress = client.get(url).json()
        assert (progress["status"], progress["processed"], progress["total"]) == ("queued", 0, 3)
        page = client.get(reverse("keychange:campaign_detail", args=[campaign.pk]))
        assert b'id="generation-progress"' in page.content
        fill_campaign(campaign_id=campaign.pk)
        assert client.get(url).json()["percent"] == 100
        page = client.get(reverse("keychange:campaign_detail", args=[campaign.pk]))
        assert b'id="generation-progress"' not in page.content

    def test_an_outsider_gets_no_progress(self, cast, client_for):
        campaign = planned(cast)
        url = reverse("keychange:campaign_progress", args=[campaign.pk])
        assert client_for(cast.outsider).get(url).status_code == 404
