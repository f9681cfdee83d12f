"""Pages of the KRN-2 campaign: planners, vendors, officers, and outsiders."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from meterops.core.choices import RoleCode
from meterops.customers.models import Meter
from meterops.keychange.choices import TargetState
from meterops.keychange.models import DisplayExpectation
from meterops.keychange.services import assign_targets
from tests.factories import UserFactory
from tests.keychange.helpers import campaign_with, old_key_meter, prepare_keys


@pytest.fixture
def campaign(cast):
    old_key_meter(cast.sp_a, meter_number="45000000017")
    return campaign_with(cast, [])


class CampaignPagesTests:
    def test_planner_creates_a_campaign_from_the_form(self, cast, client_for):
        prepare_keys(cast)
        old_key_meter(cast.sp_a)
        response = client_for(cast.unit_admin).post(
            reverse("keychange:campaign_create"),
            {"name": "KRN ALFA", "unit": cast.area_a.pk, "brand": "hexing"},
        )
        assert response.status_code == 302
        page = client_for(cast.unit_admin).get(response["Location"])
        assert b"KRN ALFA" in page.content and b'id="sum-targeted">1<' in page.content

    def test_vendor_assigns_to_its_officer(self, cast, campaign, client_for):
        officer = UserFactory(
            username="petugas.vendor", contractor=cast.contractor_a, roles=["field_officer"]
        )
        target = campaign.targets.get()
        response = client_for(cast.vendor_a).post(
            reverse("keychange:campaign_assign", args=[campaign.pk]),
            {"officer": officer.pk, "targets": [target.pk]},
        )
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.assigned_to == officer

    def test_export_and_work_orders_download(self, cast, campaign, client_for):
        client = client_for(cast.unit_admin)
        export = client.get(reverse("keychange:campaign_export", args=[campaign.pk]))
        assert export["Content-Type"].startswith("application/vnd.openxmlformats")
        pdf = client.get(reverse("keychange:campaign_work_orders", args=[campaign.pk]))
        assert pdf.content.startswith(b"%PDF")

    def test_work_orders_print_a_markup_name_as_text(
        self, cast, campaign, client_for, tmp_path, monkeypatch
    ):
        # Issue #17: a DIL upload renamed a customer to markup naming another unit's photo.
        monkeypatch.chdir(tmp_path)
        Image.new("RGB", (8, 8), "red").save(tmp_path / "photo.png")
        target = campaign.targets.get()
        target.customer.name = '<img src="photo.png"/><b>ASEP'
        target.customer.save()
        assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)

        pdf = client_for(cast.unit_admin).get(
            reverse("keychange:campaign_work_orders", args=[campaign.pk])
        )

        reader = PdfReader(BytesIO(pdf.content))
        assert not reader.pages[0].images
        assert '<img src="photo.png"/><b>ASEP' in " ".join(reader.pages[0].extract_text().split())

    def test_export_neutralises_what_a_hostile_name_carries(self, cast, campaign, client_for):
        # The one formula guard of core.excel: a tab before "=" and a control character too.
        customer = campaign.targets.get().customer
        customer.name = '\t=HYPERLINK("http://x")\x07'
        customer.save()
        export = client_for(cast.unit_admin).get(
            reverse("keychange:campaign_export", args=[campaign.pk])
        )
        sheet = load_workbook(BytesIO(export.content)).active
        assert sheet["B2"].value == '\'\t=HYPERLINK("http://x")\ufffd'

    def test_outsider_gets_404(self, cast, campaign, client_for):
        url = reverse("keychange:campaign_detail", args=[campaign.pk])
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.vendor_b).get(url).status_code == 404

    def test_user_without_role_gets_403(self, cast, campaign, client_for):
        helpdesk = UserFactory(unit=cast.area_a, roles=[RoleCode.HELPDESK])
        url = reverse("keychange:campaign_detail", args=[campaign.pk])
        assert client_for(helpdesk).get(url).status_code == 403

    def test_bank_kct_lists_the_pair(self, cast, campaign, client_for):
        response = client_for(cast.unit_admin).get(
            reverse("keychange:kct_list"), {"q": "45000000017"}
        )
        assert response.context["page"].paginator.count == 1


class ConfirmationPagesTests:
    @pytest.fixture
    def target(self, cast, campaign):
        target = campaign.targets.get()
        assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
        return target

    def test_wrong_display_is_refused_with_the_expected_one(self, cast, target, client_for):
        url = reverse("keychange:confirmation_detail", args=[target.pk])
        response = client_for(cast.officer).post(url, {"display": "REV 2"})
        assert response.status_code == 200
        assert "KRN 02 KT 02" in response.content.decode()
        assert Meter.objects.get(pk=target.meter_id).key_revision == 1

    def test_right_display_confirms(self, cast, target, client_for):
        url = reverse("keychange:confirmation_detail", args=[target.pk])
        response = client_for(cast.officer).post(url, {"display": "KRN 02 KT 02"})
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.state == TargetState.SUCCEEDED

    def test_failure_form_records_reason(self, cast, target, client_for):
        url = reverse("keychange:confirmation_detail", args=[target.pk])
        client_for(cast.officer).post(url, {"reason": "meter_not_found", "note": "rumah kosong"})
        target.refresh_from_db()
        assert target.state == TargetState.CANCELLED

    def test_another_users_work_is_refused(self, cast, target, client_for):
        url = reverse("keychange:confirmation_detail", args=[target.pk])
        assert client_for(cast.supervisor).get(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404


class DisplayPagesTests:
    def test_an_administrator_edits_lampiran_i(self, cast, client_for):
        response = client_for(cast.admin).post(
            reverse("keychange:display_create"),
            {"brand": "wasion", "model_hint": "", "expected_display": "krn2  kt2"},
        )
        assert response.status_code == 302
        row = DisplayExpectation.objects.get(brand="WASION")
        assert row.expected_display == "KRN2 KT2"

    def test_a_unit_admin_reads_lampiran_i_but_cannot_change_it(self, cast, client_for):
        """One table serves every unit: a ULP's admin must not change it for all (issue #17)."""
        client = client_for(cast.unit_admin)
        assert client.get(reverse("keychange:display_list")).status_code == 200
        response = client.post(
            reverse("keychange:display_create"),
            {"brand": "wasion", "model_hint": "", "expected_display": "krn2  kt2"},
        )
        assert response.status_code == 403
        assert not DisplayExpectation.objects.filter(brand="WASION").exists()

    def test_supervisor_gets_403(self, cast, client_for):
        assert client_for(cast.supervisor).get(reverse("keychange:display_list")).status_code == 403


