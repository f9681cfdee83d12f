"""The approver's page (seed 001, issue #19): the readings with their flags and both
verifications, where it opens, its filters and export, and who sees nothing."""

import html
import re
from io import BytesIO

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from meterops.core.choices import TimeZoneName
from meterops.core.models import UnitSettings
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

    def test_with_nothing_waiting_opens_the_current_blth_of_the_units_zone(
        self, cast, client_for, approver, day
    ):
        """Issue #20: it opened empty. 16:30 UTC on 31 March is already April in WIT."""
        UnitSettings.objects.create(unit=cast.sp_a, time_zone=TimeZoneName.WIT)
        client = client_for(approver)
        with freeze_time("2026-03-31 16:30:00"):
            page = client.get("/reading/approvals/").content.decode()
        assert 'id="nothing-waiting"' in page
        assert f"Hari baca {day} · BLTH 202604" in html.unescape(page)
        assert 'value="202604"' in page

    def test_lists_the_days_waiting_with_counts_each_a_link(self, cast, client_for, approver, day):
        """Issue #20: no hint of which days were pending."""
        other_day = make_day(cast.sp_a, code="B", day_of_month=20)
        route, other_route = make_route(day), make_route(other_day)
        waiting = previous_period(PERIOD)
        make_reading(make_customer(route, 1), period=waiting, state=SENT)
        make_reading(make_customer(route, 2), period=waiting, state=SENT, flag_hours_on=True)
        make_reading(make_customer(other_route, 1), period=PERIOD, state=SENT)
        page = client_for(approver).get("/reading/approvals/").content.decode()
        table = page[page.index('id="pending-days-table"') : page.index("</table>")]
        rows = [
            html.unescape(re.sub(r"<[^>]+>", " ", row)).split()
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
        ]
        assert rows == [
            [*str(day).split(), waiting, "2", "1"],
            [*str(other_day).split(), PERIOD, "1", "0"],
        ]
        assert f'href="?reading_day={other_day.pk}&amp;period={PERIOD}"' in table
        assert table.count('aria-current="true"') == 1  # the day shown, the oldest

    def test_another_ulps_approver_sees_no_day_waiting(self, cast, client_for, day):
        make_reading(make_customer(make_route(day)), state=SENT)
        page = client_for(make_approver(cast.sp_b, "spvte.b")).get("/reading/approvals/")
        assert 'id="nothing-waiting"' in page.content.decode()
        assert 'id="pending-days-table"' not in page.content.decode()


class ConfirmationTests:
    """Issue #20: Sah/Setuju and Kirim ke AP2T ask first, naming the day and the count."""

    def test_sah_setuju_names_the_readings_it_approves_and_those_held(
        self, client_for, approver, day
    ):
        route = make_route(day)
        for n in (1, 2):
            make_reading(make_customer(route, n), state=SENT)
        make_reading(make_customer(route, 3), state=SENT, flag_hours_on=True)
        page = html.unescape(
            client_for(approver).get("/reading/approvals/", _query(day)).content.decode()
        )
        assert (
            f'data-confirm="Sahkan 2 stan hari baca {day} BLTH {PERIOD} ke posting 1 fungsi 2?'
            ' 1 stan tertahan (jam nyala / stan ganti meter) tidak ikut disahkan."' in page
        )

    def test_kirim_ke_ap2t_names_the_day_and_the_verified_readings(self, cast, client_for, day):
        route = make_route(day)
        make_reading(make_customer(route, 1), state=ReadingState.VERIFIED)
        make_reading(make_customer(route, 2), state=ReadingState.VERIFIED)
        make_reading(make_customer(route, 3), state=ReadingState.READ)
        page = client_for(cast.vendor_a).get("/reading/verifications/", _query(day))
        text = html.unescape(page.content.decode())
        assert (
            f'data-confirm="Kirim 2 stan terverifikasi hari baca {day} BLTH {PERIOD} ke AP2T'
            ' untuk disahkan?"' in text
        )
        assert 'data-confirm-total="3"' in text  # "Semua sesuai filter" asks for all three


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
