"""Cancelling an application, and where PD/Paskem/Migrasi take their meter (seed 002, Bab 2)."""

from decimal import Decimal

import pytest

from meterops.core.errors import InvalidInput, NotAllowed, WrongState
from meterops.core.models import ProcessEvent
from meterops.customers.choices import PaymentMode
from meterops.customers.models import Customer, Meter
from meterops.prepaid import services
from meterops.prepaid.choices import Product, RequestKind, RequestState, TokenKind, TokenStatus
from meterops.prepaid.errors import MeterUnavailable
from meterops.prepaid.models import ServiceRequest
from tests.factories import CustomerFactory, MeterFactory

from .builders import activated, installed, make_fee, make_stock, new_connection, paid

REASON = "Pemohon membatalkan, pindah rumah"


def cancel(prepaid, request, reason=REASON, actor=None):
    return services.cancel_request(
        request=request, actor=actor or prepaid.supervisor, reason=reason
    )


class CancelRequestTests:
    def test_cancels_closes_the_process_and_records_the_reason(self, prepaid):
        request = cancel(prepaid, new_connection(prepaid))
        assert request.state == RequestState.CANCELLED
        assert (request.cancel_reason, request.cancelled_by) == (REASON, prepaid.supervisor)
        event = ProcessEvent.objects.get(verb="prepaid.cancelled")
        assert REASON in event.note and event.to_state == RequestState.CANCELLED
        request.process.refresh_from_db()
        assert not request.process.is_open

    def test_the_bound_meter_goes_back_to_stock(self, prepaid):
        request = cancel(prepaid, activated(prepaid))
        assert (
            "32031017679 kembali ke stok" in ProcessEvent.objects.get(verb="prepaid.cancelled").note
        )
        again = services.activate_meter(
            request=paid(prepaid), meter_number="32031017679", actor=prepaid.supervisor
        )
        assert again.state == RequestState.ACTIVATED and request.meter_id == again.meter_id

    def test_issued_tokens_are_voided(self, prepaid):
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        cancel(prepaid, request)
        assert set(request.tokens.values_list("status", flat=True)) == {TokenStatus.VOIDED}

    def test_a_paid_application_is_marked_for_refund(self, prepaid):
        cancel(prepaid, paid(prepaid))
        assert "perlu dikembalikan" in ProcessEvent.objects.get(verb="prepaid.cancelled").note

    def test_a_short_reason_is_refused(self, prepaid):
        request = new_connection(prepaid)
        with pytest.raises(InvalidInput, match="minimal 10"):
            cancel(prepaid, request, reason="  batal   ")
        request.refresh_from_db()
        assert request.state == RequestState.REGISTERED

    @pytest.mark.parametrize("reason", ["0123456789", "x" * 10])
    def test_ten_characters_are_enough(self, prepaid, reason):
        assert cancel(prepaid, new_connection(prepaid), reason=reason).cancel_reason == reason

    def test_an_installed_application_cannot_be_cancelled(self, prepaid):
        request = installed(prepaid)
        with pytest.raises(WrongState, match="tidak dapat dibatalkan"):
            cancel(prepaid, request)
        request.refresh_from_db()
        assert request.state == RequestState.INSTALLED

    def test_a_cancelled_application_cannot_be_cancelled_or_paid_again(self, prepaid):
        request = cancel(prepaid, new_connection(prepaid))
        with pytest.raises(WrongState):
            cancel(prepaid, request)
        with pytest.raises(Exception, match=r"sudah lunas|tidak"):
            services.record_payment(
                request=request,
                amount=request.amount_due,
                channel="LOKET",
                reference="KW-X",
                actor=prepaid.supervisor,
            )

    def test_a_field_officer_cannot_cancel(self, prepaid):
        request = new_connection(prepaid)
        with pytest.raises(NotAllowed):
            cancel(prepaid, request, actor=prepaid.officer)

    def test_the_customer_may_apply_again(self, prepaid):
        request = cancel(prepaid, new_connection(prepaid))
        again = services.register_request(
            actor=prepaid.supervisor,
            unit=prepaid.sp_a,
            kind=RequestKind.RECONNECTION,
            product=Product.PREPAID_NFC,
            tariff="R1T",
            power_va=2200,
            applicant_name="SICILIA NFC",
            address="DK. SELATAN NO. 12",
            customer=request.customer,
        )
        assert again.state == RequestState.REGISTERED


