"""KRN-2 key-change targets (seed 003) on the officer's work list and their outcome from the
phone: the display, the 0 kWh test-token answer, or a failure."""

import uuid
from datetime import datetime

import pytest

from meterops.core.choices import RoleCode
from meterops.keychange.choices import FailureReason, Proof, TargetState
from meterops.keychange.services import assign_targets
from tests.factories import ContractorFactory, UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def kct_officer(cast):
    return UserFactory(
        username="petugas.kct", contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER]
    )


@pytest.fixture
def target(cast, kct_officer):
    old_key_meter(cast.sp_a, brand="HEXING")
    campaign = campaign_with(cast, [])
    target = campaign.targets.get()
    assign_targets(actor=cast.vendor_a, targets=[target], officer=kct_officer)
    target.refresh_from_db()
    return target


@pytest.fixture
def rival_officer(cast):
    """A field officer of another contractor working in the same area."""
    rival = ContractorFactory(code="VND-C", name="PT Vendor Gamma", units=[cast.area_a])
    return UserFactory(username="petugas.gamma", contractor=rival, roles=[RoleCode.FIELD_OFFICER])


def same_moment(text: str, moment: datetime) -> bool:
    """The API writes times to the millisecond."""
    return (
        abs((datetime.fromisoformat(text.replace("Z", "+00:00")) - moment).total_seconds()) < 0.001
    )


def outcome(client, target, **fields):
    payload = {
        "client_id": str(uuid.uuid4()),
        "version": target.updated_at.isoformat(),
        **fields,
    }
    answer = client.post(
        f"/api/kct-targets/{target.pk}/outcome", payload, content_type="application/json"
    )
    return answer, payload


class KctWorkListTests:
    def test_work_list_carries_the_kct_pair_and_the_display(self, api_client, target, kct_officer):
        items = api_client(kct_officer).get("/api/work-list").json()["items"]
        [item] = [i for i in items if i["kind"] == "keychange"]
        kct = target.tokens.get(voided_at__isnull=True)
        assert item["id"] == target.pk
        assert item["reference"] == target.reference
        assert item["customer"]["customer_id"] == target.customer.customer_id
        assert item["customer"]["meter_number"] == target.meter.meter_number
        assert item["detail"]["tokens"] == kct.formatted
        assert all(len(group) == 4 for group in item["detail"]["tokens"][0].split(" "))
        assert len(item["detail"]["tokens"][0].replace(" ", "")) == 20
        assert item["detail"]["expected_display"] == "KRN 02 KT 02"
        assert same_moment(item["version"], target.updated_at)

    def test_other_contractor_officer_never_sees_nor_touches_it(
        self, api_client, target, rival_officer
    ):
        client = api_client(rival_officer)
        items = client.get("/api/work-list").json()["items"]
        assert not [i for i in items if i["kind"] == "keychange"]
        answer, _payload = outcome(client, target, result="display", display="KRN 02 KT 02")
        assert answer.status_code == 404
        assert client.post(f"/api/kct-targets/{target.pk}/zero-token").status_code == 404
        target.refresh_from_db()
        assert target.state == TargetState.ASSIGNED

    def test_a_confirmed_target_leaves_the_list(self, api_client, target, kct_officer):
        client = api_client(kct_officer)
        outcome(client, target, result="display", display="krn 02  kt 02")
        items = client.get("/api/work-list").json()["items"]
        assert not [i for i in items if i["kind"] == "keychange"]


