"""Pages of fieldwork: each renders for its roles, refuses others, and scopes its rows."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps
from django.urls import reverse
from pypdf import PdfReader

from meterops.core.menu import menu_for
from meterops.fieldwork import services
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import Arrears, FieldOrder
from tests.core.image_files import files_in_media, huge_png
from tests.factories import CustomerFactory
from tests.fieldwork.helpers import arrears, disconnection_order, jpeg, manager_signer
from tests.reading.helpers import PERIOD, make_customer, make_day, make_reading, make_route

pytestmark = pytest.mark.django_db

PAGES = [
    "fieldwork:audit_list",
    "fieldwork:scorecard",
    "fieldwork:order_list",
    "fieldwork:prepaid_sampling",
    "fieldwork:route_update",
    "fieldwork:route_map",
    "fieldwork:campaign_list",
    "fieldwork:arrears_list",
]


class PagesTests:
    @pytest.mark.parametrize("name", PAGES)
    def test_supervisor_opens_every_page(self, cast, client_for, name):
        assert client_for(cast.supervisor).get(reverse(name)).status_code == 200

    def test_officer_is_refused_supervisor_pages(self, cast, client_for):
        client = client_for(cast.officer)
        assert client.get(reverse("fieldwork:audit_list")).status_code == 403
        assert client.get(reverse("fieldwork:order_list")).status_code == 200

    def test_menu_lists_fieldwork_in_indonesian(self, cast, client_for):
        html = client_for(cast.supervisor).get(reverse("core:dashboard")).content.decode()
        assert "Audit Baca Meter" in html and "Penekanan Tunggakan" in html
        assert 'id="fieldwork-panel"' in html

    def test_reading_supervision_sits_in_the_reading_menu_section(self, cast):
        sections = {e["label"]: e["section"] for e in menu_for(cast.supervisor, "/")}
        reading = apps.get_app_config("reading").verbose_name
        assert sections["Audit Baca Meter"] == reading
        assert sections["Scorecard Vendor"] == reading
        assert sections["Order Lapangan"] == apps.get_app_config("fieldwork").verbose_name

    def test_reading_section_is_one_block_with_the_audit_pages_last(self, cast):
        entries = menu_for(cast.supervisor, "/")
        reading = apps.get_app_config("reading").verbose_name
        at = [i for i, e in enumerate(entries) if e["section"] == reading]
        assert at == list(range(at[0], at[-1] + 1))
        labels = [entries[i]["label"] for i in at]
        assert labels[-2:] == ["Audit Baca Meter", "Scorecard Vendor"]

    def test_old_reading_paths_redirect_to_the_fieldwork_pages(self, cast, client_for):
        client = client_for(cast.supervisor)
        response = client.get(f"/reading/scorecard/?period={PERIOD}")
        assert response.status_code == 302
        assert response.url == f"{reverse('fieldwork:scorecard')}?period={PERIOD}"
        assert client.get("/reading/audits/7/").url == reverse("fieldwork:audit_detail", args=[7])


class AuditViewTests:
    def test_draw_then_scorecard_and_export(self, cast, client_for):
        day = make_day(cast.sp_a)
        route = make_route(day)
        for i in range(4):
            make_reading(make_customer(route, sequence=i + 1), reader="ANA")
        client = client_for(cast.supervisor)
        response = client.post(
            reverse("fieldwork:audit_list"), {"unit": cast.sp_a.pk, "period": PERIOD, "seed": 3}
        )
        assert response.status_code == 302
        detail = client.get(response.url)
        assert b"sampel dari 4 stan" in detail.content
        page = client.get(reverse("fieldwork:scorecard"), {"period": PERIOD})
        assert b"ANA" in page.content and b'id="trend-chart"' in page.content
        export = client.get(reverse("fieldwork:scorecard"), {"period": PERIOD, "export": "xlsx"})
        assert export["Content-Type"].startswith("application/vnd.openxmlformats")

    def test_month_without_readings_gives_the_reason_and_stores_nothing(self, cast, client_for):
        """Issue #19: an empty month was drawn ("Sampel 0 stan dari 0") and then locked."""
        from meterops.fieldwork.models import AuditMonth

        client = client_for(cast.supervisor)
        for _attempt in range(2):
            response = client.post(
                reverse("fieldwork:audit_list"), {"unit": cast.sp_a.pk, "period": PERIOD}
            )
            html = response.content.decode()
            assert response.status_code == 200
            assert "Belum ada stan hasil baca" in html and "sudah diambil" not in html
        assert not AuditMonth.objects.exists()

    def test_outsider_gets_404_on_audit(self, cast, client_for):
        day = make_day(cast.sp_a)
        make_reading(make_customer(make_route(day)))
        audit = services.draw_audit_sample(actor=cast.supervisor, unit=cast.sp_a, period=PERIOD)
        url = reverse("fieldwork:audit_detail", args=[audit.pk])
        assert client_for(cast.outsider).get(url).status_code == 404


