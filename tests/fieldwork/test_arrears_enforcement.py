"""Arrears enforcement as seed 004 §VI writes it: the signed TUL VI-01 first, how the meter is
cut, the reports by H+1, which company answers for a customer, and one time zone per rule.
Payments are in test_payments.py."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from meterops.core.errors import InvalidInput, NotAllowed, WrongState
from meterops.core.models import UnitSettings
from meterops.fieldwork import services
from meterops.fieldwork.choices import DisconnectionMethod, OrderKind, OrderState, SignerRole
from meterops.fieldwork.models import Arrears, FieldOrder, NoticeSigner
from tests.factories import CustomerFactory, UserFactory
from tests.fieldwork.helpers import (
    arrears,
    disconnect,
    disconnection_order,
    manager_signer,
    order_for,
    print_notice,
)

WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")


class SignedNoticeFirstTests:
    """ "Membawa Surat Pemberitahuan Pemutusan Sementara (TUL Vl-01) yang telah ditandatangani
    Manajer Unit atau pejabat Yang Ditunjuk"."""

    def test_no_disconnection_order_without_the_printed_signed_notice(self, cast):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=3)
        with pytest.raises(WrongState, match="TUL VI-01 yang ditandatangani"):
            services.issue_disconnection_orders(
                actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk)
            )
        assert not FieldOrder.objects.exists()
        print_notice(cast, Arrears.objects.filter(pk=a.pk))
        assert order_for(cast, a).state == OrderState.ASSIGNED

    def test_the_notice_carries_the_chosen_signer_not_whoever_clicked(self, cast):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        signer = manager_signer(cast)
        [printed] = services.mark_disconnection_notices_printed(
            actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk), signer=signer
        )
        assert printed.notice_signer == signer
        title, name = services.signature_block(signer)
        assert title == "Manajer ULP ALFA SATU" and name.startswith("Manajer ULP ALFA SATU")
        event = a.customer.events.get(verb="fieldwork.tul_vi01_printed")
        assert signer.name in event.note

    def test_printing_without_a_signer_is_refused_and_marks_nothing(self, cast):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        with pytest.raises(InvalidInput) as refused:
            services.mark_disconnection_notices_printed(
                actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk), signer=None
            )
        assert refused.value.field == "signer"
        a.refresh_from_db()
        assert a.notice_printed_at is None

    def test_a_signer_of_another_ulp_cannot_sign_for_this_one(self, cast):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        other = manager_signer(cast, unit=cast.sp_a2)
        with pytest.raises(InvalidInput, match="bukan penanda tangan untuk ULP ALFA SATU"):
            services.mark_disconnection_notices_printed(
                actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk), signer=other
            )

    def test_a_retired_signer_signs_nothing_new(self, cast):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        signer = manager_signer(cast)
        services.retire_signer(actor=cast.unit_admin, signer=signer)
        with pytest.raises(InvalidInput, match="tidak aktif"):
            services.mark_disconnection_notices_printed(
                actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk), signer=signer
            )

    def test_a_designated_official_needs_his_designation_letter(self, cast):
        with pytest.raises(InvalidInput) as refused:
            services.designate_signer(
                actor=cast.unit_admin,
                unit=cast.sp_a,
                role=SignerRole.DESIGNATED,
                name="Budi",
                position="Supervisor Pelayanan",
            )
        assert refused.value.field == "designation_letter"
        signer = services.designate_signer(
            actor=cast.unit_admin,
            unit=cast.sp_a,
            role=SignerRole.DESIGNATED,
            name="Budi",
            position="Supervisor Pelayanan",
            designation_letter="0012/SDM.01/ULP-A/2026",
        )
        title, _name = services.signature_block(signer)
        assert title.startswith("a.n. Manajer ULP ALFA SATU") and "0012/SDM.01" in title

    def test_one_active_manager_per_unit(self, cast):
        manager_signer(cast)
        with pytest.raises(WrongState, match="sudah punya Manajer Unit"):
            services.designate_signer(
                actor=cast.unit_admin,
                unit=cast.sp_a,
                role=SignerRole.MANAGER,
                name="Kedua",
                position="Manajer",
            )

    def test_only_admins_keep_signers_and_only_in_their_units(self, cast):
        with pytest.raises(NotAllowed):
            services.designate_signer(
                actor=cast.supervisor,
                unit=cast.sp_a,
                role=SignerRole.MANAGER,
                name="X",
                position="Manajer",
            )
        with pytest.raises(Exception, match="di luar wilayah"):
            services.designate_signer(
                actor=cast.unit_admin,
                unit=cast.sp_b,
                role=SignerRole.MANAGER,
                name="X",
                position="Manajer",
            )

    def test_recording_refused_for_an_order_whose_notice_was_never_printed(self, cast):
        """An order issued before the rule held (or whose notice was reset) is not cut."""
        order = disconnection_order(cast)
        Arrears.objects.filter(pk=order.arrears_id).update(
            notice_printed_at=None, notice_signer=None
        )
        with pytest.raises(WrongState, match="TUL VI-01 yang ditandatangani"):
            disconnect(order, cast.officer)
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED

    def test_new_arrears_after_a_payment_need_a_new_notice(self, cast):
        order = disconnection_order(cast)
        services.record_payment(actor=cast.supervisor, customer=order.customer)
        again = services.ArrearsRow(2, order.customer.customer_id, 2, Decimal(300_000))
        services.apply_arrears_batch(actor=cast.supervisor, rows=[again])
        a = Arrears.objects.get()
        assert a.notice_printed_at is None and a.notice_signer is None
        with pytest.raises(WrongState, match="TUL VI-01"):
            services.issue_disconnection_orders(
                actor=cast.supervisor, arrears=Arrears.objects.all()
            )


