from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meterops import sts
from meterops.core.choices import RoleCode
from meterops.core.errors import (
    FileRejected,
    InvalidInput,
    NotAllowed,
    OpenProcessExists,
    WrongState,
)
from meterops.core.models import ProcessEvent
from meterops.customers.choices import PaymentMode
from meterops.prepaid import services
from meterops.prepaid.choices import Product, RequestKind, RequestState, TokenKind, TokenStatus
from meterops.prepaid.errors import (
    AlreadyPaid,
    CustomerRequired,
    DocumentsMissing,
    DuplicateReference,
    FeeNotFound,
    MeterUnavailable,
    NfcMismatch,
    TokensNotIssued,
    WrongAmount,
)
from meterops.prepaid.models import Payment, ServiceRequest
from meterops.vending.models import pan_of
from tests.core.image_files import files_in_media, huge_png
from tests.customers.helpers import DAMAGED_METER, meter_removed_as_damaged
from tests.factories import CustomerFactory, MeterFactory, UserFactory

from .builders import (
    TEST_VENDING_KEY,
    activated,
    installed,
    make_fee,
    make_stock,
    new_connection,
    paid,
    scan,
)


def events(request, verb):
    return ProcessEvent.objects.filter(process=request.process, verb=verb)


class RegisterRequestTests:
    def test_new_connection_gets_a_prepaid_customer_and_an_open_process(self, prepaid):
        request = new_connection(prepaid)
        assert request.customer.customer_id.startswith("51001")
        assert request.customer.payment_mode == PaymentMode.PREPAID
        assert request.process.is_open and request.process.reference == request.request_number
        assert events(request, "prepaid.opened").count() == 1

    def test_request_numbers_are_sequential_per_unit_and_day(self, prepaid):
        first, second = new_connection(prepaid), new_connection(prepaid)
        assert len(first.request_number) == 18
        assert int(second.request_number) == int(first.request_number) + 1

    def test_fees_come_from_the_fee_table(self, prepaid):
        request = new_connection(prepaid)
        assert request.connection_fee == Decimal("1650000")
        assert request.amount_due == Decimal("1670000")
        # 20 000 incl. 3% PPJ = 19 417.48 net at 1 444.70/kWh = 13.44 kWh, rounded up to 0.1.
        assert request.initial_credit_kwh == Decimal("13.5")

    def test_a_missing_fee_row_is_refused(self, prepaid):
        with pytest.raises(FeeNotFound):
            services.register_request(
                actor=prepaid.supervisor,
                unit=prepaid.sp_a,
                kind=RequestKind.NEW_CONNECTION,
                product=Product.PREPAID_NFC,
                tariff="B2",
                power_va=6600,
                applicant_name="X",
                address="Y",
            )

    def test_tariff_change_needs_an_existing_customer(self, prepaid):
        with pytest.raises(CustomerRequired):
            services.register_request(
                actor=prepaid.supervisor,
                unit=prepaid.sp_a,
                kind=RequestKind.TARIFF_CHANGE,
                product=Product.PREPAID_NFC,
                tariff="R1T",
                power_va=2200,
                applicant_name="X",
                address="Y",
            )

    def test_tariff_change_pays_the_difference_of_bp(self, prepaid):
        make_fee(tariff="R1", power_va=1300, connection_fee=Decimal("1000000"))
        customer = CustomerFactory(unit=prepaid.sp_a, tariff="R1", power_va=1300)
        request = services.register_request(
            actor=prepaid.supervisor,
            unit=prepaid.sp_a,
            kind=RequestKind.TARIFF_CHANGE,
            product=Product.PREPAID_NFC,
            tariff="R1T",
            power_va=2200,
            applicant_name=customer.name,
            address=customer.address,
            customer=customer,
        )
        assert request.connection_fee == Decimal("650000")
        assert (request.previous_tariff, request.previous_power_va) == ("R1", 1300)

    def test_refused_while_another_process_is_open(self, prepaid):
        customer = CustomerFactory(unit=prepaid.sp_a)
        kwargs = dict(
            actor=prepaid.supervisor,
            unit=prepaid.sp_a,
            kind=RequestKind.RECONNECTION,
            product=Product.PREPAID_NFC,
            tariff="R1T",
            power_va=2200,
            applicant_name=customer.name,
            address="Y",
            customer=customer,
        )
        services.register_request(**kwargs)
        with pytest.raises(OpenProcessExists):
            services.register_request(**kwargs)
        assert ServiceRequest.objects.filter(customer=customer).count() == 1

    def test_migration_offsets_the_old_deposit_against_the_last_bill(self, prepaid):
        customer = CustomerFactory(unit=prepaid.sp_a, payment_mode=PaymentMode.POSTPAID)
        request = services.register_request(
            actor=prepaid.supervisor,
            unit=prepaid.sp_a,
            kind=RequestKind.MIGRATION,
            product=Product.PREPAID_NFC,
            tariff="R1T",
            power_va=2200,
            applicant_name=customer.name,
            address="Y",
            customer=customer,
            previous_deposit=Decimal("300000"),
            last_postpaid_bill=Decimal("420000"),
        )
        assert request.deposit_compensation() == {
            "offset": Decimal("300000"),
            "refund": Decimal("0"),
            "shortfall": Decimal("120000"),
        }
        assert request.amount_due == Decimal("1670000") + Decimal("120000")

    def test_a_field_officer_cannot_enter_applications(self, prepaid):
        with pytest.raises(NotAllowed):
            new_connection(prepaid, actor=prepaid.officer)


