import io
import json
import re
import uuid
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from meterops.core.choices import RoleCode
from meterops.prepaid import services
from meterops.prepaid.choices import RequestState
from meterops.prepaid.models import PaymentChannel, ServiceRequest
from tests.factories import CustomerFactory, MeterFactory, UserFactory

from .builders import activated, installed, new_connection, paid, scan
from .test_load_profile import SAMPLE_CARD


class RequestListTests:
    def test_lists_the_units_applications_with_counts(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.supervisor).get(reverse("prepaid:request_list"))
        assert response.status_code == 200
        assert request.request_number in response.content.decode()
        assert response.context["counts"][0]["n"] == 1

    def test_an_area_user_sees_the_counts_per_ulp(self, prepaid, client_for):
        new_connection(prepaid)
        other = services.register_request(
            actor=prepaid.unit_admin,
            unit=prepaid.sp_a2,
            kind="new_connection",
            product="prepaid_keypad",
            tariff="R1T",
            power_va=2200,
            applicant_name="X",
            address="Y",
        )
        services.record_payment(
            request=other, amount=other.amount_due, channel="B", reference="1", actor=None
        )
        response = client_for(prepaid.unit_admin).get(reverse("prepaid:request_list"))
        by_unit = {row["unit"]: row["counts"][:2] for row in response.context["by_unit"]}
        assert by_unit == {"ULP ALFA DUA": [0, 1], "ULP ALFA SATU": [1, 0]}
        assert 'id="unit-counts"' in response.content.decode()

    def test_outsider_sees_none_of_them(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.outsider).get(reverse("prepaid:request_list"))
        assert request.request_number not in response.content.decode()

    def test_field_officer_gets_403(self, prepaid, client_for):
        response = client_for(prepaid.officer).get(reverse("prepaid:request_list"))
        assert response.status_code == 403


class IndonesianNumbersTests:
    """Issue #20: rupiah as Rp 1.650.000 and numbers as 2.200 and 13,5 on the SIP, the PK
    and the export, as on the page."""

    def _text(self, response) -> str:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)

    def test_the_sip_reads_indonesian_numbers(self, prepaid, client_for):
        request = new_connection(prepaid)
        client = client_for(prepaid.supervisor)
        slip = self._text(client.get(reverse("prepaid:request_slip", args=[request.pk])))
        assert "R1T / 2.200 VA" in slip
        assert "Stroom awal (13,5 kWh)" in slip
        assert "Rp 1.650.000" in slip
        page = client.get(reverse("prepaid:request_detail", args=[request.pk])).content.decode()
        assert "2.200 VA" in page and "Stroom awal (13,5 kWh)" in page

    def test_the_pk_names_each_token_with_its_kwh(self, prepaid, client_for):
        request = activated(prepaid)
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        response = client_for(prepaid.supervisor).get(
            reverse("prepaid:request_work_order", args=[request.pk])
        )
        text = self._text(response)
        assert "R1T / 2.200 VA" in text
        assert re.search(r"\d\. [^\n]+ 13,5 kWh", text), text

    def test_the_export_keeps_the_total_a_number_shown_as_rupiah(self, prepaid, client_for):
        new_connection(prepaid)
        response = client_for(prepaid.supervisor).get(reverse("prepaid:request_export"))
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        column = [c.value for c in sheet[1]].index("Total (Rp)")
        cell = sheet.cell(row=2, column=column + 1)
        assert cell.value == 1670000
        assert cell.number_format == '"Rp "#,##0'


class RequestExportTests:
    def test_exports_the_filtered_list_with_formulas_neutralised(self, prepaid, client_for):
        request = services.register_request(
            actor=prepaid.supervisor,
            unit=prepaid.sp_a,
            kind="new_connection",
            product="prepaid_nfc",
            tariff="R1T",
            power_va=2200,
            applicant_name="=HYPERLINK(1)",
            address="-",
        )
        new_connection(prepaid)
        response = client_for(prepaid.supervisor).get(
            reverse("prepaid:request_export"), {"q": request.request_number}
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.values)
        assert len(rows) == 2
        assert rows[1][0] == request.request_number and rows[1][2] == "'=HYPERLINK(1)"

    def test_outsider_exports_nothing_of_the_unit(self, prepaid, client_for):
        new_connection(prepaid)
        response = client_for(prepaid.outsider).get(reverse("prepaid:request_export"))
        assert len(list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)) == 1


