"""Fieldwork orders (seed 004) on the officer's work list and their outcome from the phone."""

import uuid

import pytest

from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder
from meterops.fieldwork.services import assign_orders

from .conftest import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice_order(cast, customer, field_officer):
    order = FieldOrder.objects.create(
        unit=cast.sp_a, customer=customer, kind=OrderKind.NOTICE, issued_by=cast.supervisor
    )
    assign_orders(
        actor=cast.supervisor, orders=FieldOrder.objects.filter(pk=order.pk), officer=field_officer
    )
    order.refresh_from_db()
    return order


class FieldOrderTests:
    def test_work_list_carries_fieldwork_orders(self, api_client, notice_order, field_officer):
        items = api_client(field_officer).get("/api/work-list").json()["items"]
        [item] = [i for i in items if i["kind"] == "fieldwork.notice"]
        assert item["reference"] == notice_order.reference
        assert item["customer"]["customer_id"] == notice_order.customer.customer_id

    def test_other_officer_does_not_get_the_order(self, api_client, cast, notice_order):
        items = api_client(cast.officer).get("/api/work-list").json()["items"]
        assert not items
        answer = api_client(cast.officer).post(
            f"/api/field-orders/{notice_order.pk}/outcome",
            {
                "client_id": str(uuid.uuid4()),
                "version": notice_order.updated_at.isoformat(),
                "result": "failed",
                "reason": "Alamat tidak ketemu",
            },
            content_type="application/json",
        )
        assert answer.status_code == 404

    def test_notice_delivered_with_photo_once(self, api_client, notice_order, field_officer):
        client = api_client(field_officer)
        payload = {
            "client_id": str(uuid.uuid4()),
            "version": notice_order.updated_at.isoformat(),
            "result": "done",
            "notice_outcome": "in_person",
            "initials": "Bu Siti",
            "photo_ids": [upload_photo(client)],
        }
        url = f"/api/field-orders/{notice_order.pk}/outcome"
        first = client.post(url, payload, content_type="application/json")
        assert first.status_code == 201, first.json()
        again = client.post(url, payload, content_type="application/json")
        assert again.status_code == 200 and again.json()["replayed"] is True
        notice_order.refresh_from_db()
        assert notice_order.state == OrderState.DONE
        assert notice_order.initials == "Bu Siti"

    def test_failed_without_reason_names_the_field(self, api_client, notice_order, field_officer):
        answer = api_client(field_officer).post(
            f"/api/field-orders/{notice_order.pk}/outcome",
            {
                "client_id": str(uuid.uuid4()),
                "version": notice_order.updated_at.isoformat(),
                "result": "failed",
            },
            content_type="application/json",
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "reason"

    def test_stale_version_is_409_with_both_versions(self, api_client, notice_order, field_officer):
        answer = api_client(field_officer).post(
            f"/api/field-orders/{notice_order.pk}/outcome",
            {
                "client_id": str(uuid.uuid4()),
                "version": "2020-01-01T00:00:00Z",
                "result": "failed",
                "reason": "Rumah kosong",
            },
            content_type="application/json",
        )
        assert answer.status_code == 409
        assert answer.json()["server"]["state"] == OrderState.ASSIGNED
        assert answer.json()["yours"]["reason"] == "Rumah kosong"
