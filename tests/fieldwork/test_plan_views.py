"""Jadwal & Target Petugas and Cetak Daftar Kunjungan (seed 004 §IV "Penyusunan jadwal
pelaksanaan & target per petugas", §V "Membawa daftar pelanggan yang akan dikunjungi, sesuai
form"): who opens them, what they show and refuse."""

import io
from datetime import timedelta

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from meterops.core.menu import menu_for
from meterops.fieldwork import services
from meterops.fieldwork.choices import OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder, OfficerTarget
from tests.factories import CustomerFactory, RouteFactory

pytestmark = pytest.mark.django_db
PLAN = reverse("fieldwork:officer_plan")
PRINT = reverse("fieldwork:visit_list_print")


def _day(offset=0):
    return timezone.localdate(timezone.now()) + timedelta(days=offset)


def _planned(cast, officer=None, day=None, n=1, **customer):
    orders = [
        FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=CustomerFactory(unit=cast.sp_a, **customer),
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        for _ in range(n)
    ]
    services.assign_orders(
        actor=cast.supervisor,
        orders=FieldOrder.objects.filter(pk__in=[o.pk for o in orders]),
        officer=officer or cast.officer,
        planned_on=day or _day(),
    )
    return orders


def _print(client, cast, officer, day, unit=None):
    return client.get(
        PRINT,
        {"unit": (unit or cast.sp_a).pk, "visit-officer": officer.pk, "visit-day": day.isoformat()},
    )