class RequestCreateTests:
    def test_enters_a_new_connection(self, prepaid, client_for):
        response = client_for(prepaid.supervisor).post(
            reverse("prepaid:request_create"),
            {
                "submission": str(uuid.uuid4()),
                "kind": "new_connection",
                "product": "prepaid_nfc",
                "unit": prepaid.sp_a.pk,
                "applicant_name": "SICILIA NFC",
                "address": "DK. SELATAN NO. 12",
                "tariff": "R1T",
                "power_va": 2200,
            },
        )
        created = ServiceRequest.objects.get()
        assert response.url == reverse("prepaid:request_detail", args=[created.pk])

    def test_a_tariff_change_without_idpel_is_explained(self, prepaid, client_for):
        response = client_for(prepaid.supervisor).post(
            reverse("prepaid:request_create"),
            {
                "submission": str(uuid.uuid4()),
                "kind": "tariff_change",
                "product": "prepaid_nfc",
                "unit": prepaid.sp_a.pk,
                "applicant_name": "X",
                "address": "Y",
                "tariff": "R1T",
                "power_va": 2200,
            },
        )
        assert "IDPEL wajib" in response.content.decode()

    def test_another_units_idpel_is_not_found(self, prepaid, client_for):
        other = CustomerFactory(unit=prepaid.sp_b)
        response = client_for(prepaid.supervisor).post(
            reverse("prepaid:request_create"),
            {
                "submission": str(uuid.uuid4()),
                "kind": "reconnection",
                "product": "prepaid_nfc",
                "unit": prepaid.sp_a.pk,
                "customer_id": other.customer_id,
                "applicant_name": "X",
                "address": "Y",
                "tariff": "R1T",
                "power_va": 2200,
            },
        )
        assert "tidak ditemukan di unit Anda" in response.content.decode()
        assert not ServiceRequest.objects.exists()