class SignerPageTests:
    def test_unit_admin_adds_a_signer_and_the_print_offers_it(self, cast, client_for):
        client = client_for(cast.unit_admin)
        response = client.post(
            reverse("fieldwork:signer_list"),
            {
                "unit": cast.sp_a.pk,
                "role": "manager",
                "name": "Ir. <b>Sutrisno</b>",
                "position": "Manajer ULP Alfa Satu",
                "employee_number": "8406001Z",
            },
        )
        assert response.status_code == 302
        html = client.get(reverse("fieldwork:signer_list")).content.decode()
        assert "Ir. &lt;b&gt;Sutrisno&lt;/b&gt;" in html and "<b>Sutrisno" not in html
        arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        page = client_for(cast.supervisor).get(reverse("fieldwork:arrears_list"))
        assert "Sutrisno" in page.content.decode()

    def test_designated_without_letter_names_the_field(self, cast, client_for):
        response = client_for(cast.unit_admin).post(
            reverse("fieldwork:signer_list"),
            {"unit": cast.sp_a.pk, "role": "designated", "name": "Budi", "position": "SPV"},
        )
        assert response.status_code == 200
        assert "surat penunjukan" in str(response.context["form"].errors["designation_letter"])
        assert not NoticeSigner.objects.exists()

    def test_another_unit_sees_no_signer_and_cannot_print_with_one(self, cast, client_for):
        signer = manager_signer(cast)
        html = client_for(cast.outsider).get(reverse("fieldwork:signer_list")).content.decode()
        assert signer.name not in html
        theirs = arrears(CustomerFactory(unit=cast.sp_b), bills=2)
        response = client_for(cast.outsider).post(
            reverse("fieldwork:arrears_action"),
            {"action": "print", "selected": [theirs.pk], "signer": signer.pk},
            follow=True,
        )
        assert "Pilih penanda tangan" in response.content.decode()
        theirs.refresh_from_db()
        assert theirs.notice_printed_at is None
        retire = client_for(cast.outsider_admin).post(
            reverse("fieldwork:signer_retire", args=[signer.pk])
        )
        assert retire.status_code == 404

    def test_the_pdf_is_signed_by_the_chosen_signer(self, cast, client_for):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        signer = manager_signer(cast)
        response = client_for(cast.supervisor).post(
            reverse("fieldwork:arrears_action"),
            {"action": "print", "selected": [a.pk], "signer": signer.pk},
        )
        assert response["Content-Type"] == "application/pdf"
        import io

        from pypdf import PdfReader

        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        assert "Manajer ULP ALFA SATU" in text and "8406001Z" in text
        assert cast.supervisor.username not in text


class HowTheMeterIsCutTests:
    """ "Melakukan pemutusan sementara dengan cara meng Off kan sakelar MCB dan di segel";
    "Pemutusan sementara dengan membuka segel OA Kas dan memutus Lewat SR, tidak
    diperkenankan"."""

    def test_cutting_at_the_service_line_is_refused_with_the_seed_reason(self, cast):
        order = disconnection_order(cast)
        with pytest.raises(InvalidInput) as refused:
            disconnect(order, cast.officer, method=DisconnectionMethod.SR_CUT)
        assert refused.value.field == "method"
        assert "memutus lewat SR tidak diperkenankan" in str(refused.value.message)
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED
        assert Arrears.objects.get().disconnected_at is None

    def test_the_seal_number_is_required(self, cast):
        order = disconnection_order(cast)
        for seal in ("", "  ", "A", "<script>"):
            with pytest.raises(InvalidInput) as refused:
                disconnect(order, cast.officer, seal_number=seal)
            assert refused.value.field == "seal_number"

    def test_method_and_seal_are_kept_with_the_photo(self, cast):
        order = disconnection_order(cast)
        disconnect(order, cast.officer, seal_number=" sg-2026/0041 ")
        order.refresh_from_db()
        assert order.disconnection_method == DisconnectionMethod.MCB_SEALED
        assert order.seal_number == "SG-2026/0041" and order.photo

    def test_the_web_form_answers_the_forbidden_method_on_its_field(self, cast, client_for):
        from tests.fieldwork.helpers import jpeg

        order = disconnection_order(cast)
        response = client_for(cast.officer).post(
            reverse("fieldwork:order_detail", args=[order.pk]),
            {"register_kwh": "10", "photo": jpeg(), "method": "sr_cut", "seal_number": "SG-1"},
            follow=True,
        )
        assert "tidak diperkenankan" in response.content.decode()
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED


