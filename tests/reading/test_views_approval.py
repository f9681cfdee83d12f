"""The approver's page (seed 001, issue #19): the readings with their flags and both
verifications, where it opens, its filters and export, and who sees nothing."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from meterops.reading.choices import ApprovalScope, ReadingState
from meterops.reading.models import Reading, ReadingSettings, previous_period
from meterops.reading.services import (
    approve_reading_day,
    verify_readings_as_supervisor,
    verify_readings_as_vendor,
)
from tests.factories import UserFactory

from .helpers import PERIOD, make_approver, make_customer, make_day, make_reading, make_route

SENT = ReadingState.SENT


@pytest.fixture
def verified(cast, day):
    """A reading verified by the vendor admin then the pengawas, through the services."""
    route = make_route(day, "RBM-A1")
    customer = make_customer(route, customer_id="510010000042", name="<b>SITI</b>")
    reading = make_reading(customer)
    vendor = UserFactory(
        username="vera.vendor",
        first_name="Vera",
        contractor=cast.contractor_a,
        roles=["contractor_admin"],
    )
    verify_readings_as_vendor(actor=vendor, readings=Reading.objects.filter(pk=reading.pk))
    verify_readings_as_supervisor(
        actor=cast.supervisor, readings=Reading.objects.filter(pk=reading.pk)
    )
    return reading


def _query(day, **extra):
    return {"reading_day": day.pk, "period": PERIOD, **extra}


class ApproverSeesVerificationsTests:
    """Seed 001: "Memverifikasi hasil verifikasi yang dilakukan oleh Admin Vendor & Pengawas"."""

    def test_lists_each_reading_with_both_verifications(self, client_for, approver, day, verified):
        page = client_for(approver).get("/reading/approvals/", _query(day)).content.decode()
        assert "510010000042" in page
        assert page.count("Diterima") == 2
        assert "Vera" in page

    def test_names_are_escaped(self, client_for, approver, day, verified):
        page = client_for(approver).get("/reading/approvals/", _query(day)).content.decode()
        assert "<b>SITI</b>" not in page
        assert "&lt;b&gt;SITI&lt;/b&gt;" in page

    def test_filters_by_idpel_state_flag_and_rbm(self, client_for, approver, day, verified):
        other = make_reading(make_customer(make_route(day, "RBM-A2")), flag_zero=True)
        client = client_for(approver)

        def shown(**extra):
            page = client.get("/reading/approvals/", _query(day, **extra)).content.decode()
            table = page[page.index('id="approval-table"') :]
            return {
                r.customer.customer_id for r in (verified, other) if r.customer.customer_id in table
            }

        assert shown(customer_id="510010000042") == {"510010000042"}
        assert shown(state="verified") == {"510010000042"}
        assert shown(flag="flag_zero") == {other.customer.customer_id}
        assert shown(route=other.customer.route.pk) == {other.customer.customer_id}

    def test_a_route_of_another_reading_day_is_a_form_error(self, cast, client_for, approver, day):
        elsewhere = make_route(make_day(cast.sp_a, code="B"), "RBM-B1")
        page = client_for(approver).get("/reading/approvals/", _query(day, route=elsewhere.pk))
        assert "tidak ada di hari baca ini" in page.content.decode()

    def test_a_bad_idpel_is_a_form_error_naming_the_field(self, client_for, approver, day):
        response = client_for(approver).get("/reading/approvals/", _query(day, customer_id="<x>"))
        assert response.status_code == 200
        assert "IDPEL hanya angka" in response.content.decode()

    def test_exports_the_filtered_list_as_excel(self, client_for, approver, day, verified):
        response = client_for(approver).get("/reading/approvals/", _query(day, format="xlsx"))
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "IDPEL" and "Verifikasi Pengawas" in rows[0]
        assert rows[1][0] == "510010000042"
        assert rows[1][9] == "Diterima" and rows[1][10] == "Vera"

    def test_another_ulps_approver_sees_nothing(self, cast, client_for, day, verified):
        other = make_approver(cast.sp_b, "spvte.b")
        client = client_for(other)
        page = client.get("/reading/approvals/", _query(day)).content.decode()
        assert "510010000042" not in page
        export = client.get("/reading/approvals/", _query(day, format="xlsx"))
        assert "510010000042" not in export.content.decode(errors="ignore")


class OpensOnPendingPeriodTests:
    def test_opens_on_the_oldest_blth_with_readings_waiting(self, client_for, approver, day):
        route = make_route(day)
        waiting = previous_period(PERIOD)
        make_reading(make_customer(route, 1), period=waiting, state=SENT)
        make_reading(make_customer(route, 2), period=PERIOD, state=SENT)
        page = client_for(approver).get("/reading/approvals/").content.decode()
        assert f"BLTH {waiting}" in page
        assert f'value="{waiting}"' in page

    def test_with_nothing_waiting_asks_to_choose(self, client_for, approver, day):
        page = client_for(approver).get("/reading/approvals/").content.decode()
        assert 'id="nothing-waiting"' in page


class RefusalAndPostingNumberTests:
    def test_refusal_lists_the_customers_and_their_step(self, client_for, approver, day):
        route = make_route(day)
        make_reading(make_customer(route, 1), state=SENT)
        unread = make_customer(route, 2, customer_id="510010000777")
        client = client_for(approver)
        response = client.post("/reading/approvals/approve/", _query(day), follow=True)
        page = response.content.decode()
        assert f"Belum terbaca: {unread.customer_id}" in page
        assert 'id="waiting-table"' in page

    def test_pages_show_the_posting_number_not_its_id(self, client_for, approver, day):
        reading = make_reading(make_customer(make_route(day)), state=SENT)
        posting = approve_reading_day(
            actor=approver, reading_day=day, period=PERIOD
        ).approval.posting
        client = client_for(approver)
        page = client.get("/reading/approvals/", _query(day)).content.decode()
        assert f'<td class="d-none d-lg-table-cell">{posting.number}</td>' in page
        recap = client.get(f"/reading/recaps/reading-days/{day.pk}/", {"period": PERIOD})
        assert posting.number in recap.content.decode()
        assert reading.customer.customer_id in recap.content.decode()


class PerRouteApprovalTests:
    def test_approves_the_chosen_rbm(self, cast, client_for, approver, day):
        ReadingSettings.objects.create(unit=cast.sp_a, approval_scope=ApprovalScope.ROUTE)
        route = make_route(day, "RBM-A1")
        reading = make_reading(make_customer(route), state=SENT)
        client = client_for(approver)
        page = client.get("/reading/approvals/", _query(day)).content.decode()
        assert 'id="choose-route"' in page
        client.post("/reading/approvals/approve/", _query(day, route=route.pk))
        reading.refresh_from_db()
        assert reading.state == ReadingState.APPROVED

    def test_a_route_of_another_unit_gets_404(self, cast, client_for, approver, day):
        ReadingSettings.objects.create(unit=cast.sp_a, approval_scope=ApprovalScope.ROUTE)
        foreign = make_route(make_day(cast.sp_b))
        response = client_for(approver).post(
            "/reading/approvals/approve/", _query(day, route=foreign.pk)
        )
        assert response.status_code == 404

    def test_double_click_posts_each_reading_once(self, client_for, approver, day):
        make_reading(make_customer(make_route(day)), state=SENT)
        client = client_for(approver)
        client.post("/reading/approvals/approve/", _query(day))
        second = client.post("/reading/approvals/approve/", _query(day), follow=True)
        assert "Tidak ada stan belum disahkan" in second.content.decode()
        assert Reading.objects.filter(state=ReadingState.APPROVED).count() == 1