def _application(prepaid, kind, customer):
    request = services.register_request(
        actor=prepaid.supervisor,
        unit=prepaid.sp_a,
        kind=kind,
        product=Product.PREPAID_NFC,
        tariff="R1T",
        power_va=2200,
        applicant_name=customer.name,
        address="JL. UJI 1",
        customer=customer,
        last_postpaid_bill=Decimal(0),
    )
    services.record_payment(
        request=request,
        amount=request.amount_due,
        channel="LOKET",
        reference=f"KW-{request.pk}",
        actor=prepaid.supervisor,
    )
    request.refresh_from_db()
    return request


@pytest.fixture
def prepaid_customer(prepaid):
    """A prepaid R1 1300 VA customer with its NFC meter (from stock) installed, on KRN 2."""
    make_fee(tariff="R1", power_va=1300, tariff_index="02")
    customer = CustomerFactory(
        unit=prepaid.sp_a, tariff="R1", power_va=1300, payment_mode=PaymentMode.PREPAID
    )
    make_stock(prepaid.sp_a, "32099999991", vkrn=43, key_revision=2, tariff_index="02")
    MeterFactory(
        customer=customer,
        meter_number="32099999991",
        supply_group="600000",
        tariff_index="02",
        vkrn=43,
        key_revision=2,
        key_type=2,
    )
    return customer


