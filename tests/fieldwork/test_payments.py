"""Payments seen live (seed 004 §VI: "Sebelum melakukan pemutusan harus dipastikan bahwa
pelanggan belum ada pelunasan dengan melakukan pengecekan data pelunasan (Via PPOB/HP
smartphone)"; "Penyambungan kembali maximum pada H + 1 setelah pelunasan"): the payment
notification API, the Tunggakan upload's TGL_LUNAS, and a cut that reaches the server after
the payment."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from meterops.api.services import issue_token
from meterops.core.choices import RoleCode
from meterops.fieldwork import services
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.errors import AlreadyPaid
from meterops.fieldwork.models import Arrears, FieldOrder, Payment
from tests.factories import CustomerFactory, UserFactory
from tests.fieldwork.helpers import arrears, disconnect, disconnection_order
from tests.imports.conftest import applied, checked, csv_file

WIB = ZoneInfo("Asia/Jakarta")
HEADERS = ["IDPEL", "LEMBAR", "JUMLAH", "TGL_LUNAS"]


@pytest.fixture
def billing(cast):
    """The payment side's API account at ULP ALFA SATU."""
    return UserFactory(username="ppob.alfa", unit=cast.sp_a, roles=[RoleCode.BILLING_SYSTEM])


@pytest.fixture
def post_payment(client, billing):
    _token, raw = issue_token(user=billing, device_name="ppob")

    def post(body, user_raw=raw):
        return client.post(
            "/api/payments",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {user_raw}",
        )

    return post


def _body(customer, reference="PPOB-0001", paid_at=None, amount="250000"):
    paid_at = paid_at or (timezone.now() - timedelta(minutes=10))
    return {
        "reference": reference,
        "customer_id": customer.customer_id,
        "paid_at": paid_at.isoformat(),
        "amount": amount,
        "channel": "PPOB",
    }