class KctOutcomeTests:
    def test_display_confirms_once(self, api_client, target, kct_officer):
        client = api_client(kct_officer)
        first, payload = outcome(client, target, result="display", display="KRN 02 KT 02")
        assert first.status_code == 201, first.json()
        assert first.json()["state"] == TargetState.SUCCEEDED
        again = client.post(
            f"/api/kct-targets/{target.pk}/outcome", payload, content_type="application/json"
        )
        assert again.status_code == 200
        assert again.json()["replayed"] is True
        target.refresh_from_db()
        assert target.state == TargetState.SUCCEEDED
        assert target.proof == Proof.DISPLAY
        assert target.meter.key_revision == 2
        assert target.process.events.filter(verb="keychange.succeeded").count() == 1

    def test_wrong_display_is_refused_with_the_domain_error(self, api_client, target, kct_officer):
        client = api_client(kct_officer)
        answer, payload = outcome(client, target, result="display", display="KRN 01 KT 02")
        assert answer.status_code == 409
        assert answer.json()["code"] == "display_mismatch"
        assert "KRN 02 KT 02" in answer.json()["message"]
        target.refresh_from_db()
        assert target.state == TargetState.ASSIGNED
        # Refused writes are not stored: the officer can correct and send the same entry again.
        payload["display"] = "KRN 02 KT 02"
        fixed = client.post(
            f"/api/kct-targets/{target.pk}/outcome", payload, content_type="application/json"
        )
        assert fixed.status_code == 201, fixed.json()

    def test_changed_target_answers_409_with_both_versions(
        self, api_client, target, kct_officer, cast
    ):
        stale = target.updated_at.isoformat()
        target.note = "dicek admin"
        target.save(update_fields=["note", "updated_at"])
        client = api_client(kct_officer)
        answer = client.post(
            f"/api/kct-targets/{target.pk}/outcome",
            {
                "client_id": str(uuid.uuid4()),
                "version": stale,
                "result": "display",
                "display": "KRN 02 KT 02",
            },
            content_type="application/json",
        )
        assert answer.status_code == 409
        body = answer.json()
        assert body["code"] == "conflict"
        assert same_moment(body["yours"]["version"], datetime.fromisoformat(stale))
        target.refresh_from_db()
        assert body["server"]["version"] == target.updated_at.isoformat()
        assert target.state == TargetState.ASSIGNED

    def test_zero_token_then_accepted_answer(self, api_client, target, kct_officer):
        client = api_client(kct_officer)
        token = client.post(f"/api/kct-targets/{target.pk}/zero-token")
        assert token.status_code == 200, token.json()
        assert len(token.json()["test_token"]) == 20
        again = client.post(f"/api/kct-targets/{target.pk}/zero-token")
        assert again.json()["test_token"] == token.json()["test_token"]
        target.refresh_from_db()  # the test token leaves the target's version alone
        answer, _payload = outcome(
            client, target, result="zero_token", zero_token_answer="accepted"
        )
        assert answer.status_code == 201, answer.json()
        assert answer.json()["proof"] == Proof.TEST_TOKEN
        assert answer.json()["state"] == TargetState.SUCCEEDED

    def test_zero_token_answer_before_the_token_is_refused(self, api_client, target, kct_officer):
        answer, _payload = outcome(
            api_client(kct_officer), target, result="zero_token", zero_token_answer="accepted"
        )
        assert answer.status_code == 409
        target.refresh_from_db()
        assert target.state == TargetState.ASSIGNED

    def test_failure_with_reason(self, api_client, target, kct_officer):
        answer, _payload = outcome(
            api_client(kct_officer),
            target,
            result="failed",
            reason="customer_refused",
            note="Pemilik tidak di rumah",
        )
        assert answer.status_code == 201, answer.json()
        target.refresh_from_db()
        assert target.state == TargetState.CANCELLED
        assert target.failure_reason == FailureReason.CUSTOMER_REFUSED


class KctBadInputTests:
    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"result": "display"}, "display"),
            ({"result": "zero_token"}, "zero_token_answer"),
            ({"result": "failed"}, "reason"),
            ({"result": "failed", "reason": "lupa"}, "reason"),
            ({"result": "menyerah"}, "result"),
            ({"result": "failed", "reason": "invalid", "supply_group": "12"}, "supply_group"),
        ],
    )
    def test_names_the_field(self, api_client, target, kct_officer, fields, field):
        answer, _payload = outcome(api_client(kct_officer), target, **fields)
        assert answer.status_code == 422, answer.json()
        assert answer.json()["field"] == field
        target.refresh_from_db()
        assert target.state == TargetState.ASSIGNED

    def test_missing_version_and_wrong_type(self, api_client, target, kct_officer):
        client = api_client(kct_officer)
        answer = client.post(
            f"/api/kct-targets/{target.pk}/outcome",
            {"client_id": str(uuid.uuid4()), "result": "display", "display": "x"},
            content_type="application/json",
        )
        assert answer.status_code == 422 and answer.json()["field"] == "version"
        answer = client.post(
            f"/api/kct-targets/{target.pk}/outcome",
            {"client_id": "bukan-uuid", "version": "kemarin", "result": "display"},
            content_type="application/json",
        )
        assert answer.status_code == 422
        assert answer.json()["field"] in {"client_id", "version"}

    def test_unknown_target_is_404(self, api_client, target, kct_officer):
        client = api_client(kct_officer)
        answer = client.post(
            "/api/kct-targets/2147483647/zero-token",
        )
        assert answer.status_code == 404
        assert client.post("/api/kct-targets/99999999999/zero-token").status_code == 404
