"""The reading pages: who may open them, and that each calls its service."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from meterops.core.menu import menu_for
from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading, ReadingDay, ReadingSettings
from tests.factories import RouteFactory

from .helpers import (
    PERIOD,
    make_approver,
    make_customer,
    make_day,
    make_reading,
    make_route,
)

SENT = ReadingState.SENT


@pytest.fixture
def route(day):
    return make_route(day, code="RBM-A1")


def _day_query(day):
    return {"reading_day": day.pk, "period": PERIOD}


class MenuTests:
    def test_each_role_sees_its_reading_menus(self, cast, approver):
        def labels(user):
            return {str(e["label"]) for e in menu_for(user, "/")}

        assert {"Unggah Stan Meter", "Verifikasi Baca Meter"} <= labels(cast.vendor_a)
        assert "Pengesahan Stan Meter" not in labels(cast.vendor_a)
        assert "Pengesahan Stan Meter" in labels(approver)
        assert "Parameter Baca Meter" in labels(cast.unit_admin)
        assert not {"Unggah Stan Meter", "RBM & Hari Baca"} & labels(cast.officer)

    def test_every_reading_menu_page_opens(self, cast, client_for, approver):
        for user in (cast.admin, cast.unit_admin, cast.vendor_a, approver):
            client = client_for(user)
            for entry in menu_for(user, "/"):
                if entry["url"].startswith("/reading/"):
                    assert client.get(entry["url"]).status_code == 200, (user, entry["url"])


class ReadingDayListTests:
    def test_supervisor_adds_a_reading_day(self, cast, client_for):
        client = client_for(cast.supervisor)
        response = client.post(
            "/reading/reading-days/",
            {"day-unit": cast.sp_a.pk, "day-code": "B", "day-day_of_month": 9, "day-name": ""},
        )
        assert response.status_code == 302
        assert ReadingDay.objects.get(code="B").history.get().history_user == cast.supervisor

    def test_schedules_a_route(self, cast, client_for, day):
        route = RouteFactory(unit=cast.sp_a)
        client_for(cast.supervisor).post(
            "/reading/reading-days/", {"schedule-route": route.pk, "schedule-reading_day": day.pk}
        )
        assert route.schedule.reading_day == day

    def test_a_contractor_sees_only_its_units_routes(self, cast, client_for, route):
        assert b"RBM-A1" in client_for(cast.vendor_a).get("/reading/reading-days/").content
        assert b"RBM-A1" not in client_for(cast.vendor_b).get("/reading/reading-days/").content

    def test_vendor_can_not_edit(self, cast, client_for):
        response = client_for(cast.vendor_a).post("/reading/reading-days/", {"day-code": "X"})
        assert response.status_code == 403


class RouteDetailTests:
    def test_supervisor_moves_a_customer(self, cast, client_for, route):
        customer = make_customer(route, 1)
        other = make_route(make_day(cast.sp_a, "B"))
        response = client_for(cast.supervisor).post(
            f"/reading/routes/{route.pk}/",
            {"customer_id": customer.customer_id, "route": other.pk, "sequence": 3},
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert (customer.route, customer.route_sequence) == (other, 3)

    def test_outsider_gets_404(self, cast, client_for, route):
        assert client_for(cast.outsider).get(f"/reading/routes/{route.pk}/").status_code == 404


class UploadTests:
    def test_old_upload_address_lands_on_the_pipeline_page(self, cast, client_for):
        response = client_for(cast.vendor_a).get("/reading/uploads/")
        assert response.status_code == 302
        assert response["Location"] == "/imports/stan-meter/"
        assert client_for(cast.vendor_a).get("/imports/stan-meter/").status_code == 200

    def test_supervisor_gets_403(self, cast, client_for):
        assert client_for(cast.supervisor).get("/reading/uploads/").status_code == 403
        assert client_for(cast.supervisor).get("/imports/stan-meter/").status_code == 403


class VerificationTests:
    def test_lists_the_days_readings_with_flags(self, cast, client_for, day, route):
        make_reading(make_customer(route), flag_no_photo=True)
        response = client_for(cast.supervisor).get("/reading/verifications/", _day_query(day))
        assert b"Tanpa foto" in response.content

    def test_vendor_verifies_ticked_readings(self, cast, client_for, day, route):
        reading = make_reading(make_customer(route))
        client_for(cast.vendor_a).post(
            "/reading/verifications/actions/",
            {**_day_query(day), "action": "vendor", "reading": [reading.pk]},
        )
        reading.refresh_from_db()
        assert reading.state == ReadingState.VENDOR_VERIFIED

    def test_supervisor_sends_back_all_flagged_readings(self, cast, client_for, day, route):
        flagged = make_reading(
            make_customer(route, 1), state=ReadingState.VENDOR_VERIFIED, flag_zero=True
        )
        fine = make_reading(make_customer(route, 2), state=ReadingState.VENDOR_VERIFIED)
        client_for(cast.supervisor).post(
            "/reading/verifications/actions/",
            {
                **_day_query(day),
                "flag": "flag_zero",
                "scope": "filtered",
                "action": "reread",
                "reason": "Cek ulang",
            },
        )
        flagged.refresh_from_db(), fine.refresh_from_db()
        assert (flagged.state, fine.state) == ("reread_requested", "vendor_verified")

    def test_supervisor_can_not_send(self, cast, client_for, day):
        response = client_for(cast.supervisor).post(
            "/reading/verifications/actions/", {**_day_query(day), "action": "send"}
        )
        assert response.status_code == 403

    def test_outsider_gets_404(self, cast, client_for, day):
        response = client_for(cast.vendor_b).post(
            "/reading/verifications/actions/", {**_day_query(day), "action": "vendor"}
        )
        assert response.status_code == 404


class ApprovalTests:
    def test_shows_the_counts_and_approves_with_sukses(
        self, cast, client_for, approver, day, route
    ):
        make_reading(make_customer(route), state=SENT, hours_on=Decimal(10))
        client = client_for(approver)
        page = client.get("/reading/approvals/", _day_query(day)).content.decode()
        assert 'data-count="pending">1<' in page
        response = client.post("/reading/approvals/approve/", _day_query(day), follow=True)
        assert "Sukses: 1 pelanggan disahkan" in response.content.decode()
        assert 'data-count="approved">1<' in response.content.decode()

    def test_cancels_one_customer(self, cast, client_for, approver, day, route):
        reading = make_reading(make_customer(route), state=SENT)
        client = client_for(approver)
        client.post("/reading/approvals/approve/", _day_query(day))
        reading.refresh_from_db()
        client.post(
            "/reading/approvals/cancel/",
            {**_day_query(day), "reading": reading.pk, "reason": "salah"},
        )
        reading.refresh_from_db()
        assert reading.state == SENT

    def test_posting_file_has_header_lines_and_trailer(self, client_for, approver, day, route):
        customer = make_customer(route)
        make_reading(customer, state=SENT, consumption_kwh=Decimal("150.5"))
        client = client_for(approver)
        client.post("/reading/approvals/approve/", _day_query(day))
        posting = Reading.objects.get().posting
        lines = b"".join(client.get(f"/reading/postings/{posting.pk}/file/").streaming_content)
        lines = lines.decode().splitlines()
        assert lines[0].startswith(f"H{posting.number}")
        assert lines[1].startswith(f"D{customer.customer_id}{PERIOD}+000000100000+000000015050")
        assert lines[2] == "T00000001"

    def test_supervisor_gets_403(self, cast, client_for, day):
        assert client_for(cast.supervisor).get("/reading/approvals/").status_code == 403

    def test_approver_of_another_ulp_gets_404(self, cast, client_for, day):
        other = make_approver(cast.sp_b, "spvte.b")
        response = client_for(other).post("/reading/approvals/approve/", _day_query(day))
        assert response.status_code == 404


class RecapTests:
    def test_counts_sudah_and_belum_disahkan_and_drills_down(self, cast, client_for, day, route):
        make_reading(make_customer(route, 1), state=ReadingState.APPROVED)
        make_customer(route, 2)
        client = client_for(cast.supervisor)
        response = client.get("/reading/recaps/", {"period": PERIOD})
        row = response.context["rows"][0]
        assert (row["to_read"], row["approved"], row["not_approved"]) == (2, 1, 1)
        detail = client.get(
            f"/reading/recaps/reading-days/{day.pk}/", {"period": PERIOD, "state": "not_approved"}
        )
        assert "Belum terbaca" in detail.content.decode()

    def test_exports_excel(self, cast, client_for, day, route):
        make_customer(route)
        response = client_for(cast.supervisor).get(
            "/reading/recaps/", {"period": PERIOD, "format": "xlsx"}
        )
        sheet = load_workbook(BytesIO(response.content)).active
        assert [c.value for c in sheet[2]][:4] == ["ULP ALFA SATU", "A", 15, 1]

    def test_outsider_gets_404_on_the_drill_down(self, cast, client_for, day):
        response = client_for(cast.outsider).get(f"/reading/recaps/reading-days/{day.pk}/")
        assert response.status_code == 404


class CustomerReadingsTests:
    def test_shows_each_readings_history(self, cast, client_for, route):
        reading = make_reading(make_customer(route))
        response = client_for(cast.supervisor).get(
            f"/reading/customers/{reading.customer_id}/readings/"
        )
        assert f"BLTH {PERIOD}" in response.content.decode()

    def test_outsider_gets_404(self, cast, client_for, route):
        customer = make_customer(route)
        response = client_for(cast.outsider).get(f"/reading/customers/{customer.pk}/readings/")
        assert response.status_code == 404


class SettingsTests:
    def test_unit_admin_saves_the_factor(self, cast, client_for):
        client = client_for(cast.unit_admin)
        client.post(
            f"/reading/settings/?unit={cast.sp_a.pk}",
            {
                "average_factor": "2.5",
                "window_days": 3,
                "register_digits": 6,
                "approval_scope": "reading_day",
                "supervisor_verification_required": "on",
            },
        )
        assert ReadingSettings.objects.get(unit=cast.sp_a).average_factor == Decimal("2.5")

    def test_supervisor_gets_403(self, cast, client_for):
        assert client_for(cast.supervisor).get("/reading/settings/").status_code == 403

    def test_a_unit_outside_reach_gets_404(self, cast, client_for):
        response = client_for(cast.unit_admin).get(f"/reading/settings/?unit={cast.sp_b.pk}")
        assert response.status_code == 404