class PaymentNotificationTests:
    def test_a_payment_cancels_the_pending_disconnection_at_once(self, cast, post_payment):
        """Before: only an upload or a click marked a payment, at the time of the click."""
        order = disconnection_order(cast)
        paid_at = timezone.now() - timedelta(hours=2)
        response = post_payment(_body(order.customer, paid_at=paid_at))
        assert response.status_code == 201, response.json()
        assert response.json()["settled"] is True
        a = Arrears.objects.get()
        assert a.paid_at == paid_at and a.bills == 0
        order.refresh_from_db()
        assert order.state == OrderState.FAILED
        # The officer's later attempt is refused with the real payment time.
        with pytest.raises(AlreadyPaid, match="sudah melunasi tunggakan"):
            disconnect(order, cast.officer)

    def test_the_same_notice_twice_changes_nothing(self, cast, post_payment):
        order = disconnection_order(cast)
        body = _body(order.customer)
        first, again = post_payment(body), post_payment(body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["replayed"] is True
        assert Payment.objects.count() == 1
        assert order.customer.events.filter(verb="fieldwork.paid").count() == 1

    def test_the_same_reference_for_another_payment_is_refused(self, cast, post_payment):
        order = disconnection_order(cast)
        post_payment(_body(order.customer))
        clash = post_payment(_body(order.customer, amount="1"))
        assert clash.status_code == 409
        assert clash.json()["code"] == "payment_reference_clash"

    def test_reconnection_is_due_h_plus_one_from_the_payment_not_the_notice(
        self, cast, post_payment
    ):
        order = disconnection_order(cast)
        cut = timezone.now() - timedelta(days=3)
        FieldOrder.objects.filter(pk=order.pk).update(issued_at=cut - timedelta(hours=1))
        order.refresh_from_db()
        disconnect(order, cast.officer, at=cut)
        paid_at = (cut + timedelta(hours=1)).astimezone(WIB)
        response = post_payment(_body(order.customer, paid_at=paid_at))
        reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
        expected = services.reconnection_due(paid_at=paid_at, zone="Asia/Jakarta")
        assert reconnection.due_at == expected
        assert datetime.fromisoformat(response.json()["reconnection_due"]) == expected
        assert reconnection.is_overdue()  # paid three days ago: already late

    def test_a_late_notification_after_the_cut_orders_reconnection_noting_it(
        self, cast, post_payment
    ):
        order = disconnection_order(cast)
        now = timezone.now()
        FieldOrder.objects.filter(pk=order.pk).update(issued_at=now - timedelta(hours=5))
        order.refresh_from_db()
        disconnect(order, cast.officer, at=now - timedelta(hours=1))
        # Paid before the cut, notified after it: the customer was cut though paid.
        post_payment(_body(order.customer, paid_at=now - timedelta(hours=2)))
        reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
        notes = order.customer.events.filter(verb="fieldwork.order_issued")
        assert notes.filter(note__contains="Penyambungan kembali: diputus setelah lunas").exists()
        assert reconnection.due_at == services.reconnection_due(
            paid_at=now - timedelta(hours=2), zone="Asia/Jakarta"
        )

    def test_bad_notices_are_refused_with_the_field(self, cast, post_payment):
        customer = CustomerFactory(unit=cast.sp_a)
        arrears(customer, bills=2)
        future = post_payment(_body(customer, paid_at=timezone.now() + timedelta(hours=1)))
        assert future.status_code == 422 and future.json()["field"] == "paid_at"
        naive = _body(customer)
        naive["paid_at"] = "2026-12-01T10:00:00"
        assert post_payment(naive).json()["field"] == "paid_at"
        prepaid = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid")
        refused = post_payment(_body(prepaid, reference="PPOB-9"))
        assert refused.status_code == 422 and "prabayar" in refused.json()["message"]
        assert not Payment.objects.exists()

    def test_another_units_customer_is_not_found(self, cast, post_payment, customer_b):
        arrears(customer_b, bills=2)
        response = post_payment(_body(customer_b))
        assert response.status_code == 404
        assert not Payment.objects.exists() and Arrears.objects.get().paid_at is None

    def test_a_field_officer_cannot_notify_payments(self, cast, post_payment):
        _token, raw = issue_token(user=cast.officer, device_name="hp")
        customer = CustomerFactory(unit=cast.sp_a)
        arrears(customer, bills=2)
        assert post_payment(_body(customer), user_raw=raw).status_code == 403

    def test_a_payment_without_open_arrears_is_kept_unsettled(self, cast, post_payment):
        customer = CustomerFactory(unit=cast.sp_a)
        response = post_payment(_body(customer))
        assert response.status_code == 201 and response.json()["settled"] is False
        assert Payment.objects.get().settled is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_the_same_notice_from_two_connections_at_once_is_recorded_once(cast, billing):
    customer = CustomerFactory(unit=cast.sp_a)
    arrears(customer, bills=2)
    notice = services.PaymentNotice(
        reference="PPOB-RACE",
        customer_id=customer.customer_id,
        paid_at=timezone.now() - timedelta(minutes=1),
    )
    barrier, results, failures = threading.Barrier(4), [], []

    def gateway() -> None:
        try:
            barrier.wait()
            results.append(services.notify_payment(actor=billing, notice=notice).replayed)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=gateway) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(results) == [False, True, True, True]
    assert Payment.objects.count() == 1
    assert customer.events.filter(verb="fieldwork.paid").count() == 1


