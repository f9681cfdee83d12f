"""A Bank KCT job whose worker died is queued again and continues (issue #21): each batch is
its own transaction and a meter with a target is skipped, so running it again is safe."""

from django.utils import timezone

from meterops.core import workers
from meterops.core.models import WorkerHeartbeat
from meterops.keychange import services
from meterops.keychange.choices import GenerationStatus
from meterops.keychange.models import Campaign
from meterops.keychange.services import fill_campaign, resume_interrupted_campaigns

from .test_campaign_job import planned


def _running_under(campaign, worker_id):
    Campaign.objects.filter(pk=campaign.pk).update(
        generation_status=GenerationStatus.RUNNING, worker_id=worker_id
    )


class ResumeInterruptedCampaignsTests:
    def test_a_dead_worker_s_campaign_is_queued_again_once_and_finished(
        self, cast, django_capture_on_commit_callbacks
    ):
        campaign = planned(cast)
        _running_under(campaign, "dead")
        with django_capture_on_commit_callbacks(execute=True):  # the immediate backend runs it
            assert resume_interrupted_campaigns() == 1
            assert resume_interrupted_campaigns() == 0
        campaign.refresh_from_db()
        assert campaign.generation_status == GenerationStatus.DONE and campaign.task_id
        assert campaign.targets.count() == 3

    def test_a_live_worker_s_or_a_queued_campaign_is_left_alone(self, cast):
        campaign = planned(cast)
        now = timezone.now()
        WorkerHeartbeat.objects.create(
            worker_id="alive", hostname="h", pid=1, backend="db", started_at=now, seen_at=now
        )
        _running_under(campaign, "alive")
        assert resume_interrupted_campaigns() == 0
        Campaign.objects.filter(pk=campaign.pk).update(
            generation_status=GenerationStatus.QUEUED, worker_id=""
        )
        assert resume_interrupted_campaigns() == 0

    def test_the_job_records_its_worker_and_stops_between_batches_when_asked(
        self, cast, monkeypatch
    ):
        campaign = planned(cast)
        monkeypatch.setattr(services.campaigns, "current_worker_id", lambda: "w-krn")
        monkeypatch.setattr(services.campaigns, "stop_requested", lambda: True)
        campaign = fill_campaign(campaign_id=campaign.pk)
        assert campaign.generation_status == GenerationStatus.RUNNING
        assert campaign.worker_id == "w-krn"
        assert campaign.targets.count() == 0
        monkeypatch.setattr(services.campaigns, "stop_requested", lambda: False)
        assert workers.resume_interrupted_work()["keychange"] == 1