class ArrearsViewTests:
    def test_page_links_to_the_upload_pipeline(self, cast, client_for):
        html = client_for(cast.supervisor).get(reverse("fieldwork:arrears_list")).content
        assert reverse("imports:template_tunggakan").encode() in html

    def test_amounts_read_as_rupiah(self, cast, client_for):
        """Bug #16: the Tunggakan page showed the amount as "600000,00"."""
        arrears(CustomerFactory(unit=cast.sp_a), bills=3, amount="600000.00")
        html = client_for(cast.supervisor).get(reverse("fieldwork:arrears_list")).content.decode()
        assert "Rp 600.000" in html and "600000,00" not in html

    def test_the_excel_keeps_the_amount_a_number_shown_as_rupiah(self, cast, client_for):
        """Issue #20: the amount came out as 600000.00 with the generic number format."""
        arrears(CustomerFactory(unit=cast.sp_a), bills=3, amount="600000.00")
        export = client_for(cast.supervisor).get(reverse("fieldwork:arrears_export"))
        sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
        column = [c.value for c in sheet[1]].index("Jumlah (Rp)")
        cell = sheet.cell(row=2, column=column + 1)
        assert cell.value == 600000
        assert cell.number_format == '"Rp "#,##0'

    def test_tul_vi01_reads_rupiah_and_indonesian_numbers(self, cast, client_for):
        """Issue #20: the notice printed "1300 VA"; the page reads "1.300 VA"."""
        customer = CustomerFactory(unit=cast.sp_a, tariff="R1", power_va=1300)
        a = arrears(customer, bills=3, amount="600000.00")
        response = client_for(cast.supervisor).post(
            reverse("fieldwork:arrears_action"),
            {"action": "print", "selected": [a.pk], "signer": manager_signer(cast).pk},
        )
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        assert "R1 / 1.300 VA" in text
        assert "Rp 600.000" in text

    def test_print_tul_vi01_pdf(self, cast, client_for):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        signer = manager_signer(cast)
        response = client_for(cast.supervisor).post(
            reverse("fieldwork:arrears_action"),
            {"action": "print", "selected": [a.pk], "signer": signer.pk},
        )
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    def test_tul_ii04_for_closed_houses(self, cast, client_for):
        from tests.reading.helpers import anomaly

        day = make_day(cast.sp_a)
        make_reading(make_customer(make_route(day)), anomaly=anomaly("RK", "Rumah kosong"))
        response = client_for(cast.supervisor).get(
            reverse("fieldwork:closed_house_notices"), {"period": PERIOD}
        )
        assert response["Content-Type"] == "application/pdf"

    def test_disconnection_refused_when_paid_shows_message(self, cast, client_for):
        order = disconnection_order(cast)
        services.record_payment(actor=cast.supervisor, customer=order.customer)
        order.refresh_from_db()
        assert order.state == OrderState.FAILED
        response = client_for(cast.officer).get(reverse("fieldwork:order_detail", args=[order.pk]))
        # No ordinary recording; only a cut made before the payment may still be entered.
        assert b"Catat hasil" not in response.content
        assert b'id="late-cut-card"' in response.content

    def test_officer_records_disconnection(self, cast, client_for):
        order = disconnection_order(cast)
        response = client_for(cast.officer).post(
            reverse("fieldwork:order_detail", args=[order.pk]),
            {
                "register_kwh": "1234.5",
                "photo": jpeg(),
                "method": "mcb_sealed",
                "seal_number": "sg-0001",
            },
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.state == OrderState.DONE and order.register_kwh == Decimal("1234.5")

    def test_photo_of_too_many_pixels_is_refused_on_the_form(self, cast, client_for):
        order = disconnection_order(cast)
        response = client_for(cast.officer).post(
            reverse("fieldwork:order_detail", args=[order.pk]),
            {"register_kwh": "1234.5", "photo": huge_png(12000, 12000)},
        )
        assert response.status_code == 200
        [error] = response.context["form"].errors["photo"]
        assert error.startswith('Foto kWh meter "besar.png" terlalu besar: 12000×12000 piksel')
        order.refresh_from_db()
        assert order.state != OrderState.DONE
        assert files_in_media() == []


class DisconnectionDateTests:
    def test_officer_records_the_date_in_local_time(self, cast, client_for):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        order = disconnection_order(cast)
        FieldOrder.objects.filter(pk=order.pk).update(
            issued_at=datetime(2026, 1, 4, tzinfo=ZoneInfo("Asia/Jakarta"))
        )
        order.refresh_from_db()
        client_for(cast.officer).post(
            reverse("fieldwork:order_detail", args=[order.pk]),
            {
                "register_kwh": "10",
                "photo": jpeg(),
                "at": "2026-01-05T08:30",
                "method": "mcb_sealed",
                "seal_number": "SG-1",
            },
        )
        order.refresh_from_db()
        assert order.done_at == datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
        assert Arrears.objects.get().disconnected_at == order.done_at


class CampaignProgressTests:
    def test_progress_per_unit(self, cast, client_for):
        from meterops.customers.models import Customer

        CustomerFactory(unit=cast.sp_a)
        services.create_campaign(
            actor=cast.supervisor,
            unit=cast.sp_a,
            name="Brosur",
            material="brochure",
            customers=Customer.objects.all(),
        )
        response = client_for(cast.supervisor).get(reverse("fieldwork:campaign_list"))
        assert response.context["by_unit"] == [
            {"unit__name": "ULP ALFA SATU", "total": 1, "done": 0, "delivered": 0}
        ]


class RouteMapViewTests:
    def test_points_in_reading_order_with_latest_state(self, cast, client_for):
        day = make_day(cast.sp_a)
        route = make_route(day, code="51354BKC")
        second = make_customer(
            route, sequence=2, latitude=Decimal("-7.6"), longitude=Decimal("112.7")
        )
        make_customer(route, sequence=1, latitude=Decimal("-7.61"), longitude=Decimal("112.71"))
        make_reading(second)
        response = client_for(cast.supervisor).get(
            reverse("fieldwork:route_map"), {"route": route.pk}
        )
        points = response.context["points"]
        assert [p["seq"] for p in points] == [1, 2]
        assert points[1]["state"] == "read" and points[0]["state"] == ""
        assert response.context["tile_url"] == ""

    def test_outsider_cannot_pick_another_units_route(self, cast, client_for):
        route = make_route(make_day(cast.sp_a))
        response = client_for(cast.outsider).get(
            reverse("fieldwork:route_map"), {"route": route.pk}
        )
        assert response.context["route"] is None


class OrderViewTests:
    def test_outsider_gets_404_on_order(self, cast, client_for):
        order = disconnection_order(cast)
        url = reverse("fieldwork:order_detail", args=[order.pk])
        assert client_for(cast.outsider).get(url).status_code == 404

    def test_assign_from_list(self, cast, client_for):
        customer = CustomerFactory(unit=cast.sp_a)
        FieldOrder.objects.create(
            unit=cast.sp_a, customer=customer, kind=OrderKind.NOTICE, issued_by=cast.supervisor
        )
        order = FieldOrder.objects.get()
        client_for(cast.supervisor).post(
            reverse("fieldwork:orders_assign"), {"officer": cast.officer.pk, "selected": [order.pk]}
        )
        order.refresh_from_db()
        assert order.assigned_to == cast.officer


class OrderDetailEveryKindTests:
    @pytest.mark.parametrize("kind", [k for k in OrderKind.values if k != "accuracy_check"])
    def test_officer_sees_the_record_form_of_every_kind(self, cast, client_for, kind):
        customer = CustomerFactory(unit=cast.sp_a)
        order = FieldOrder.objects.create(
            unit=cast.sp_a, customer=customer, kind=kind, issued_by=cast.supervisor
        )
        services.assign_orders(
            actor=cast.supervisor,
            orders=FieldOrder.objects.filter(pk=order.pk),
            officer=cast.officer,
        )
        response = client_for(cast.officer).get(reverse("fieldwork:order_detail", args=[order.pk]))
        assert response.status_code == 200
        assert b'id="record-form"' in response.content


class TileServerTests:
    def test_map_uses_the_configured_tile_server(self, cast, client_for):
        from meterops.core.models import UnitSettings

        UnitSettings.objects.create(
            unit=cast.sp_a, map_tile_url="https://tiles.local/{z}/{x}/{y}.png"
        )
        route = make_route(make_day(cast.sp_a))
        response = client_for(cast.supervisor).get(
            reverse("fieldwork:route_map"), {"route": route.pk}
        )
        assert b'data-tile-url="https://tiles.local/{z}/{x}/{y}.png"' in response.content


class RouteMapLegendTests:
    def test_every_colour_the_map_draws_has_its_legend_entry(self, cast, client_for):
        from meterops.fieldwork.views.routes import STATE_COLOURS

        route = make_route(make_day(cast.sp_a))
        response = client_for(cast.supervisor).get(
            reverse("fieldwork:route_map"), {"route": route.pk}
        )
        legend = response.content.decode().split('id="map-legend"')[1].split("</div>")[0]
        for state in STATE_COLOURS:
            assert f'data-state="{state or "none"}"' in legend
        assert "Diverifikasi vendor" in legend and "Belum disahkan" in legend


class StatusPanelTests:
    def test_cek_status_shows_arrears_and_orders(self, cast, client_for):
        order = disconnection_order(cast)
        response = client_for(cast.supervisor).get(
            reverse("core:status"), {"customer_id": order.customer.customer_id}
        )
        html = response.content.decode()
        assert 'id="fieldwork-status-arrears"' in html and order.reference in html


class PrepaidSamplingPageTests:
    def test_each_customer_without_an_order_is_named_with_its_reason(self, cast, client_for):
        """Before issue #18 the page said "0 order diterbitkan" and no more."""
        prepaid = CustomerFactory(unit=cast.sp_a, payment_mode="prepaid")
        postpaid = CustomerFactory(unit=cast.sp_a)
        client = client_for(cast.supervisor)
        url = reverse("fieldwork:prepaid_sampling")
        first = client.post(url, {"customer_ids": prepaid.customer_id}, follow=True)
        assert "1 order" in first.content.decode()
        ids = f"{prepaid.customer_id}\n{postpaid.customer_id}"
        page = client.post(url, {"customer_ids": ids}, follow=True).content.decode()
        order = FieldOrder.objects.get(customer=prepaid)
        assert f"IDPEL {postpaid.customer_id} tidak diterbitkan: pelanggan pascabayar" in page
        assert (
            f"IDPEL {prepaid.customer_id} tidak diterbitkan: order sampling {order.reference}"
            in page
        )