class ArrearsUploadPaymentDateTests:
    def test_tgl_lunas_is_the_payment_time_in_the_units_zone(self, cast):
        order = disconnection_order(cast)
        cut = timezone.now() - timedelta(days=2)
        FieldOrder.objects.filter(pk=order.pk).update(issued_at=cut - timedelta(hours=1))
        order.refresh_from_db()
        disconnect(order, cast.officer, at=cut)
        paid = (cut + timedelta(hours=3)).astimezone(WIB).replace(second=0, microsecond=0)
        rows = [[order.customer.customer_id, "0", "0", paid.strftime("%d-%m-%Y %H:%M")]]
        applied(cast.supervisor, "tunggakan", csv_file(rows, headers=HEADERS))
        assert Arrears.objects.get().paid_at == paid
        reconnection = FieldOrder.objects.get(kind=OrderKind.RECONNECTION)
        assert reconnection.due_at == services.reconnection_due(paid_at=paid, zone="Asia/Jakarta")

    def test_tgl_lunas_on_an_unpaid_row_or_in_the_future_is_rejected_with_its_column(self, cast):
        a, b = CustomerFactory(unit=cast.sp_a), CustomerFactory(unit=cast.sp_a)
        arrears(b, bills=2)
        tomorrow = (timezone.now() + timedelta(days=1)).astimezone(WIB)
        rows = [
            [a.customer_id, "2", "100", "01-12-2026 10:00"],
            [b.customer_id, "0", "0", tomorrow.strftime("%Y-%m-%d %H:%M")],
        ]
        upload = checked(cast.supervisor, "tunggakan", csv_file(rows, headers=HEADERS))
        reasons = {
            r.customer_id: (r.error_column, r.reason) for r in upload.rows.filter(status="rejected")
        }
        assert reasons[a.pk] == ("TGL_LUNAS", "TGL_LUNAS hanya untuk LEMBAR 0 (lunas).")
        assert reasons[b.pk][0] == "TGL_LUNAS" and "masa depan" in reasons[b.pk][1]

    def test_an_unreadable_tgl_lunas_names_row_and_column(self, cast):
        customer = CustomerFactory(unit=cast.sp_a)
        rows = [[customer.customer_id, "0", "0", "kemarin sore"]]
        upload = checked(cast.supervisor, "tunggakan", csv_file(rows, headers=HEADERS))
        row = upload.rows.get()
        assert row.status == "rejected" and row.error_column == "TGL_LUNAS"
        assert "tanggal/jam tidak dikenal" in row.reason


class CatatLunasTests:
    def test_the_payment_time_is_typed_in_the_customers_zone(self, cast, client_for):
        from django.urls import reverse

        from meterops.core.models import UnitSettings

        UnitSettings.objects.create(unit=cast.sp_a2, time_zone="Asia/Jayapura")
        customer = CustomerFactory(unit=cast.sp_a2)
        arrears(customer, bills=2)
        manager = UserFactory(unit=cast.area_a, roles=[RoleCode.SUPERVISOR])  # a WIB user
        client_for(manager).post(
            reverse("fieldwork:arrears_action"),
            {"action": "pay", "customer_id": customer.customer_id, "paid_at": "2026-12-01T08:00"},
        )
        assert Arrears.objects.get().paid_at == datetime(
            2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Jayapura")
        )

    def test_a_future_payment_time_is_refused(self, cast, client_for):
        from django.urls import reverse

        customer = CustomerFactory(unit=cast.sp_a)
        arrears(customer, bills=2)
        later = (timezone.now() + timedelta(days=1)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
        response = client_for(cast.supervisor).post(
            reverse("fieldwork:arrears_action"),
            {"action": "pay", "customer_id": customer.customer_id, "paid_at": later},
            follow=True,
        )
        assert "masa depan" in response.content.decode()
        assert Arrears.objects.get().paid_at is None


class LateCutOnTheWebTests:
    def test_a_withdrawn_order_takes_a_cut_made_before_the_payment(self, cast, client_for):
        from django.urls import reverse

        from tests.fieldwork.helpers import jpeg

        order = disconnection_order(cast)
        issued = timezone.now() - timedelta(hours=5)
        FieldOrder.objects.filter(pk=order.pk).update(issued_at=issued)
        paid = timezone.now() - timedelta(hours=1)
        services.notify_payment(
            actor=cast.supervisor,
            notice=services.PaymentNotice(
                reference="BANK-7", customer_id=order.customer.customer_id, paid_at=paid
            ),
        )
        client = client_for(cast.officer)
        url = reverse("fieldwork:order_detail", args=[order.pk])
        assert 'id="late-cut-card"' in client.get(url).content.decode()
        cut = (paid - timedelta(hours=2)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
        response = client.post(
            url,
            {
                "register_kwh": "777",
                "photo": jpeg(),
                "method": "mcb_sealed",
                "seal_number": "SG-77",
                "at": cut,
            },
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.state == OrderState.DONE and not order.withdrawn_by_payment
        assert FieldOrder.objects.filter(kind=OrderKind.RECONNECTION).count() == 1
        assert 'id="late-cut-card"' not in client.get(url).content.decode()