class ReportByHPlusOneTests:
    """ "Melaporkan hasil pelaksanaan pemutusan dan penyambungan kembali max pada hari
    (H+1)"."""

    def test_the_rule_counts_days_in_the_units_zone(self):
        done = datetime(2026, 3, 2, 22, 0, tzinfo=WIB)  # Monday evening in WIB
        assert not services.report_is_late(
            done_at=done, reported_at=datetime(2026, 3, 3, 23, 59, tzinfo=WIB), zone="Asia/Jakarta"
        )
        assert services.report_is_late(
            done_at=done, reported_at=datetime(2026, 3, 4, 0, 0, tzinfo=WIB), zone="Asia/Jakarta"
        )
        # The same evening is already Tuesday 00:00 in WIT: its H+1 ends a day later.
        assert not services.report_is_late(
            done_at=done, reported_at=datetime(2026, 3, 4, 0, 30, tzinfo=WIB), zone="Asia/Jayapura"
        )

    def test_a_result_sent_two_days_later_is_flagged_on_order_and_dashboard(self, cast, client_for):
        order = disconnection_order(cast)
        done = timezone.now() - timedelta(days=3)
        FieldOrder.objects.filter(pk=order.pk).update(issued_at=done - timedelta(hours=1))
        order.refresh_from_db()
        disconnect(order, cast.officer, at=done)
        order.refresh_from_db()
        assert order.reported_late is True and order.done_at == done
        event = order.customer.events.get(verb="fieldwork.disconnected")
        assert "Laporan terlambat dari H+1" in event.note
        html = client_for(cast.supervisor).get(reverse("core:dashboard")).content.decode()
        assert 'id="fieldwork-late-report-count" class="text-danger">1<' in html
        assert order.reference in html

    def test_a_result_sent_the_same_day_is_on_time(self, cast, client_for):
        order = disconnection_order(cast)
        disconnect(order, cast.officer)
        order.refresh_from_db()
        assert order.reported_late is False and order.reported_at is not None
        html = (
            client_for(cast.supervisor)
            .get(reverse("fieldwork:order_detail", args=[order.pk]))
            .content.decode()
        )
        next_day = timezone.localtime(order.done_at, WIB).date() + timedelta(days=1)
        assert f"batas lapor {next_day:%d-%m-%Y} 23:59 WIB" in html


class ResponsibilityTests:
    """ "Pelanggan dengan tunggakan >= 2 lembar yang belum pernah dilakukan pemutusan sementara
    tetap menjadi tanggung jawab Perusahaan lain"."""

    def test_uncut_two_lembar_belong_to_the_vendor_cut_ones_to_the_ulp(self, cast, client_for):
        uncut = arrears(CustomerFactory(unit=cast.sp_a), bills=2, amount="200000")
        one = arrears(CustomerFactory(unit=cast.sp_a), bills=1, amount="100000")
        order = disconnection_order(cast, bills=3)
        disconnect(order, cast.officer)
        html = client_for(cast.supervisor).get(reverse("fieldwork:arrears_list"), {"min": "0"})
        text = html.content.decode()
        rows = {a.customer.customer_id: a.responsible for a in html.context["page"]}
        assert rows[uncut.customer.customer_id] == "Vendor pemutus: PT Vendor Alfa"
        assert rows[one.customer.customer_id] == "ULP ULP ALFA SATU"
        assert rows[order.customer.customer_id] == "ULP ULP ALFA SATU"
        summary = {r["party"]: r for r in html.context["summary"]}
        assert summary["Vendor pemutus: PT Vendor Alfa"]["customers"] == 1
        assert summary["ULP ULP ALFA SATU"]["customers"] == 2
        assert "Rp 200.000" in text

    def test_the_vendor_whose_officer_holds_the_order_answers(
        self, cast, client_for, vendor_officer
    ):
        a = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        print_notice(cast, Arrears.objects.filter(pk=a.pk))
        services.issue_disconnection_orders(
            actor=cast.supervisor, arrears=Arrears.objects.filter(pk=a.pk)
        )
        services.assign_orders(
            actor=cast.vendor_a,
            orders=FieldOrder.objects.filter(arrears=a),
            officer=vendor_officer,
        )
        page = client_for(cast.supervisor).get(reverse("fieldwork:arrears_list")).context["page"]
        assert [x.responsible for x in page] == ["Vendor pemutus: PT Vendor Alfa"]

    def test_the_excel_report_names_the_party_and_filters(self, cast, client_for):
        import io

        from openpyxl import load_workbook

        uncut = arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        arrears(CustomerFactory(unit=cast.sp_a), bills=1)
        response = client_for(cast.supervisor).get(
            reverse("fieldwork:arrears_export"), {"min": "0", "responsible": "vendor"}
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][-1] == "Tanggung jawab"
        assert [(r[0], r[-1]) for r in rows[1:]] == [
            (uncut.customer.customer_id, "Vendor pemutus: PT Vendor Alfa")
        ]

    def test_another_unit_gets_nothing(self, cast, client_for):
        arrears(CustomerFactory(unit=cast.sp_a), bills=2)
        response = client_for(cast.outsider).get(reverse("fieldwork:arrears_export"), {"min": "0"})
        import io

        from openpyxl import load_workbook

        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[1:] == []
        page = client_for(cast.outsider).get(reverse("fieldwork:arrears_list"))
        assert list(page.context["page"]) == [] and page.context["summary"] == []


