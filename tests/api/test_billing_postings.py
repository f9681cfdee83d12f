"""AP2T pulls the approved postings and acknowledges them (seed 001: "Data sudah posting 1
pada fungsi 2"; issue #19)."""

import pytest

from meterops.reading.choices import ReadingState
from meterops.reading.errors import NothingToDo, PostingTaken
from meterops.reading.models import BillingPosting, Reading
from meterops.reading.services import (
    approve_reading_day,
    cancel_approval,
    cancel_reading_day_approval,
)
from tests.factories import UserFactory
from tests.reading.helpers import (
    PERIOD,
    make_approver,
    make_customer,
    make_day,
    make_reading,
    make_route,
)


@pytest.fixture
def posting(cast) -> BillingPosting:
    day = make_day(cast.sp_a)
    make_reading(make_customer(make_route(day), customer_id="510010000099"), state="sent")
    approver = make_approver(cast.sp_a)
    return approve_reading_day(actor=approver, reading_day=day, period=PERIOD).approval.posting


def _billing_user(unit, username):
    return UserFactory(username=username, unit=unit, roles=["billing_system"])


@pytest.fixture
def ap2t(cast, api_client):
    return api_client(_billing_user(cast.area_a, "ap2t.alfa"))


def _file(client, number):
    response = client.get(f"/api/billing/postings/{number}/file")
    if response.status_code != 200:
        return response, ""
    return response, b"".join(response.streaming_content).decode()


class PullPostingsTests:
    def test_lists_the_units_unacknowledged_postings(self, ap2t, posting):
        answer = ap2t.get("/api/billing/postings").json()
        assert [p["number"] for p in answer["postings"]] == [posting.number]
        assert answer["postings"][0]["period"] == PERIOD

    def test_the_file_is_the_documented_fixed_width_format(self, ap2t, posting):
        response, text = _file(ap2t, posting.number)
        assert response.status_code == 200
        lines = text.split("\r\n")
        assert lines[0].startswith(f"H{posting.number:<40}{PERIOD}51001")
        assert lines[1].startswith(f"D510010000099{PERIOD}+000000100000")
        assert lines[2] == "T00000001"
        posting.refresh_from_db()
        assert posting.pulled_at is not None and posting.taken_at is None

    def test_once_pulled_the_approver_can_no_longer_cancel(self, cast, ap2t, posting):
        _file(ap2t, posting.number)
        reading = Reading.objects.get(posting=posting)
        with pytest.raises(PostingTaken):
            cancel_approval(actor=make_approver(cast.sp_a), reading=reading, reason="salah")

    def test_nor_cancel_the_whole_reading_day(self, cast, ap2t, posting):
        _file(ap2t, posting.number)
        with pytest.raises(NothingToDo):
            cancel_reading_day_approval(
                actor=make_approver(cast.sp_a),
                reading_day=posting.approval.reading_day,
                period=PERIOD,
                reason="salah",
            )
        assert Reading.objects.get(posting=posting).state == ReadingState.APPROVED

    def test_another_units_billing_user_gets_nothing(self, cast, api_client, posting):
        other = api_client(_billing_user(cast.area_b, "ap2t.beta"))
        assert other.get("/api/billing/postings").json() == {"postings": []}
        assert _file(other, posting.number)[0].status_code == 404
        assert other.post(f"/api/billing/postings/{posting.number}/ack").status_code == 404
        posting.refresh_from_db()
        assert posting.pulled_at is None and posting.taken_at is None

    def test_a_user_without_the_billing_role_gets_403(self, cast, api_client, posting):
        approver = api_client(make_approver(cast.sp_a))
        assert approver.get("/api/billing/postings").status_code == 403

    def test_without_a_token_401(self, client, posting):
        assert client.get("/api/billing/postings").status_code == 401


class AcknowledgeTests:
    def test_ack_twice_answers_the_same_and_changes_nothing(self, ap2t, posting):
        _file(ap2t, posting.number)
        first = ap2t.post(f"/api/billing/postings/{posting.number}/ack")
        second = ap2t.post(f"/api/billing/postings/{posting.number}/ack")
        assert first.status_code == second.status_code == 200
        assert first.json()["taken_at"] == second.json()["taken_at"] is not None
        assert ap2t.get("/api/billing/postings").json() == {"postings": []}
        assert Reading.objects.get(posting=posting).state == ReadingState.APPROVED

    def test_ack_of_a_posting_never_pulled_is_refused_with_the_reason(self, ap2t, posting):
        answer = ap2t.post(f"/api/billing/postings/{posting.number}/ack")
        assert answer.status_code == 409
        assert answer.json()["code"] == "reading_posting_not_pulled"
        assert "belum pernah diunduh" in answer.json()["message"]
        posting.refresh_from_db()
        assert posting.taken_at is None

    def test_ack_of_an_unknown_posting_is_404_naming_it(self, ap2t, posting):
        answer = ap2t.post("/api/billing/postings/P1F2-TIDAK-ADA/ack")
        assert answer.status_code == 404
        assert "P1F2-TIDAK-ADA" in answer.json()["message"]

    def test_the_page_shows_pulled_and_hides_the_manual_button_for_api_units(
        self, cast, ap2t, posting, client_for
    ):
        from meterops.reading.models import ReadingSettings

        ReadingSettings.objects.create(unit=cast.area_a, billing_pulls_postings=True)
        approver = make_approver(cast.sp_a)
        day = posting.approval.reading_day
        query = {"reading_day": day.pk, "period": PERIOD}
        page = client_for(approver).get("/reading/approvals/", query).content.decode()
        assert "Tandai diambil AP2T" not in page
        _file(ap2t, posting.number)
        page = client_for(approver).get("/reading/approvals/", query).content.decode()
        assert "Diunduh AP2T, menunggu konfirmasi" in page