class RequestDetailTests:
    def test_shows_fees_and_the_next_step(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.supervisor).get(
            reverse("prepaid:request_detail", args=[request.pk])
        )
        assert "Rp 1.670.000" in response.content.decode()

    def test_outsider_gets_404(self, prepaid, client_for):
        request = new_connection(prepaid)
        for name in ("request_detail", "request_slip"):
            response = client_for(prepaid.outsider).get(
                reverse(f"prepaid:{name}", args=[request.pk])
            )
            assert response.status_code == 404

    def test_prints_the_sip_as_pdf(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.supervisor).get(
            reverse("prepaid:request_slip", args=[request.pk])
        )
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    def test_issues_tokens_assigns_and_prints_the_work_order(self, prepaid, client_for):
        request = activated(prepaid)
        client = client_for(prepaid.supervisor)
        client.post(reverse("prepaid:request_issue_tokens", args=[request.pk]))
        client.post(
            reverse("prepaid:request_assign", args=[request.pk]), {"officer": prepaid.officer.pk}
        )
        request.refresh_from_db()
        assert request.state == RequestState.ASSIGNED
        response = client.get(reverse("prepaid:request_work_order", args=[request.pk]))
        assert response.content.startswith(b"%PDF")

    def test_the_ulp_supervisor_may_assign_the_contractors_officer(self, prepaid, client_for):
        """Bug #16: "Petugas pasang" was empty of the officers of the contractor working for
        the ULP's UP3, while Order Lapangan offered them to the same supervisor."""
        mitra = UserFactory(
            username="petugas.mitra.a",
            contractor=prepaid.contractor_a,
            roles=[RoleCode.FIELD_OFFICER],
        )
        outsider = UserFactory(
            username="petugas.mitra.b",
            contractor=prepaid.contractor_b,
            roles=[RoleCode.FIELD_OFFICER],
        )
        request = activated(prepaid)
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        client = client_for(prepaid.supervisor)
        page = client.get(reverse("prepaid:request_detail", args=[request.pk]))
        offered = page.context["assign_form"].fields["officer"].queryset
        assert mitra in offered and outsider not in offered
        client.post(reverse("prepaid:request_assign", args=[request.pk]), {"officer": mitra.pk})
        request.refresh_from_db()
        assert request.state == RequestState.ASSIGNED and request.assigned_to == mitra

    def test_the_assigned_officer_records_the_installation(self, prepaid, client_for):
        request = activated(prepaid)
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        response = client_for(prepaid.officer).post(
            reverse("prepaid:request_install", args=[request.pk]),
            {
                "installed_on": date.today().isoformat(),
                "report_scan": scan(),
                "contract_scan": scan(),
            },
        )
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.state == RequestState.INSTALLED

    def test_a_scan_that_is_not_a_pdf_or_jpeg_is_refused_by_name(self, prepaid, client_for):
        from django.core.files.uploadedfile import SimpleUploadedFile

        request = activated(prepaid)
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        response = client_for(prepaid.officer).post(
            reverse("prepaid:request_install", args=[request.pk]),
            {
                "installed_on": date.today().isoformat(),
                "report_scan": SimpleUploadedFile("ba.pdf", b"<html>bukan scan</html>"),
                "contract_scan": scan(),
            },
            follow=True,
        )
        shown = [str(m) for m in response.context["messages"]]
        assert shown == [
            'Scan BA pasang (ditandatangani) "ba.pdf" harus PDF atau JPEG hasil pindai.'
        ]
        request.refresh_from_db()
        assert request.state == RequestState.ASSIGNED

    def test_pdl_closes_the_application(self, prepaid, client_for):
        request = installed(prepaid)
        client_for(prepaid.supervisor).post(reverse("prepaid:request_complete", args=[request.pk]))
        request.refresh_from_db()
        assert request.state == RequestState.COMPLETED

    def test_a_refused_step_shows_its_message(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.supervisor).post(
            reverse("prepaid:request_issue_tokens", args=[request.pk]), follow=True
        )
        assert "Token belum dapat dibuat" in response.content.decode()


class PaymentEntryTests:
    def test_records_a_counter_payment(self, prepaid, client_for):
        request = new_connection(prepaid)
        client_for(prepaid.supervisor).post(
            reverse("prepaid:payment_entry"),
            {
                "request_number": request.request_number,
                "amount": "1670000",
                "receipt_number": "KW-1",
            },
        )
        request.refresh_from_db()
        assert request.state == RequestState.PAID

    def test_a_wrong_amount_shows_the_amount_due(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.supervisor).post(
            reverse("prepaid:payment_entry"),
            {"request_number": request.request_number, "amount": "5000", "receipt_number": "KW-1"},
        )
        assert "Rp 1.670.000" in response.content.decode()

    def test_outsider_cannot_find_the_request_number(self, prepaid, client_for):
        request = new_connection(prepaid)
        response = client_for(prepaid.outsider).post(
            reverse("prepaid:payment_entry"),
            {"request_number": request.request_number, "amount": "1670000", "receipt_number": "K"},
        )
        assert "tidak ditemukan" in response.content.decode()


CHANNEL_TOKEN = "kanal-uji"


@pytest.fixture
def bank(db):
    channel = PaymentChannel(code="BSM", name="Bank Syariah")
    channel.set_token(CHANNEL_TOKEN)
    channel.save()
    return channel