class OneZonePerRuleTests:
    """Bongkar rampung ">= 3 lembar ... setelah 60 hari sejak tanggal pemutusan sementara",
    counted in the customer's unit's zone on the list, the dashboard and the order alike."""

    def test_a_wib_manager_sees_a_wit_customer_as_the_order_will_judge_it(self, cast, client_for):
        UnitSettings.objects.create(unit=cast.sp_a2, time_zone="Asia/Jayapura")
        customer = CustomerFactory(unit=cast.sp_a2)
        # Cut at 00:30 WIT on 1 March (22:30 WIB on 28 February); on 29 April at 12:00 (both
        # zones' same day) WIT counts 59 days, WIB would count 60.
        a = arrears(customer, bills=3, disconnected_at=datetime(2026, 3, 1, 0, 30, tzinfo=WIT))
        manager = UserFactory(unit=cast.area_a, roles=["supervisor"])
        with freeze_time(datetime(2026, 4, 29, 12, 0, tzinfo=WIT)):
            page = client_for(manager).get(reverse("fieldwork:arrears_list"), {"min": "0"})
            [row] = page.context["page"]
            assert row.eligible_dismantling is False
            dashboard = client_for(manager).get(reverse("core:dashboard")).content.decode()
            assert customer.customer_id not in dashboard.split('id="fieldwork-dismantling"')[1]
            with pytest.raises(WrongState):
                services.issue_dismantling_orders(
                    actor=manager, arrears=Arrears.objects.filter(pk=a.pk)
                )
        with freeze_time(datetime(2026, 4, 30, 12, 0, tzinfo=WIT)):
            page = client_for(manager).get(reverse("fieldwork:arrears_list"), {"min": "0"})
            assert page.context["page"][0].eligible_dismantling is True
            assert (
                services.issue_dismantling_orders(
                    actor=manager, arrears=Arrears.objects.filter(pk=a.pk)
                )
                == 1
            )

    def test_dates_on_the_list_read_in_the_customers_zone(self, cast, client_for):
        UnitSettings.objects.create(unit=cast.sp_a2, time_zone="Asia/Jayapura")
        arrears(
            CustomerFactory(unit=cast.sp_a2),
            bills=3,
            disconnected_at=datetime(2026, 3, 1, 0, 30, tzinfo=WIT),
        )
        manager = UserFactory(unit=cast.area_a, roles=["supervisor"])
        html = client_for(manager).get(reverse("fieldwork:arrears_list")).content.decode()
        assert "Putus 01-03-2026" in html and "28-02-2026" not in html

    def test_order_deadlines_read_in_the_orders_unit_zone(self, cast, client_for):
        UnitSettings.objects.create(unit=cast.sp_a2, time_zone="Asia/Jayapura")
        order = FieldOrder.objects.create(
            unit=cast.sp_a2,
            customer=CustomerFactory(unit=cast.sp_a2),
            kind=OrderKind.RECONNECTION,
            issued_by=cast.unit_admin,
            due_at=datetime(2026, 12, 8, 0, 0, tzinfo=WIT),  # 22:00 WIB on the 7th
        )
        manager = UserFactory(unit=cast.area_a, roles=["supervisor"])
        html = client_for(manager).get(reverse("fieldwork:order_list")).content.decode()
        assert "08-12-2026 00:00 WIT" in html and "07-12-2026 22:00" not in html
        detail = client_for(manager).get(reverse("fieldwork:order_detail", args=[order.pk]))
        assert "08-12-2026 00:00 WIT" in detail.content.decode()
