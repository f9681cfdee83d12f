"""seed_demo leaves an object behind every page that shows one (issue #17): each workflow walked
through its own services in the ULPs of two UP3s, so every object page can be opened, and
checked for scoping, on a small demo.

The demo is seeded once for the module, inside a transaction rolled back at its end; each test
runs in a savepoint of it.
"""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from meterops.complaints.choices import TicketState
from meterops.complaints.models import Ticket
from meterops.core.models import Process, ProcessEvent, User
from meterops.core.scoping import scoped
from meterops.fieldwork.models import AuditMonth
from meterops.fieldwork.models import Campaign as NoticeCampaign
from meterops.imports.models import Upload, UploadState
from meterops.keychange.choices import TargetState as KctState
from meterops.keychange.models import Campaign, CampaignTarget, KeyChangeToken
from meterops.prepaid.choices import RequestKind, RequestState
from meterops.prepaid.models import LoadProfileRecord, NfcTransaction, ServiceRequest
from meterops.replacement.choices import BillingOutcome, TargetState
from meterops.replacement.models import BillingReplacement, Document

TEAM_ULPS = {"53551", "53542"}  # ULP BALEENDAH (UP3 MAJALAYA), ULP CIJAURA (UP3 BANDUNG)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """A demo of 200 customers, 21 HOME targets per demo ULP; its files in ``demo.media``."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        call_command("seed_demo", "--customers", "200", "--targets", "21", "--seed", "5")
        yield media
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def demo_files(demo, settings):
    settings.MEDIA_ROOT = demo
    return demo


def _ulps(queryset, lookup="unit__code") -> set[str]:
    return set(queryset.values_list(lookup, flat=True))


def _up3s(queryset, lookup="unit__parent__code") -> set[str]:
    return set(queryset.values_list(lookup, flat=True))


def _is_pdf(field) -> bool:
    with field.open("rb") as handle:
        return len(PdfReader(io.BytesIO(handle.read())).pages) == 1