class ChannelPaymentTests:
    def _post(self, client, body, token=CHANNEL_TOKEN):
        return client.post(
            reverse("prepaid:channel_payment"),
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    def test_pays_and_repeats_idempotently(self, prepaid, bank, client):
        request = new_connection(prepaid)
        body = {"request_number": request.request_number, "amount": "1670000", "reference": "B1"}
        first, second = self._post(client, body), self._post(client, body)
        assert (first.status_code, first.json()["status"]) == (201, "paid")
        assert (second.status_code, second.json()["status"]) == (200, "already_recorded")

    def test_a_partial_amount_gets_409_with_the_amount_due(self, prepaid, bank, client):
        request = new_connection(prepaid)
        body = {"request_number": request.request_number, "amount": 100, "reference": "B1"}
        response = self._post(client, body)
        assert response.status_code == 409
        assert response.json()["amount_due"] == "1670000.00"

    def test_a_wrong_token_gets_401(self, prepaid, bank, client):
        assert self._post(client, {}, token="salah").status_code == 401

    def test_a_bad_body_gets_400(self, prepaid, bank, client):
        assert self._post(client, {"amount": "x"}).status_code == 400


class ActivationTests:
    def test_a_mismatch_offers_to_change_the_product(self, prepaid, client_for):
        request = paid(prepaid)
        client = client_for(prepaid.supervisor)
        url = reverse("prepaid:activation")
        data = {"request_number": request.request_number, "meter_number": "14012345678"}
        response = client.post(url, data)
        assert "tidak sesuai dengan pilihan produk" in response.content.decode()
        assert response.context["mismatch"]
        client.post(url, {**data, "change_product": "on"})
        request.refresh_from_db()
        assert request.state == RequestState.ACTIVATED and request.product == "prepaid_keypad"


class TokenMonitorTests:
    def test_issues_every_activated_application(self, prepaid, client_for):
        request = activated(prepaid)
        client = client_for(prepaid.supervisor)
        client.post(reverse("prepaid:token_monitor"))
        response = client.get(reverse("prepaid:token_monitor"))
        assert request.request_number in response.content.decode()
        request.refresh_from_db()
        assert request.state == RequestState.TOKENS_ISSUED

    def test_outsider_sees_no_queue(self, prepaid, client_for):
        request = activated(prepaid)
        response = client_for(prepaid.outsider).get(reverse("prepaid:token_monitor"))
        assert request.request_number not in response.content.decode()


class InstallationListTests:
    def test_a_field_officer_sees_his_work_orders(self, prepaid, client_for):
        request = activated(prepaid)
        services.issue_request_tokens(request=request, actor=prepaid.supervisor)
        services.assign_work_order(
            request=request, officer=prepaid.officer, actor=prepaid.supervisor
        )
        response = client_for(prepaid.officer).get(reverse("prepaid:installation_list"))
        assert request.request_number in response.content.decode()


@pytest.fixture
def card_meter(cast):
    meter = MeterFactory(customer=CustomerFactory(unit=cast.sp_a), meter_number="32031017679")
    services.record_nfc_transaction(
        meter_number=meter.meter_number,
        channel="BSM",
        reference="T1",
        amount=Decimal("50000"),
        card_records=SAMPLE_CARD,
    )
    return meter


class LoadProfileFlagsTests:
    def test_a_month_below_the_hours_on_norm_is_flagged(self, cast, card_meter):
        from meterops.prepaid.queries import load_profile_of

        card_meter.customer.power_va = 5500  # norm 40 h x 5.5 kVA = 220 kWh a month
        profile = load_profile_of(card_meter)
        flagged = [row["record"].period for row in profile["rows"] if row["below_norm"]]
        assert flagged == ["201210"]  # 4889 - 4765 = 124 kWh, the only month under 220
        assert profile["norm"] == Decimal(220)


class LoadProfileTests:
    def test_shows_the_table_chart_and_tamper_flag(self, cast, card_meter, client_for):
        response = client_for(cast.supervisor).get(
            reverse("prepaid:load_profile"), {"meter_number": "32031017679"}
        )
        body = response.content.decode()
        assert "<svg" in body and 'id="flag-tamper"' in body and 'id="flag-voltage"' in body
        assert 'id="create-target"' in body
        periods = [row["record"].period for row in response.context["profile"]["rows"]]
        assert (periods[0], periods[-1]) == ("201201", "201212")

    def test_the_charts_coordinates_are_not_written_the_indonesian_way(
        self, cast, card_meter, client_for
    ):
        """The page is rendered in Indonesian, where 38.4 reads "38,4": an SVG length with a
        comma is invalid and the browser drops the bar (found by the Loket NFC browser test)."""
        response = client_for(cast.supervisor).get(
            reverse("prepaid:load_profile"), {"meter_number": "32031017679"}
        )
        svg = re.search(r"<svg.*?</svg>", response.content.decode(), re.S).group()
        lengths = re.findall(r'\s(?:x|y|width|height)="([^"]*)"', svg)
        assert lengths and not [v for v in lengths if not re.fullmatch(r"\d+(\.\d+)?", v)]

    def test_lists_flagged_meters_without_a_meter_number(self, cast, card_meter, client_for):
        response = client_for(cast.supervisor).get(reverse("prepaid:load_profile"))
        assert "32031017679" in response.content.decode()

    def test_outsider_does_not_find_the_meter(self, cast, card_meter, client_for):
        response = client_for(cast.outsider).get(
            reverse("prepaid:load_profile"), {"meter_number": "32031017679"}
        )
        assert "Meter tidak ditemukan" in response.content.decode()
        assert card_meter.customer.customer_id not in response.content.decode()

    def test_field_officer_gets_403(self, cast, client_for):
        assert client_for(cast.officer).get(reverse("prepaid:load_profile")).status_code == 403

    def test_transactions_list_by_meter(self, cast, card_meter, client_for):
        client = client_for(cast.supervisor)
        response = client.get(reverse("prepaid:nfc_transactions"), {"meter_number": "32031017679"})
        assert "BSM T1" in response.content.decode()
        assert (
            "BSM"
            not in client_for(cast.outsider)
            .get(reverse("prepaid:nfc_transactions"))
            .content.decode()
        )

    def test_upload_reports_rejected_rows(self, cast, card_meter, client_for):
        from django.core.files.uploadedfile import SimpleUploadedFile

        content = (
            b"No Meter,Blth,Stand,Sisa kWh,Tegangan,Status Tamper\n32031017679,201301,x,1,220,0\n"
        )
        response = client_for(cast.supervisor).post(
            reverse("prepaid:load_profile_upload"),
            {"file": SimpleUploadedFile("lp.csv", content)},
        )
        assert "Baris 2, kolom Stand" in response.content.decode()


class TokenSaleViewTests:
    @pytest.fixture
    def meter(self, prepaid):
        customer = CustomerFactory(
            unit=prepaid.sp_a, tariff="R1T", power_va=2200, payment_mode="prepaid"
        )
        return MeterFactory(
            customer=customer,
            meter_number="32031017679",
            supply_group="600000",
            tariff_index="01",
            vkrn=43,
            key_revision=2,
        )

    def test_the_counter_sells_a_token_and_lists_it(self, prepaid, meter, client_for):
        client = client_for(prepaid.supervisor)
        data = {"meter_number": "32031017679", "amount": "100000", "reference": "KW-9"}
        response = client.post(reverse("prepaid:token_sale"), data, follow=True)
        body = response.content.decode()
        assert "Token 67,3 kWh" in body  # issue #20: it read "67.3"
        assert "KW-9" in body

    def test_outsider_sees_no_sales(self, prepaid, meter, client_for):
        client_for(prepaid.supervisor).post(
            reverse("prepaid:token_sale"),
            {"meter_number": "32031017679", "amount": "100000", "reference": "KW-9"},
        )
        response = client_for(prepaid.outsider).get(reverse("prepaid:token_sale"))
        assert "KW-9" not in response.content.decode()

    def test_a_channel_sells_by_json(self, prepaid, meter, bank, client):
        response = client.post(
            reverse("prepaid:channel_token_sale"),
            json.dumps({"meter_number": "32031017679", "amount": 100000, "reference": "B7"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {CHANNEL_TOKEN}"},
        )
        assert response.status_code == 201 and len(response.json()["token"]) == 20