class RecordPaymentTests:
    def test_exact_amount_pays_the_application(self, prepaid):
        request = paid(prepaid)
        assert request.state == RequestState.PAID
        assert events(request, "prepaid.paid").count() == 1

    def test_partial_amount_is_refused_with_the_amount_due(self, prepaid):
        request = new_connection(prepaid)
        with pytest.raises(WrongAmount) as caught:
            services.record_payment(
                request=request,
                amount=Decimal("1000000"),
                channel="LOKET",
                reference="KW-1",
                actor=prepaid.supervisor,
            )
        assert "Rp 1.670.000" in str(caught.value.message)
        request.refresh_from_db()
        assert request.state == RequestState.REGISTERED and not Payment.objects.exists()

    def test_double_payment_is_refused(self, prepaid):
        request = paid(prepaid)
        with pytest.raises(AlreadyPaid):
            services.record_payment(
                request=request,
                amount=request.amount_due,
                channel="BANK-X",
                reference="REF-2",
                actor=None,
            )
        assert Payment.objects.count() == 1

    def test_the_same_channel_reference_is_the_same_payment(self, prepaid):
        request = new_connection(prepaid)
        kwargs = dict(
            request=request, amount=request.amount_due, channel="BANK-X", reference="R9", actor=None
        )
        first, created = services.record_payment(**kwargs)
        again, created_again = services.record_payment(**kwargs)
        assert (created, created_again) == (True, False) and first.pk == again.pk
        assert events(request, "prepaid.paid").count() == 1

    def test_a_reference_of_another_payment_is_refused(self, prepaid):
        first, second = new_connection(prepaid), new_connection(prepaid)
        services.record_payment(
            request=first, amount=first.amount_due, channel="BANK-X", reference="R9", actor=None
        )
        with pytest.raises(DuplicateReference):
            services.record_payment(
                request=second,
                amount=second.amount_due,
                channel="BANK-X",
                reference="R9",
                actor=None,
            )


class ActivateMeterTests:
    def test_an_nfc_meter_activates_an_nfc_application(self, prepaid):
        request = activated(prepaid)
        assert request.state == RequestState.ACTIVATED and request.meter == prepaid.nfc_meter
        assert events(request, "prepaid.activated").count() == 1

    def test_a_one_way_meter_for_an_nfc_application_is_refused(self, prepaid):
        request = paid(prepaid)
        with pytest.raises(NfcMismatch) as caught:
            services.activate_meter(
                request=request, meter_number="14012345678", actor=prepaid.supervisor
            )
        assert "tidak sesuai dengan pilihan produk" in str(caught.value.message)
        request.refresh_from_db()
        assert request.state == RequestState.PAID and request.meter is None

    def test_an_nfc_meter_for_a_keypad_application_is_refused(self, prepaid):
        request = paid(prepaid, product=Product.PREPAID_KEYPAD)
        with pytest.raises(NfcMismatch):
            services.activate_meter(
                request=request, meter_number="32031017679", actor=prepaid.supervisor
            )

    def test_the_application_may_go_on_with_a_one_way_meter(self, prepaid):
        request = paid(prepaid)
        request = services.activate_meter(
            request=request,
            meter_number="14012345678",
            actor=prepaid.supervisor,
            change_product=True,
        )
        assert request.product == Product.PREPAID_KEYPAD
        assert "Produk diubah" in request.product_note
        assert "Produk diubah" in events(request, "prepaid.activated").get().note

    def test_a_meter_installed_at_another_customer_is_refused(self, prepaid):
        MeterFactory(customer=CustomerFactory(unit=prepaid.sp_a), meter_number="32031017679")
        with pytest.raises(MeterUnavailable):
            activated(prepaid)

    def test_a_meter_removed_as_damaged_is_refused(self, prepaid):
        """Bug #16: a meter taken out of customer A as damaged went in as B's new meter."""
        meter_removed_as_damaged(prepaid)
        stock = make_stock(prepaid.sp_a, DAMAGED_METER)
        with pytest.raises(MeterUnavailable, match=r"dibongkar karena rusak \(Register macet"):
            activated(prepaid, meter=stock)

    def test_a_meter_activated_for_another_application_is_refused(self, prepaid):
        activated(prepaid)
        with pytest.raises(MeterUnavailable):
            activated(prepaid)

    def test_a_meter_of_another_unit_is_not_found(self, prepaid):
        make_stock(prepaid.sp_b, "32000000001")
        with pytest.raises(MeterUnavailable):
            activated(prepaid, meter=type(prepaid.nfc_meter)(meter_number="32000000001"))

    def test_an_unpaid_application_cannot_be_activated(self, prepaid):
        with pytest.raises(WrongState):
            services.activate_meter(
                request=new_connection(prepaid),
                meter_number="32031017679",
                actor=prepaid.supervisor,
            )


