"""A disconnection recorded from the phone (seed 004 §VI): the method and the seal, the time of
the cut kept when the phone sends later, and a cut made offline before a payment that reached
the server first."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from meterops.fieldwork import services
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import Arrears, FieldOrder
from tests.fieldwork.helpers import disconnection_order

from .conftest import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(cast):
    order = disconnection_order(cast)
    FieldOrder.objects.filter(pk=order.pk).update(issued_at=timezone.now() - timedelta(hours=6))
    order.refresh_from_db()
    return order


def _send(client, order, *, done_at, version=None, **values):
    payload = {
        "client_id": str(uuid.uuid4()),
        "version": (version or order.updated_at).isoformat(),
        "result": "done",
        "register_kwh": "4321",
        "disconnection_method": "mcb_sealed",
        "seal_number": "SG-0042",
        "done_at": done_at.isoformat(),
        "photo_ids": [upload_photo(client)],
        **values,
    }
    return client.post(
        f"/api/field-orders/{order.pk}/outcome", payload, content_type="application/json"
    )


class DisconnectionFromThePhoneTests:
    def test_the_cut_keeps_the_phones_time_method_and_seal(self, api_client, cast, order):
        done_at = timezone.now() - timedelta(hours=2)
        answer = _send(api_client(cast.officer), order, done_at=done_at)
        assert answer.status_code == 201, answer.json()
        order.refresh_from_db()
        assert order.state == OrderState.DONE and order.done_at == done_at
        assert (order.disconnection_method, order.seal_number) == ("mcb_sealed", "SG-0042")
        assert Arrears.objects.get().disconnected_at == done_at

    def test_the_forbidden_method_is_422_on_its_field(self, api_client, cast, order):
        answer = _send(
            api_client(cast.officer),
            order,
            done_at=timezone.now(),
            disconnection_method="sr_cut",
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "method"
        assert "tidak diperkenankan" in answer.json()["message"]

    def test_a_time_without_zone_or_before_the_order_is_refused(self, api_client, cast, order):
        client = api_client(cast.officer)
        naive = _send(client, order, done_at=timezone.now().replace(tzinfo=None))
        assert naive.status_code == 422 and naive.json()["field"] == "done_at"
        early = _send(client, order, done_at=order.issued_at - timedelta(minutes=1))
        assert early.status_code == 422 and early.json()["field"] == "done_at"

    def test_a_cut_made_before_a_payment_that_arrived_first_is_recorded(
        self, api_client, cast, order
    ):
        """Cut offline at 09:00; paid at 10:00 and notified at once (the order is withdrawn);
        the phone sends at 11:00. The meter is off, so the cut is recorded and the reconnection
        is due by H+1 from 10:00."""
        version = order.updated_at
        now = timezone.now()
        cut, paid = now - timedelta(hours=2), now - timedelta(hours=1)
        services.notify_payment(
            actor=cast.supervisor,
            notice=services.PaymentNotice(
                reference="PPOB-1", customer_id=order.customer.customer_id, paid_at=paid
            ),
        )
        order.refresh_from_db()
        assert order.state == OrderState.FAILED and order.withdrawn_by_payment
        answer = _send(api_client(cast.officer), order, done_at=cut, version=version)
        assert answer.status_code == 201, answer.json()
        order.refresh_from_db()
        assert order.state == OrderState.DONE and order.done_at == cut
        assert not order.withdrawn_by_payment
        assert Arrears.objects.get().disconnected_at == cut
        reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
        assert reconnection.due_at == services.reconnection_due(paid_at=paid, zone="Asia/Jakarta")

    def test_a_cut_made_after_the_payment_is_refused_with_the_payment_time(
        self, api_client, cast, order
    ):
        version = order.updated_at
        paid = timezone.now() - timedelta(hours=2)
        services.notify_payment(
            actor=cast.supervisor,
            notice=services.PaymentNotice(
                reference="PPOB-2", customer_id=order.customer.customer_id, paid_at=paid
            ),
        )
        answer = _send(
            api_client(cast.officer), order, done_at=paid + timedelta(minutes=5), version=version
        )
        assert answer.status_code == 409 and answer.json()["code"] == "already_paid"
        order.refresh_from_db()
        assert order.state == OrderState.FAILED
        assert Arrears.objects.get().disconnected_at is None
        assert not FieldOrder.objects.filter(kind=OrderKind.RECONNECTION).exists()

    def test_a_failed_result_on_a_withdrawn_order_is_still_a_conflict(
        self, api_client, cast, order
    ):
        version = order.updated_at
        services.record_payment(actor=cast.supervisor, customer=order.customer)
        answer = api_client(cast.officer).post(
            f"/api/field-orders/{order.pk}/outcome",
            {
                "client_id": str(uuid.uuid4()),
                "version": version.isoformat(),
                "result": "failed",
                "reason": "Rumah kosong",
            },
            content_type="application/json",
        )
        assert answer.status_code == 409
