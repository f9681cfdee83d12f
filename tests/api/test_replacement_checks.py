"""The field app's HOME writes keep issue #19's rules: Input Data Rusak can mark an LBKB target
(dropped only with its BA, seed 000), and Input Data Ganti refuses a date before the PK's print
day and a final stan far from the last one without a reason, naming the field (422)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from meterops.core.errors import WrongState
from meterops.replacement.models import Replacement, ReplacementTarget
from meterops.replacement.services import drop_target, send_target_to_reverification

from .conftest import upload_photo
from .test_api import _replacement_payload

pytestmark = pytest.mark.django_db


def _post(client, path, payload):
    return client.post(path, payload, content_type="application/json")


class DamageReportLbkbTests:
    def _report(self, client, customer, **changes):
        payload = {
            "client_id": str(uuid.uuid4()),
            "customer_id": customer.customer_id,
            "damage_type": "display-mati",
            "photo_ids": [upload_photo(client)],
            **changes,
        }
        return _post(client, "/api/damage-reports", payload)

    def test_phone_marks_an_lbkb_target_that_needs_its_ba(
        self, api_client, cast, field_officer, customer, damage_type
    ):
        """Issue #19: the phone's Input Data Rusak had no LBKB field."""
        answer = self._report(api_client(field_officer), customer, lbkb=True)
        assert answer.status_code == 201, answer.json()
        assert answer.json()["lbkb"] is True
        target = ReplacementTarget.objects.get(pk=answer.json()["id"])
        send_target_to_reverification(target=target, actor=cast.supervisor, reason="cek")
        with pytest.raises(WrongState, match="upload BA verifikasi dulu"):
            drop_target(target=target, actor=cast.supervisor, reason="normal")

    def test_report_without_the_mark_is_an_ordinary_target(
        self, api_client, field_officer, customer, damage_type
    ):
        answer = self._report(api_client(field_officer), customer)
        assert answer.json()["lbkb"] is False

    def test_lbkb_report_for_another_units_customer_is_refused(
        self, api_client, field_officer, customer_b, damage_type
    ):
        answer = self._report(api_client(field_officer), customer_b, lbkb=True)
        assert answer.status_code == 422 and answer.json()["field"] == "customer_id"
        assert not ReplacementTarget.objects.exists()


class ReplacementEntryTests:
    def _send(self, api_client, work_order, **changes):
        client = api_client(work_order.assigned_to)
        payload = _replacement_payload(
            work_order, [upload_photo(client), upload_photo(client)], **changes
        )
        return _post(client, "/api/replacements", payload)

    def test_date_before_the_pk_was_printed_is_422_on_the_date(self, api_client, work_order):
        """Issue #19: 1990-01-01 was accepted for a PK printed in 2026."""
        answer = self._send(api_client, work_order, replaced_on="1990-01-01")
        assert answer.status_code == 422
        assert answer.json()["field"] == "replaced_on"
        assert "sebelum tanggal cetak PK" in answer.json()["message"]
        assert not Replacement.objects.exists()

    def test_far_final_stan_without_reason_is_422_on_the_reason(self, api_client, work_order):
        """Issue #19: a final stan of 99999 after 1500,50 passed silently."""
        answer = self._send(api_client, work_order, old_final_reading="99999")
        assert answer.status_code == 422
        assert answer.json()["field"] == "low_reading_reason"
        assert "melebihi stan terakhir 1.500,50" in answer.json()["message"]
        assert not Replacement.objects.exists()

    def test_far_final_stan_with_its_reason_is_kept(self, api_client, work_order):
        answer = self._send(
            api_client, work_order, old_final_reading="99999", low_reading_reason="meter loncat"
        )
        assert answer.status_code == 201, answer.json()
        assert Replacement.objects.get().low_reading_reason == "meter loncat"

    def test_refused_entry_goes_again_corrected_under_its_client_id(self, api_client, work_order):
        """Issue #20: the phone corrects a refused entry and sends it under the same client id
        with the photos it uploaded the first time; it is written once, a resend replays."""
        client = api_client(work_order.assigned_to)
        photos = [upload_photo(client), upload_photo(client)]
        refused = _replacement_payload(work_order, photos, old_final_reading="99999")
        assert _post(client, "/api/replacements", refused).status_code == 422
        corrected = {**refused, "old_final_reading": "1510.00"}
        first = _post(client, "/api/replacements", corrected)
        assert first.status_code == 201, first.json()
        again = _post(client, "/api/replacements", corrected)
        assert again.status_code == 200 and again.json()["replayed"] is True
        assert Replacement.objects.get().old_final_reading == Decimal("1510.00")

    def test_work_list_gives_the_phone_what_it_checks(self, api_client, work_order):
        data = api_client(work_order.assigned_to).get("/api/work-list").json()
        [item] = [i for i in data["items"] if i["kind"] == "replacement"]
        today = timezone.localdate().isoformat()
        assert item["detail"]["printed_on"] == today
        assert item["detail"]["last_reading"] == {"kwh": "1500.50", "on": today}
        assert item["detail"]["daily_use_limit_kwh"] == "31.2"

    def test_outsider_cannot_replace_to_probe_the_rules(self, api_client, cast, work_order):
        client = api_client(cast.outsider)
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        payload = _replacement_payload(
            work_order, [upload_photo(client), upload_photo(client)], replaced_on=yesterday
        )
        assert _post(client, "/api/replacements", payload).status_code == 404
