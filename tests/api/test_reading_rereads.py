"""Readings sent back for re-reading on the officer's work list, and the new stan from the phone."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading
from tests.reading.helpers import WIB, anomaly, make_customer, make_day, make_reading, make_route

from .conftest import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def reread(cast):
    period = f"{timezone.now().astimezone(WIB):%Y%m}"
    route = make_route(make_day(cast.sp_a))
    customer = make_customer(route, sequence=3)
    return make_reading(
        customer,
        period=period,
        register="1200",
        state=ReadingState.REREAD_REQUESTED,
        reread_reason="Foto buram",
        read_at=timezone.now(),
    )


def _payload(reading, client, **changes):
    return {
        "client_id": str(uuid.uuid4()),
        "version": reading.updated_at.isoformat(),
        "register_kwh": "1234.5",
        "photo_ids": [upload_photo(client)],
        **changes,
    }


class RereadTests:
    def test_work_list_carries_the_reading_with_its_reason(self, api_client, reread, field_officer):
        items = api_client(field_officer).get("/api/work-list").json()["items"]
        [item] = [i for i in items if i["kind"] == "reading"]
        assert item["id"] == reread.pk
        assert item["detail"] == {
            "period": reread.period,
            "reason": "Foto buram",
            "previous_register_kwh": "1200.00",
        }
        assert item["customer"]["customer_id"] == reread.customer.customer_id

    def test_officer_of_another_unit_gets_nothing(self, api_client, cast, reread):
        from tests.factories import UserFactory

        stranger = UserFactory(
            username="petugas.beta", contractor=cast.contractor_b, roles=["field_officer"]
        )
        client = api_client(stranger)
        assert not [
            i for i in client.get("/api/work-list").json()["items"] if i["kind"] == "reading"
        ]
        answer = client.post(
            f"/api/readings/{reread.pk}/reread",
            _payload(reread, client),
            content_type="application/json",
        )
        assert answer.status_code == 404

    def test_new_stan_with_photo_goes_back_to_read_once(self, api_client, reread, field_officer):
        client = api_client(field_officer)
        code = anomaly()
        payload = _payload(reread, client, anomaly_code=code.code.lower())
        url = f"/api/readings/{reread.pk}/reread"
        first = client.post(url, payload, content_type="application/json")
        assert first.status_code == 201, first.json()
        assert first.json()["state"] == ReadingState.READ
        again = client.post(url, payload, content_type="application/json")
        assert again.status_code == 200 and again.json()["replayed"] is True
        reading = Reading.objects.get(pk=reread.pk)
        assert reading.register_kwh == Decimal("1234.50") and reading.anomaly == code
        assert reading.reread_reason == "" and reading.photo.name.endswith(".jpg")
        assert Reading.objects.count() == 1

    def test_changed_reading_answers_409_and_unknown_code_names_the_field(
        self, api_client, reread, field_officer
    ):
        client = api_client(field_officer)
        url = f"/api/readings/{reread.pk}/reread"
        bad = client.post(
            url, _payload(reread, client, anomaly_code="ZZ"), content_type="application/json"
        )
        assert bad.status_code == 422 and bad.json()["field"] == "anomaly_code"
        stale = _payload(reread, client, version="2020-01-01T00:00:00+00:00")
        answer = client.post(url, stale, content_type="application/json")
        assert answer.status_code == 409
        assert answer.json()["server"]["state"] == ReadingState.REREAD_REQUESTED
