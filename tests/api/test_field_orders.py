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

    def test_the_planned_visit_day_comes_first_and_is_carried(
        self, api_client, notice_order, field_officer
    ):
        """Seed 004 §IV "Penyusunan jadwal pelaksanaan": the phone shows the planned day."""
        from datetime import date

        FieldOrder.objects.filter(pk=notice_order.pk).update(planned_on=date(2026, 12, 7))
        items = api_client(field_officer).get("/api/work-list").json()["items"]
        [item] = [i for i in items if i["kind"] == "fieldwork.notice"]
        assert item["detail"]["planned_on"] == "2026-12-07"

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

    def test_notice_dll_needs_a_note(self, api_client, notice_order, field_officer):
        """Seed 004 §V: keterangan "Dll"; the server is the authority, whatever the phone sent."""
        client = api_client(field_officer)
        url = f"/api/field-orders/{notice_order.pk}/outcome"

        def send(**extra):
            payload = {
                "client_id": str(uuid.uuid4()),
                "version": notice_order.updated_at.isoformat(),
                "result": "done",
                "notice_outcome": "other",
                "photo_ids": [upload_photo(client)],
                **extra,
            }
            return client.post(url, payload, content_type="application/json")

        refused = send()
        assert refused.status_code == 422 and refused.json()["field"] == "note"
        notice_order.refresh_from_db()
        assert notice_order.state == OrderState.ASSIGNED
        done = send(note="Pelanggan minta surat dikirim ke kantor desa")
        assert done.status_code == 201, done.json()
        notice_order.refresh_from_db()
        assert notice_order.outcome == "other"
        assert notice_order.note == "Pelanggan minta surat dikirim ke kantor desa"

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


class ClientIdReuseTests:
    """Issue #17: a client_id is one entry; reused for another order it was answered with the
    first order's result and nothing was written."""

    @pytest.fixture
    def two_orders(self, cast, notice_order, field_officer):
        from tests.factories import CustomerFactory

        other = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=CustomerFactory(unit=cast.sp_a),
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        assign_orders(
            actor=cast.supervisor,
            orders=FieldOrder.objects.filter(pk=other.pk),
            officer=field_officer,
        )
        other.refresh_from_db()
        return notice_order, other

    def _failed(self, order, client_id):
        return {
            "client_id": str(client_id),
            "version": order.updated_at.isoformat(),
            "result": "failed",
            "reason": "Rumah kosong",
        }

    def test_reuse_for_another_order_is_422_and_writes_nothing(
        self, api_client, two_orders, field_officer
    ):
        first, second = two_orders
        client, client_id = api_client(field_officer), uuid.uuid4()
        done = client.post(
            f"/api/field-orders/{first.pk}/outcome",
            self._failed(first, client_id),
            content_type="application/json",
        )
        assert done.status_code == 201

        reused = client.post(
            f"/api/field-orders/{second.pk}/outcome",
            self._failed(second, client_id),
            content_type="application/json",
        )

        assert reused.status_code == 422
        assert reused.json()["field"] == "client_id"
        assert f"order {first.pk}" in reused.json()["message"]
        second.refresh_from_db()
        assert second.state == OrderState.ASSIGNED

    def test_resend_for_the_same_order_replays_the_first_answer(
        self, api_client, two_orders, field_officer
    ):
        first, _second = two_orders
        client, client_id = api_client(field_officer), uuid.uuid4()
        url = f"/api/field-orders/{first.pk}/outcome"
        done = client.post(url, self._failed(first, client_id), content_type="application/json")
        again = client.post(url, self._failed(first, client_id), content_type="application/json")

        assert again.status_code == 200
        assert again.json() == done.json() | {"replayed": True}

    def test_reuse_for_another_operation_is_422(
        self, api_client, two_orders, field_officer, customer, damage_type
    ):
        first, _second = two_orders
        client, client_id = api_client(field_officer), uuid.uuid4()
        client.post(
            f"/api/field-orders/{first.pk}/outcome",
            self._failed(first, client_id),
            content_type="application/json",
        )
        reused = client.post(
            "/api/damage-reports",
            {
                "client_id": str(client_id),
                "customer_id": customer.customer_id,
                "damage_type": damage_type.code,
                "photo_ids": [upload_photo(client)],
            },
            content_type="application/json",
        )
        assert reused.status_code == 422 and reused.json()["field"] == "client_id"

    def test_an_answer_stored_before_subjects_still_replays(self, field_officer):
        from meterops.api.models import IdempotentWrite
        from meterops.api.services import idempotent

        client_id = uuid.uuid4()
        IdempotentWrite.objects.create(
            user=field_officer,
            client_id=client_id,
            operation="field_order_outcome",
            status_code=201,
            response={"id": 1},
        )

        def write():
            raise AssertionError("a stored answer must not write again")

        status, body = idempotent(
            user=field_officer,
            client_id=client_id,
            operation="field_order_outcome",
            subject="order 1",
            write=write,
        )
        assert (status, body) == (201, {"id": 1, "replayed": True})


class P2tlInspectionTests:
    """Pemeriksaan P2TL (issue #23) recorded from the phone: finding, photo, description."""

    @pytest.fixture
    def inspection(self, cast, customer, field_officer):
        order = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=customer,
            kind=OrderKind.P2TL_INSPECTION,
            issued_by=cast.supervisor,
        )
        assign_orders(
            actor=cast.supervisor,
            orders=FieldOrder.objects.filter(pk=order.pk),
            officer=field_officer,
        )
        order.refresh_from_db()
        return order

    def _post(self, client, order, **values):
        payload = {
            "client_id": str(uuid.uuid4()),
            "version": order.updated_at.isoformat(),
            "result": "done",
            **values,
        }
        return client.post(
            f"/api/field-orders/{order.pk}/outcome", payload, content_type="application/json"
        )

    def test_a_violation_is_recorded_with_its_photo(self, api_client, inspection, field_officer):
        client = api_client(field_officer)
        answer = self._post(
            client,
            inspection,
            inspection_finding="violation",
            note="Kabel by-pass sebelum meter",
            photo_ids=[upload_photo(client)],
        )
        assert answer.status_code == 201, answer.json()
        inspection.refresh_from_db()
        assert inspection.state == OrderState.DONE
        assert inspection.inspection_finding == "violation"
        assert inspection.note == "Kabel by-pass sebelum meter" and inspection.photo

    def test_a_missing_finding_or_description_names_the_field(
        self, api_client, inspection, field_officer
    ):
        client = api_client(field_officer)
        photo = [upload_photo(client)]
        no_finding = self._post(client, inspection, photo_ids=photo)
        assert no_finding.status_code == 422
        assert "inspection_finding" in str(no_finding.json())
        undescribed = self._post(
            client, inspection, inspection_finding="violation", photo_ids=photo
        )
        assert undescribed.status_code == 422
        assert "Uraikan pelanggaran" in str(undescribed.json())