class MeterSourceTests:
    @pytest.mark.parametrize(
        ("kind", "mode", "keeps"),
        [
            (RequestKind.TARIFF_CHANGE, PaymentMode.PREPAID, True),
            (RequestKind.TARIFF_CHANGE, PaymentMode.POSTPAID, False),
            (RequestKind.RECONNECTION, PaymentMode.PREPAID, False),
            (RequestKind.MIGRATION, PaymentMode.POSTPAID, False),
            (RequestKind.NEW_CONNECTION, PaymentMode.PREPAID, False),
        ],
    )
    def test_only_a_prepaid_pd_may_keep_its_meter(self, kind, mode, keeps):
        request = ServiceRequest(kind=kind, customer=Customer(payment_mode=mode))
        assert services.may_keep_installed_meter(request) is keeps

    def test_pd_keeps_the_installed_meter_and_gets_kcts_for_the_new_ti(
        self, prepaid, prepaid_customer
    ):
        request = _application(prepaid, RequestKind.TARIFF_CHANGE, prepaid_customer)
        request = services.activate_meter(
            request=request, meter_number="32099999991", actor=prepaid.supervisor
        )
        assert request.meter is None and request.kept_meter.meter_number == "32099999991"
        request = services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        kinds = [t.kind for t in request.tokens.all()]
        assert kinds[:2] == [TokenKind.KEY_CHANGE] * 2  # TI 02 -> 01 needs a KCT

    def test_pd_pdl_updates_the_kept_meter_without_a_new_one(self, prepaid, prepaid_customer):
        from datetime import date

        from .builders import scan

        request = _application(prepaid, RequestKind.TARIFF_CHANGE, prepaid_customer)
        request = services.activate_meter(
            request=request, meter_number="32099999991", actor=prepaid.supervisor
        )
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        from meterops.documents.prepaid_applications import work_order_pdf

        assert work_order_pdf(request).startswith(b"%PDF")  # the PK names the kept meter
        services.record_installation(
            request=request,
            actor=prepaid.officer,
            installed_on=date.today(),
            report_scan=scan(),
            contract_scan=scan("spjbtl.pdf"),
        )
        services.complete_request(request=request, actor=prepaid.supervisor)
        meters = Meter.objects.filter(customer=prepaid_customer)
        assert meters.count() == 1
        assert (meters.get().tariff_index, meters.get().removed_at) == ("01", None)

    def test_pd_moving_the_kept_meter_to_the_krn2_key_tells_the_campaign(
        self, prepaid, prepaid_customer, monkeypatch
    ):
        """Issue #23: a KRN-2 target of the kept meter is settled by the PD's KCTs."""
        from datetime import date

        from meterops.customers import meter_swaps

        from .builders import scan

        told = []
        monkeypatch.setitem(
            meter_swaps._REKEY_HANDLERS, "test", lambda **kwargs: told.append(kwargs)
        )
        meter = Meter.objects.get(customer=prepaid_customer)
        Meter.objects.filter(pk=meter.pk).update(vkrn=41, key_revision=1)
        request = _application(prepaid, RequestKind.TARIFF_CHANGE, prepaid_customer)
        request = services.activate_meter(
            request=request, meter_number="32099999991", actor=prepaid.supervisor
        )
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        services.record_installation(
            request=request,
            actor=prepaid.officer,
            installed_on=date.today(),
            report_scan=scan(),
            contract_scan=scan("spjbtl.pdf"),
        )
        assert told == []
        services.complete_request(request=request, actor=prepaid.supervisor)
        meter.refresh_from_db()
        assert meter.vkrn == 43
        [call] = told
        assert call["meter_ids"] == [meter.pk] and call["actor"] == prepaid.supervisor
        assert request.request_number in call["note"]

    def test_pd_may_also_replace_the_meter_from_stock(self, prepaid, prepaid_customer):
        request = _application(prepaid, RequestKind.TARIFF_CHANGE, prepaid_customer)
        request = services.activate_meter(
            request=request, meter_number=prepaid.nfc_meter.meter_number, actor=prepaid.supervisor
        )
        assert request.meter == prepaid.nfc_meter and request.kept_meter is None

    def test_migration_cannot_keep_the_postpaid_meter(self, prepaid):
        customer = CustomerFactory(unit=prepaid.sp_a, payment_mode=PaymentMode.POSTPAID)
        MeterFactory(customer=customer, meter_number="14088888881")
        request = _application(prepaid, RequestKind.MIGRATION, customer)
        with pytest.raises(MeterUnavailable, match="memerlukan meter prabayar dari stok"):
            services.activate_meter(
                request=request, meter_number="14088888881", actor=prepaid.supervisor
            )
        request.refresh_from_db()
        assert request.state == RequestState.PAID
        request = services.activate_meter(
            request=request, meter_number=prepaid.nfc_meter.meter_number, actor=prepaid.supervisor
        )
        assert request.meter == prepaid.nfc_meter

    def test_a_kept_keypad_meter_for_an_nfc_pd_is_refused(self, prepaid):
        customer = CustomerFactory(unit=prepaid.sp_a, payment_mode=PaymentMode.PREPAID)
        MeterFactory(customer=customer, meter_number="14077777771")  # never in the NFC stock
        request = _application(prepaid, RequestKind.TARIFF_CHANGE, customer)
        with pytest.raises(Exception, match="meter prabayar satu arah"):
            services.activate_meter(
                request=request, meter_number="14077777771", actor=prepaid.supervisor
            )


class CancelPageTests:
    def test_the_page_shows_the_effects_and_cancels(self, prepaid, client_for):
        from django.urls import reverse

        request = activated(prepaid)
        client = client_for(prepaid.supervisor)
        url = reverse("prepaid:request_cancel", args=[request.pk])
        page = client.get(url).content.decode()
        assert "32031017679 kembali ke stok" in page and "perlu dikembalikan" in page
        refused = client.post(url, {"reason": "batal"})
        assert refused.status_code == 200 and "minimal" in refused.content.decode()
        assert client.post(url, {"reason": REASON}).status_code == 302
        request.refresh_from_db()
        assert request.state == RequestState.CANCELLED

    def test_another_units_user_gets_404_and_an_officer_403(self, prepaid, client_for):
        from django.urls import reverse

        url = reverse("prepaid:request_cancel", args=[new_connection(prepaid).pk])
        assert client_for(prepaid.outsider).post(url, {"reason": REASON}).status_code == 404
        assert client_for(prepaid.officer).post(url, {"reason": REASON}).status_code == 403
