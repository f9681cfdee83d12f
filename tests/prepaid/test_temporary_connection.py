"""Penyambungan Sementara (PS), issue #18 on seed 002 1.5 ("Pelanggan mengajukan Permohonan
PB/PD/PS/Migrasi"): a new customer like a PB, a meter from stock, and an end date."""

import io
import uuid
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from meterops.core.errors import InvalidInput
from meterops.customers.choices import PaymentMode
from meterops.prepaid import services
from meterops.prepaid.choices import Product, RequestKind, RequestState
from meterops.prepaid.models import ServiceRequest

from .builders import scan


def register(cast, *, kind=RequestKind.TEMPORARY_CONNECTION, ends_on="in 30 days", **extra):
    if ends_on == "in 30 days":
        ends_on = timezone.localdate() + timedelta(days=30)
    return services.register_request(
        actor=cast.supervisor,
        unit=cast.sp_a,
        kind=kind,
        product=Product.PREPAID_KEYPAD,
        tariff="R1T",
        power_va=2200,
        applicant_name="PANITIA PASAR MALAM",
        address="LAPANGAN DESA",
        ends_on=ends_on,
        **extra,
    )


def through_to_installation(cast, request, *, installed_on=None):
    services.record_payment(
        request=request,
        amount=request.amount_due,
        channel="LOKET",
        reference=f"KW-{request.pk}",
        actor=cast.supervisor,
    )
    request = services.activate_meter(
        request=request, meter_number=cast.keypad_meter.meter_number, actor=cast.supervisor
    )
    services.issue_request_tokens(request=request, actor=cast.supervisor)
    services.assign_work_order(request=request, officer=cast.officer, actor=cast.supervisor)
    return services.record_installation(
        request=request,
        actor=cast.officer,
        installed_on=installed_on or timezone.localdate(),
        report_scan=scan("ba.pdf"),
        contract_scan=scan("spjbtl.pdf"),
    )


class RegisterTemporaryConnectionTests:
    def test_a_ps_gets_a_new_prepaid_customer_and_its_end_date(self, prepaid):
        request = register(prepaid)
        assert request.kind == "temporary_connection"
        assert request.ends_on == timezone.localdate() + timedelta(days=30)
        assert request.customer.customer_id.startswith("51001")
        assert request.customer.payment_mode == PaymentMode.PREPAID
        assert request.process.kind == "Penyambungan Sementara (PS)"
        assert request.previous_tariff == "" and request.previous_power_va is None

    @pytest.mark.parametrize(
        ("days", "message"),
        [
            (None, "Tanggal berakhir wajib diisi untuk Penyambungan Sementara (PS)."),
            (0, "Tanggal berakhir PS harus setelah hari ini"),
            (-3, "Tanggal berakhir PS harus setelah hari ini"),
            (367, "Penyambungan Sementara paling lama 366 hari"),
        ],
    )
    def test_a_wrong_end_date_is_refused_naming_the_field(self, prepaid, days, message):
        ends_on = None if days is None else timezone.localdate() + timedelta(days=days)
        with pytest.raises(
            InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")
        ) as e:
            register(prepaid, ends_on=ends_on)
        assert e.value.field == "ends_on"
        assert not ServiceRequest.objects.exists()

    def test_a_year_and_a_day_is_the_longest(self, prepaid):
        assert register(prepaid, ends_on=timezone.localdate() + timedelta(days=366)).pk

    def test_another_kind_with_an_end_date_is_refused(self, prepaid):
        with pytest.raises(InvalidInput, match="hanya diisi untuk Penyambungan Sementara"):
            register(prepaid, kind=RequestKind.NEW_CONNECTION)

    def test_the_database_holds_the_end_date_to_ps_only(self, prepaid):
        request = register(prepaid)
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceRequest.objects.filter(pk=request.pk).update(ends_on=None)
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceRequest.objects.filter(pk=request.pk).update(kind=RequestKind.NEW_CONNECTION)


class TemporaryConnectionFlowTests:
    def test_a_ps_takes_a_stock_meter_and_goes_to_pdl_like_a_pb(self, prepaid):
        request = through_to_installation(prepaid, register(prepaid))
        request = services.complete_request(request=request, actor=prepaid.supervisor)
        customer = request.customer
        customer.refresh_from_db()
        assert request.state == RequestState.COMPLETED
        assert (customer.name, customer.address) == ("PANITIA PASAR MALAM", "LAPANGAN DESA")
        assert customer.current_meter.meter_number == prepaid.keypad_meter.meter_number

    def test_a_ps_may_not_keep_an_installed_meter(self, prepaid):
        request = ServiceRequest(kind=RequestKind.TEMPORARY_CONNECTION)
        assert services.may_keep_installed_meter(request) is False

    def test_an_installation_after_the_end_date_is_refused(self, prepaid):
        request = register(prepaid)
        ServiceRequest.objects.filter(pk=request.pk).update(ends_on=date(2020, 1, 2))
        request.refresh_from_db()
        with pytest.raises(InvalidInput, match="melewati tanggal berakhir") as refused:
            through_to_installation(prepaid, request, installed_on=date(2020, 1, 3))
        assert refused.value.field == "installed_on"


def _form(prepaid, **changes):
    return {
        "submission": str(uuid.uuid4()),
        "kind": "temporary_connection",
        "product": "prepaid_keypad",
        "unit": prepaid.sp_a.pk,
        "applicant_name": "PANITIA PASAR MALAM",
        "address": "LAPANGAN DESA",
        "tariff": "R1T",
        "power_va": 2200,
        "ends_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
        **changes,
    }


class TemporaryConnectionPagesTests:
    def test_the_entry_form_makes_a_ps_without_an_idpel(self, prepaid, client_for):
        client = client_for(prepaid.supervisor)
        response = client.post(reverse("prepaid:request_create"), _form(prepaid))
        created = ServiceRequest.objects.get()
        assert response.url == reverse("prepaid:request_detail", args=[created.pk])
        page = client.get(response.url).content.decode()
        assert "Penyambungan Sementara (PS)" in page
        assert f'id="request-ends-on">{created.ends_on:%d-%m-%Y}<' in page

    def test_a_missing_end_date_is_shown_on_its_field(self, prepaid, client_for):
        response = client_for(prepaid.supervisor).post(
            reverse("prepaid:request_create"), _form(prepaid, ends_on="")
        )
        assert response.context["form"].errors["ends_on"] == [
            "Tanggal berakhir wajib diisi untuk Penyambungan Sementara (PS)."
        ]
        assert not ServiceRequest.objects.exists()

    def test_the_list_filters_by_the_new_kind(self, prepaid, client_for):
        request = register(prepaid)
        response = client_for(prepaid.supervisor).get(
            reverse("prepaid:request_list"), {"kind": "temporary_connection"}
        )
        assert request.request_number in response.content.decode()

    def test_the_sip_and_the_export_carry_the_end_date(self, prepaid, client_for):
        request = register(prepaid)
        client = client_for(prepaid.supervisor)
        slip = client.get(reverse("prepaid:request_slip", args=[request.pk]))
        text = PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
        assert "Penyambungan Sementara (PS)" in text
        assert f"Berakhir (PS)\n{request.ends_on:%d-%m-%Y}" in text
        export = client.get(reverse("prepaid:request_export"))
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
        column = rows[0].index("Berakhir (PS)")
        assert rows[1][column].date() == request.ends_on