class MenuPagesTests:
    @pytest.mark.parametrize(
        "url_name",
        [
            "keychange:campaign_list",
            "keychange:campaign_create",
            "keychange:kct_list",
            "keychange:display_list",
            "complaints:wizard",
            "complaints:ticket_list",
            "complaints:settings",
        ],
    )
    def test_admin_opens_each_menu_page(self, cast, client_for, url_name):
        assert client_for(cast.admin).get(reverse(url_name)).status_code == 200

    def test_officer_opens_confirmation_list(self, cast, client_for):
        response = client_for(cast.officer).get(reverse("keychange:confirmation_list"))
        assert "Tidak ada KCT" in response.content.decode()


class DashboardTests:
    @pytest.fixture
    def worked(self, cast, campaign):
        """A second campaign (vendor A): one Berhasil, one Gagal; the first one's target open."""
        from meterops.keychange.services import confirm_key_change, report_key_change_failure

        prepare_keys(cast)
        old_key_meter(cast.sp_a, meter_number="46100000001")  # off the factory's 45… sequence
        old_key_meter(cast.sp_a, meter_number="46100000002")
        more = campaign_with(cast, [])
        first, second = more.targets.all()
        assign_targets(actor=cast.unit_admin, targets=[first, second], officer=cast.officer)
        confirm_key_change(actor=cast.officer, target=first, display="KRN 02 KT 02")
        report_key_change_failure(actor=cast.officer, target=second, reason="customer_refused")
        return more

    def test_per_unit_and_per_contractor(self, cast, worked, client_for):
        response = client_for(cast.unit_admin).get(reverse("keychange:dashboard"))
        (unit,) = response.context["by_unit"]
        assert (unit["targeted"], unit["done"], unit["failed"], unit["remaining"]) == (3, 1, 1, 1)
        assert unit["failed_customer_refused"] == 1 and unit["percent"] == 33
        contractors = {row["name"]: row for row in response.context["by_contractor"]}
        assert list(contractors) == [cast.contractor_a.name]  # both campaigns are vendor A's
        assert contractors[cast.contractor_a.name]["targeted"] == 3
        assert b"<svg" in response.content and b'class="mark bar-done"' in response.content

    def test_a_contractor_sees_only_its_campaigns(self, cast, worked, client_for):
        response = client_for(cast.vendor_a).get(reverse("keychange:dashboard"))
        assert [r["targeted"] for r in response.context["by_contractor"]] == [3]
        worked.contractor = None
        worked.save()
        response = client_for(cast.vendor_a).get(reverse("keychange:dashboard"))
        assert [r["targeted"] for r in response.context["by_contractor"]] == [1]

    def test_another_units_user_sees_nothing(self, cast, worked, client_for):
        other = UserFactory(unit=cast.sp_b, roles=[RoleCode.UNIT_ADMIN])
        response = client_for(other).get(reverse("keychange:dashboard"))
        assert response.context["by_unit"] == [] and response.context["by_contractor"] == []

    def test_meters_per_vkrn(self, cast, worked, client_for):
        """Seed 003: 41 and 42 still to upgrade, 43 done; the KRN alone would hide the 42."""
        old_key_meter(cast.sp_a, meter_number="46100000003", vkrn=42, key_revision=2)
        old_key_meter(cast.sp_a2, meter_number="46100000004", vkrn=43, key_revision=2)
        response = client_for(cast.unit_admin).get(reverse("keychange:dashboard"))
        rows = {r["code"]: r for r in response.context["by_vkrn"]}
        assert sorted(rows) == [cast.sp_a.code, cast.sp_a2.code]
        one, two = rows[cast.sp_a.code], rows[cast.sp_a2.code]
        # sp_a: the campaign's first meter and the one not confirmed stay on 41, one moved to 43
        assert (one["vkrn_41"], one["vkrn_42"], one["vkrn_43"], one["to_upgrade"]) == (2, 1, 1, 3)
        assert (two["vkrn_43"], two["to_upgrade"]) == (1, 0)
        assert b'id="by-vkrn"' in response.content
        other = UserFactory(unit=cast.sp_b, roles=[RoleCode.UNIT_ADMIN])
        assert client_for(other).get(reverse("keychange:dashboard")).context["by_vkrn"] == []

    def test_export(self, cast, worked, client_for):
        response = client_for(cast.unit_admin).get(
            reverse("keychange:dashboard"), {"export": "xlsx"}
        )
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


class ZeroTokenPageTests:
    def test_officer_makes_the_token_and_confirms_with_the_meters_answer(
        self, cast, campaign, client_for
    ):
        target = campaign.targets.get()
        assign_targets(actor=cast.unit_admin, targets=[target], officer=cast.officer)
        client = client_for(cast.officer)
        url = reverse("keychange:confirmation_detail", args=[target.pk])
        client.post(url, {"make_zero_token": "1"})
        page = client.get(url)
        assert b'id="zero-token-value"' in page.content
        response = client.post(url, {"answer": "accepted"})
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.state == TargetState.SUCCEEDED and target.proof == "test_token"