class DemoCoverageTests:
    def test_billing_rows_of_each_outcome_in_two_up3s(self, demo, db):
        rows = BillingReplacement.objects.all()
        assert _ulps(rows) == TEAM_ULPS
        for code in TEAM_ULPS:
            outcomes = set(rows.filter(unit__code=code).values_list("outcome", flat=True))
            assert {
                BillingOutcome.COMPLETED,
                BillingOutcome.CONFLICT,
                BillingOutcome.CONFIRMED,
            } <= outcomes
            assert rows.filter(unit__code=code, resolved_at__isnull=False).count() == 1
        completed = rows.filter(outcome=BillingOutcome.COMPLETED).first()
        assert completed.target.state == TargetState.REPLACED
        assert ProcessEvent.objects.filter(verb="replacement.replaced_by_billing").exists()

    def test_targets_sent_to_reverification_keep_a_scanned_ba_pdf(self, demo_files, db):
        documents = Document.objects.select_related("target")
        assert _ulps(documents, "target__unit__code") == TEAM_ULPS
        assert {d.target.state for d in documents} == {TargetState.REVERIFY, TargetState.DROPPED}
        assert all(_is_pdf(d.file) for d in documents)
        assert ProcessEvent.objects.filter(verb="replacement.ba_uploaded").count() == len(documents)

    def test_prepaid_applications_at_every_step_in_two_up3s(self, demo_files, db):
        requests = ServiceRequest.objects.all()
        for code in TEAM_ULPS:
            states = set(requests.filter(unit__code=code).values_list("state", flat=True))
            assert states == set(RequestState.values)
            kinds = set(requests.filter(unit__code=code).values_list("kind", flat=True))
            assert kinds == {
                RequestKind.NEW_CONNECTION,
                RequestKind.TARIFF_CHANGE,
                RequestKind.TEMPORARY_CONNECTION,
            }
        assert all(r.ends_on for r in requests.filter(kind=RequestKind.TEMPORARY_CONNECTION))
        installed = requests.filter(state=RequestState.INSTALLED)
        assert all(_is_pdf(r.report_scan) and _is_pdf(r.contract_scan) for r in installed)
        completed = requests.get(unit__code="53551", state=RequestState.COMPLETED)
        assert not completed.process.is_open
        assert completed.customer.current_meter.meter_number == completed.meter.meter_number
        assert completed.tokens.exists()

    def test_the_nfc_counter_sold_with_a_card_in_two_up3s(self, demo, db):
        sales = NfcTransaction.objects.filter(sale__isnull=False)
        assert _ulps(sales, "meter__customer__unit__code") == TEAM_ULPS
        sale = sales.first()
        assert sale.records_kept == 12 and not sale.rejections
        profile = LoadProfileRecord.objects.filter(meter=sale.meter)
        assert profile.count() == 12 and not profile.filter(current_amp__isnull=True).exists()

    def test_krn2_campaigns_have_kcts_and_confirmations_in_two_up3s(self, demo, db):
        assert _ulps(Campaign.objects.all()) == TEAM_ULPS
        assert _ulps(KeyChangeToken.objects.all(), "target__unit__code") == TEAM_ULPS
        targets = CampaignTarget.objects.all()
        for code in TEAM_ULPS:
            states = set(targets.filter(unit__code=code).values_list("state", flat=True))
            assert {KctState.ASSIGNED, KctState.SUCCEEDED} <= states
        assert set(targets.values_list("state", flat=True)) == set(KctState.values)
        confirmation = targets.filter(state=KctState.ASSIGNED).first()
        assert confirmation.assigned_to.has_role("field_officer")
        assert confirmation.tokens.get(voided_at__isnull=True).test_token

    def test_apkt_tickets_in_several_states_in_two_up3s(self, demo, db):
        for code in TEAM_ULPS:
            states = set(Ticket.objects.filter(unit__code=code).values_list("state", flat=True))
            assert len(states) >= 3
        assert set(Ticket.objects.values_list("state", flat=True)) == set(TicketState.values)
        closed = Ticket.objects.filter(state=TicketState.CLOSED).first()
        assert closed.call.old_key_token and not closed.process.is_open

    def test_uploads_keep_their_file_and_rejected_rows_and_are_applied(self, demo_files, db):
        uploads = Upload.objects.all()
        applied = uploads.filter(state=UploadState.APPLIED, rejected_rows__gt=0)
        assert _up3s(applied.filter(unit__parent__isnull=False)) >= {"53550", "53540"}
        assert uploads.filter(state=UploadState.CHECKED).count() == 2
        for upload in uploads:
            with upload.file.open("rb") as handle:
                assert zipfile.is_zipfile(io.BytesIO(handle.read()))
            assert upload.rows.filter(status="rejected").count() == upload.rejected_rows

    def test_each_demo_ulp_has_a_notice_campaign_and_an_audit(self, demo, db):
        assert _ulps(NoticeCampaign.objects.all()) == TEAM_ULPS
        assert _ulps(AuditMonth.objects.all()) == TEAM_ULPS

    def test_demo_photos_are_real_jpegs(self, demo_files, db):
        request = ServiceRequest.objects.filter(state=RequestState.INSTALLED).first()
        with request.photo.open("rb") as handle:
            assert Image.open(handle).format == "JPEG"

    def test_a_team_sees_nothing_of_the_other_team(self, demo, db):
        cijaura = User.objects.get(username="pengawas.cijaura")
        for model in (BillingReplacement, ServiceRequest, Campaign, Ticket, NoticeCampaign):
            assert model.objects.filter(unit__code="53551").exists()
            assert not scoped(model, cijaura).filter(unit__code="53551").exists()
        assert not scoped(Process, cijaura).filter(unit__code="53551").exists()

    def test_seeding_again_adds_none_of_it_twice(self, demo, db):
        counts = [
            m.objects.count()
            for m in (Upload, BillingReplacement, ServiceRequest, Campaign, Ticket, AuditMonth)
        ]
        call_command("seed_demo", "--customers", "0", "--targets", "0")
        assert counts == [
            m.objects.count()
            for m in (Upload, BillingReplacement, ServiceRequest, Campaign, Ticket, AuditMonth)
        ]