def _codec(key_hex, meter_number, sgc, ti, krn, base_date):
    meter = sts.MeterKeyData(
        pan_of(meter_number), sgc, ti, 2, krn, base_date=sts.BaseDate(base_date)
    )
    key = sts.derive_decoder_key(
        vending_key=bytes.fromhex(key_hex),
        algorithm=sts.KeyGenerationAlgorithm.DKGA02,
        meter=meter,
    )
    return sts.TokenCodec(key, sts.EncryptionAlgorithm.STA, sts.BaseDate(base_date))


class IssueTokensTests:
    def test_a_token_for_an_unpaid_application_is_refused(self, prepaid):
        request = new_connection(prepaid)
        with pytest.raises(WrongState):
            services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        assert not request.tokens.exists()

    def test_kcts_then_stroom_awal_when_factory_key_differs(self, prepaid):
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        tokens = list(request.tokens.all())
        assert [t.kind for t in tokens] == [TokenKind.KEY_CHANGE] * 2 + [TokenKind.CREDIT]
        factory = _codec(TEST_VENDING_KEY, "32031017679", "600000", "01", 1, 1993)
        first = factory.decode(tokens[0].token).fields
        assert (first.key_revision, first.rollover) == (2, True)
        customer_key = _codec("0123456789abcdef", "32031017679", "600000", "01", 2, 2014)
        assert customer_key.decode(tokens[2].token).fields.quantity == Decimal("13.5")
        assert request.state == RequestState.TOKENS_ISSUED
        assert events(request, "prepaid.tokens_issued").count() == 1

    def test_only_stroom_awal_when_the_meter_already_has_the_customers_key(self, prepaid):
        make_stock(prepaid.sp_a, "32000000002", vkrn=43, key_revision=2)
        request = activated(prepaid, meter=type(prepaid.nfc_meter)(meter_number="32000000002"))
        request = services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        assert [t.kind for t in request.tokens.all()] == [TokenKind.CREDIT]

    def test_unknown_factory_key_data_leave_the_application_waiting(self, prepaid):
        """A VKRN 42 meter in a unit that holds no VKRN 42 key: no KCT can be made."""
        make_stock(prepaid.sp_a, "32000000003", vkrn=42, key_revision=2)
        request = activated(prepaid, meter=type(prepaid.nfc_meter)(meter_number="32000000003"))
        with pytest.raises(TokensNotIssued) as caught:
            services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        assert "tidak dikenal" in str(caught.value.message)
        request.refresh_from_db()
        assert request.state == RequestState.ACTIVATED and not request.tokens.exists()

    def test_a_batch_issues_every_activated_application(self, prepaid):
        second = make_stock(prepaid.sp_a, "32000000004")
        requests = [activated(prepaid), activated(prepaid, meter=second)]
        refused = services.issue_tokens_for(requests=requests, actor=prepaid.supervisor)
        assert refused == {}
        assert ServiceRequest.objects.filter(state=RequestState.TOKENS_ISSUED).count() == 2
        assert ProcessEvent.objects.filter(verb="prepaid.tokens_issued").count() == 2