class OfficerPlanPageTests:
    def test_menu_offers_the_page_to_planners_only(self, cast):
        labels = {e["label"] for e in menu_for(cast.supervisor, "/")}
        assert "Jadwal & Target Petugas" in labels
        assert "Jadwal & Target Petugas" in {e["label"] for e in menu_for(cast.vendor_a, "/")}
        assert "Jadwal & Target Petugas" not in {e["label"] for e in menu_for(cast.officer, "/")}

    def test_officer_is_refused(self, cast, client_for):
        assert client_for(cast.officer).get(PLAN).status_code == 403

    def test_set_a_target_then_see_plan_against_done(self, cast, client_for):
        client = client_for(cast.supervisor)
        today = _day()
        response = client.post(
            PLAN,
            {
                "target-officer": cast.officer.pk,
                "target-kind": OrderKind.NOTICE,
                "target-first_day": today.isoformat(),
                "target-last_day": today.isoformat(),
                "target-target": 1200,
            },
        )
        assert response.status_code == 200 and not OfficerTarget.objects.exists()  # over 500
        response = client.post(
            PLAN,
            {
                "target-officer": cast.officer.pk,
                "target-kind": OrderKind.NOTICE,
                "target-first_day": today.isoformat(),
                "target-last_day": today.isoformat(),
                "target-target": 1500 // 100,
            },
        )
        assert response.status_code == 302
        _planned(cast, n=3)
        html = client.get(PLAN).content.decode()
        assert "tersimpan untuk 1 hari" in html
        row = html.split('id="plan-table"')[1].split("</table>")[0]
        assert "Penyampaian informasi" in row and ">15<" in row and ">3<" in row

    def test_a_bad_range_names_the_field_and_stores_nothing(self, cast, client_for):
        response = client_for(cast.supervisor).post(
            PLAN,
            {
                "target-officer": cast.officer.pk,
                "target-kind": OrderKind.NOTICE,
                "target-first_day": _day(3).isoformat(),
                "target-last_day": _day(1).isoformat(),
                "target-target": 5,
            },
        )
        assert response.status_code == 200
        assert "Tanggal akhir sebelum tanggal awal" in response.content.decode()
        assert not OfficerTarget.objects.exists()

    def test_another_units_ulp_is_not_offered(self, cast, client_for):
        response = client_for(cast.outsider).get(
            PLAN,
            {"unit": cast.sp_a.pk, "first_day": _day().isoformat(), "last_day": _day().isoformat()},
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Realisasi ULP BETA SATU" in html and "Realisasi ULP ALFA SATU" not in html

    def test_contractor_is_offered_only_its_own_officers(self, cast, client_for, vendor_officer):
        html = client_for(cast.vendor_a).get(PLAN).content.decode()
        assert "petugas.vendor.a" in html and "petugas.a<" not in html

    def test_queries_do_not_grow_with_officers_and_orders(self, cast, client_for):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.factories import UserFactory

        client = client_for(cast.supervisor)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(PLAN).status_code == 200
            return len(queries)

        _planned(cast)
        one = count()
        for n in range(3):
            officer = UserFactory(username=f"petugas.x{n}", unit=cast.sp_a, roles=["field_officer"])
            _planned(cast, officer=officer, n=2)
        assert count() == one

    def test_counts_read_the_indonesian_way(self, cast, client_for):
        OfficerTarget.objects.create(
            unit=cast.sp_a,
            officer=cast.officer,
            day=_day(),
            kind=OrderKind.NOTICE,
            target=1500,
            set_by=cast.supervisor,
        )
        assert ">1.500<" in client_for(cast.supervisor).get(PLAN).content.decode()


class ContractorOrdersTests:
    def test_a_contractor_sees_unassigned_orders_and_its_own_not_anothers(
        self, cast, client_for, vendor_officer
    ):
        [own] = _planned(cast, officer=vendor_officer)
        [pln] = _planned(cast)
        free = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=CustomerFactory(unit=cast.sp_a),
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        client = client_for(cast.vendor_a)
        html = client.get(reverse("fieldwork:order_list")).content.decode()
        assert own.reference in html and free.reference in html
        assert pln.reference not in html
        detail = reverse("fieldwork:order_detail", args=[pln.pk])
        assert client.get(detail).status_code == 404


class AssignWithDayTests:
    def _assign(self, client, cast, order, day):
        return client.post(
            reverse("fieldwork:orders_assign"),
            {"officer": cast.officer.pk, "planned_on": day, "selected": [order.pk]},
            follow=True,
        )

    def test_order_list_assigns_with_the_visit_day(self, cast, client_for):
        order = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=CustomerFactory(unit=cast.sp_a),
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        client = client_for(cast.supervisor)
        html = self._assign(client, cast, order, _day(1).isoformat()).content.decode()
        assert "1 order ditugaskan" in html and f"{_day(1):%d-%m-%Y}" in html
        order.refresh_from_db()
        assert order.planned_on == _day(1)

    def test_a_past_day_is_refused_with_the_reason(self, cast, client_for):
        order = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=CustomerFactory(unit=cast.sp_a),
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        html = self._assign(client_for(cast.supervisor), cast, order, _day(-1).isoformat())
        assert "sudah lewat" in html.content.decode()
        order.refresh_from_db()
        assert order.state == OrderState.ISSUED and order.planned_on is None

    def test_a_malformed_day_is_named(self, cast, client_for):
        order = FieldOrder.objects.create(
            unit=cast.sp_a,
            customer=CustomerFactory(unit=cast.sp_a),
            kind=OrderKind.NOTICE,
            issued_by=cast.supervisor,
        )
        html = self._assign(client_for(cast.supervisor), cast, order, "31-02-2026")
        assert "tanggal yang valid" in html.content.decode().lower()
        order.refresh_from_db()
        assert order.state == OrderState.ISSUED


class VisitListPrintTests:
    def test_pdf_lists_the_days_customers_in_route_order_with_the_form(self, cast, client_for):
        route = RouteFactory(unit=cast.sp_a, code="51354BKC")
        _planned(cast, route=route, route_sequence=2, name="BUDI", power_va=2200)
        _planned(cast, route=route, route_sequence=1, name="ASEP", power_va=1300)
        _planned(cast, day=_day(1), name="ESOK")  # another day: not on this list
        response = _print(client_for(cast.supervisor), cast, cast.officer, _day())
        assert response["Content-Type"] == "application/pdf"
        pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
        text = " ".join(" ".join(page.extract_text() for page in pages).split())
        assert "DAFTAR PELANGGAN YANG AKAN DIKUNJUNGI" in text
        assert text.index("ASEP") < text.index("BUDI") and "ESOK" not in text
        assert "1.300 VA" in text and "2.200 VA" in text
        for column in ("Informasi dari pelanggan", "Keterangan", "Paraf / tanda tangan"):
            assert column in text

    def test_officer_prints_their_own_list_not_anothers(self, cast, client_for, vendor_officer):
        _planned(cast)
        _planned(cast, officer=vendor_officer)
        client = client_for(cast.officer)
        assert _print(client, cast, cast.officer, _day())["Content-Type"] == "application/pdf"
        assert _print(client, cast, vendor_officer, _day()).status_code == 404

    def test_another_unit_gets_404(self, cast, client_for):
        _planned(cast)
        assert _print(client_for(cast.outsider), cast, cast.officer, _day()).status_code == 404

    def test_a_contractor_cannot_print_another_companys_officer(self, cast, client_for):
        _planned(cast)
        assert _print(client_for(cast.vendor_a), cast, cast.officer, _day()).status_code == 404

    def test_a_guessed_unit_gets_404(self, cast, client_for):
        response = client_for(cast.supervisor).get(
            PRINT, {"unit": 999999, "visit-officer": cast.officer.pk, "visit-day": "2026-01-01"}
        )
        assert response.status_code == 404

    def test_a_day_without_plan_says_so(self, cast, client_for):
        response = _print(client_for(cast.supervisor), cast, cast.officer, _day(5))
        assert response.status_code == 302
        html = client_for(cast.supervisor).get(response.url).content.decode()
        assert "Belum ada order yang direncanakan" in html

    def test_an_officer_without_a_plan_is_sent_to_the_orders(self, cast, client_for):
        response = _print(client_for(cast.officer), cast, cast.officer, _day(5))
        assert response.status_code == 302 and response.url == reverse("fieldwork:order_list")

    def test_a_malformed_day_is_named(self, cast, client_for):
        client = client_for(cast.supervisor)
        response = client.get(
            PRINT, {"unit": cast.sp_a.pk, "visit-officer": cast.officer.pk, "visit-day": "x"}
        )
        assert response.status_code == 302
        assert "Isi tanggal kunjungan yang benar" in client.get(response.url).content.decode()
