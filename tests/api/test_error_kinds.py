"""The HOME endpoints answer each kind of refusal with its own status (issue #16): a role that
may not act 403, another unit's record 404, a state that refuses 409, a wrong value 422 naming
the field."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from meterops.replacement.models import Replacement
from tests.factories import CustomerFactory, MeterFactory

from .conftest import upload_photo
from .test_api import _replacement_payload

pytestmark = pytest.mark.django_db


def _post(client, path, payload):
    return client.post(path, payload, content_type="application/json")


class RoleRefusalTests:
    def test_officer_listing_officers_gets_403(self, api_client, cast):
        answer = api_client(cast.officer).get("/api/officers")
        assert answer.status_code == 403
        assert answer.json()["code"] == "not_allowed"

    def test_officer_distributing_work_orders_gets_403(self, api_client, cast, work_order):
        payload = {
            "client_id": str(uuid.uuid4()),
            "work_order_ids": [work_order.pk],
            "officer_id": cast.officer.pk,
        }
        answer = _post(api_client(cast.officer), "/api/work-orders/assign", payload)
        assert answer.status_code == 403


class OutOfReachTests:
    def test_work_order_of_another_unit_is_404(self, api_client, cast, work_order):
        client = api_client(cast.outsider)
        payload = _replacement_payload(work_order, [upload_photo(client), upload_photo(client)])
        answer = _post(client, "/api/replacements", payload)
        assert answer.status_code == 404
        assert not Replacement.objects.exists()


class WrongStateTests:
    def test_replacing_a_replaced_work_order_again_is_409(self, api_client, work_order):
        client = api_client(work_order.assigned_to)
        first = _replacement_payload(work_order, [upload_photo(client), upload_photo(client)])
        assert _post(client, "/api/replacements", first).status_code == 201
        work_order.target.refresh_from_db()
        again = _replacement_payload(
            work_order,
            [upload_photo(client), upload_photo(client)],
            new_meter_number="56000000999",
        )
        answer = _post(client, "/api/replacements", again)
        assert answer.status_code == 409
        assert answer.json()["code"] == "wrong_state"


class InvalidInputTests:
    def _send(self, api_client, work_order, **changes):
        client = api_client(work_order.assigned_to)
        photos = [upload_photo(client), upload_photo(client)]
        payload = _replacement_payload(work_order, photos, **changes)
        return _post(client, "/api/replacements", payload)

    def test_low_final_reading_without_reason_names_the_reason(self, api_client, work_order):
        answer = self._send(api_client, work_order, old_final_reading="1000.00")
        assert answer.status_code == 422
        assert answer.json()["field"] == "low_reading_reason"

    def test_future_replacement_date_names_the_date(self, api_client, work_order):
        tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
        answer = self._send(api_client, work_order, replaced_on=tomorrow)
        assert answer.status_code == 422
        assert answer.json()["field"] == "replaced_on"

    def test_meter_installed_elsewhere_names_the_meter_number(self, api_client, cast, work_order):
        MeterFactory(customer=CustomerFactory(unit=cast.sp_a), meter_number="56000000123")
        answer = self._send(api_client, work_order)
        assert answer.status_code == 422
        assert answer.json()["field"] == "new_meter_number"