class InstallationAndPdlTests:
    def test_the_work_order_goes_to_a_field_officer_only(self, prepaid):
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        with pytest.raises(InvalidInput):
            services.assign_work_order(
                request=request, officer=prepaid.area_user, actor=prepaid.supervisor
            )
        request = services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        assert request.assigned_to == prepaid.officer
        assert events(request, "prepaid.work_order_assigned").count() == 1

    def test_a_work_order_needs_issued_tokens(self, prepaid):
        with pytest.raises(WrongState):
            services.assign_work_order(
                request=activated(prepaid), officer=prepaid.officer, actor=prepaid.supervisor
            )

    def test_installation_needs_the_signed_scans(self, prepaid):
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        with pytest.raises(DocumentsMissing):
            services.record_installation(
                request=request,
                actor=prepaid.officer,
                installed_on=date.today(),
                report_scan=scan(),
                contract_scan=None,
            )
        with pytest.raises(InvalidInput):
            services.record_installation(
                request=request,
                actor=prepaid.officer,
                installed_on=date.today() + timedelta(days=1),
                report_scan=scan(),
                contract_scan=scan(),
            )

    def test_scans_and_photo_are_checked_by_their_content(self, prepaid):
        # issue #17: any file was kept as a scan, and the photo was stored without a check.
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        page = SimpleUploadedFile("spjbtl.pdf", b"<html><script>alert(1)</script></html>")
        refusals = [
            ({"contract_scan": page}, "contract_scan", "Scan SPJBTL"),
            ({"photo": huge_png(12000, 12000)}, "photo", "12000×12000 piksel"),
        ]
        for files, field, message in refusals:
            with pytest.raises(FileRejected, match=message) as refused:
                services.record_installation(
                    request=request,
                    actor=prepaid.officer,
                    installed_on=date.today(),
                    **{"report_scan": scan(), "contract_scan": scan(), **files},
                )
            assert refused.value.field == field
        request.refresh_from_db()
        assert request.state == RequestState.ASSIGNED
        assert files_in_media() == []

    def test_only_the_assigned_officer_records_the_installation(self, prepaid):
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        other = UserFactory(
            username="petugas.lain", unit=prepaid.sp_a, roles=[RoleCode.FIELD_OFFICER]
        )
        with pytest.raises(NotAllowed):
            services.record_installation(
                request=request,
                actor=other,
                installed_on=date.today(),
                report_scan=scan(),
                contract_scan=scan(),
            )
        request.refresh_from_db()
        assert request.state == RequestState.ASSIGNED

    def test_a_cancelled_application_refuses_the_realisation_with_the_reason(self, prepaid):
        # Issue #18: a phone sends its realisation hours later; "PK yang sudah diterbitkan"
        # did not tell the officer that the office had cancelled the application, nor why.
        request = services.issue_request_tokens(
            request=activated(prepaid), actor=prepaid.supervisor
        )
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        services.cancel_request(
            request=request, actor=prepaid.supervisor, reason="Pemohon membatalkan, pindah rumah"
        )
        refusal = (
            f"Permohonan {request.request_number} sudah dibatalkan kantor pada "
            r"\d\d-\d\d-\d{4} \d\d:\d\d \(Pemohon membatalkan, pindah rumah\): "
            "realisasi tidak dicatat"
        )
        with pytest.raises(WrongState, match=refusal):
            services.record_installation(
                request=request,
                actor=prepaid.officer,
                installed_on=date.today(),
                report_scan=scan(),
                contract_scan=scan(),
            )

    def test_a_second_realisation_says_when_and_by_whom_the_first_was(self, prepaid):
        request = installed(prepaid)
        first = f"sudah dicatat: dipasang {date.today():%d-%m-%Y} oleh Uji\\."
        with pytest.raises(WrongState, match=first):
            services.record_installation(
                request=request,
                actor=prepaid.supervisor,
                installed_on=date.today(),
                report_scan=scan(),
                contract_scan=scan(),
            )
        assert events(request, "prepaid.installed").count() == 1

    def test_before_its_pk_the_realisation_names_the_state(self, prepaid):
        with pytest.raises(WrongState, match="status: meter diaktivasi, menunggu token"):
            services.record_installation(
                request=activated(prepaid),
                actor=prepaid.supervisor,
                installed_on=date.today(),
                report_scan=scan(),
                contract_scan=scan(),
            )

    def test_a_field_officer_cannot_do_pdl(self, prepaid):
        with pytest.raises(NotAllowed):
            services.complete_request(request=installed(prepaid), actor=prepaid.officer)

    def test_installation_marks_the_tokens_entered(self, prepaid):
        request = installed(prepaid)
        assert request.state == RequestState.INSTALLED
        assert set(request.tokens.values_list("status", flat=True)) == {TokenStatus.ENTERED}
        assert events(request, "prepaid.installed").count() == 1

    def test_pdl_updates_the_customer_master_and_closes_the_process(self, prepaid):
        request = services.complete_request(request=installed(prepaid), actor=prepaid.supervisor)
        customer = request.customer
        meter = customer.current_meter
        assert (customer.tariff, customer.power_va, customer.name) == ("R1T", 2200, "SICILIA NFC")
        assert meter.meter_number == "32031017679"
        assert (meter.supply_group, meter.tariff_index, meter.vkrn, meter.key_revision) == (
            "600000",
            "01",
            43,
            2,
        )
        request.process.refresh_from_db()
        assert not request.process.is_open
        assert events(request, "prepaid.completed").count() == 1
        assert customer.history.first().history_user == prepaid.supervisor

    def test_pdl_before_installation_is_refused(self, prepaid):
        with pytest.raises(WrongState):
            services.complete_request(request=activated(prepaid), actor=prepaid.supervisor)
