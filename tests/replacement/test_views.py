import io

import openpyxl
import pytest
from django.urls import reverse

from meterops.replacement.choices import TargetState
from meterops.replacement.models import ReplacementTarget
from meterops.replacement.services import print_work_orders, verify_target
from tests.core.image_files import files_in_media, huge_png
from tests.replacement.conftest import jpeg


@pytest.fixture
def target(customer, make_target):
    return make_target(customer)


class TargetListTests:
    def test_lists_own_targets_only(self, cast, client_for, target, make_target):
        from tests.factories import CustomerFactory

        make_target(CustomerFactory(unit=cast.sp_b), actor=cast.outsider)
        page = client_for(cast.supervisor).get(reverse("replacement:target_list"))
        assert [t.pk for t in page.context["page"]] == [target.pk]

    def test_filters_by_state(self, cast, client_for, target):
        client = client_for(cast.supervisor)
        url = reverse("replacement:target_list")
        assert len(client.get(url, {"state": "verified"}).context["page"]) == 0
        assert len(client.get(url, {"state": "submitted"}).context["page"]) == 1

    def test_bad_date_range_is_explained(self, cast, client_for, target):
        page = client_for(cast.supervisor).get(
            reverse("replacement:target_list"), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
        )
        assert "Tanggal awal harus sebelum tanggal akhir" in page.content.decode()

    def test_export_is_a_real_xlsx_without_formulas(self, cast, client_for, customer, make_target):
        make_target(customer, notes='=HYPERLINK("http://x")')
        response = client_for(cast.supervisor).get(
            reverse("replacement:target_list"), {"export": "xlsx"}
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.values)
        assert rows[0][0] == "No TO" and rows[1][1] == customer.customer_id
        assert rows[1][-1].startswith("'=")


class TargetCreateTests:
    URL = reverse("replacement:target_create")

    def test_lookup_fills_customer_from_dil(self, cast, client_for, customer):
        page = client_for(cast.supervisor).get(self.URL, {"customer_id": customer.customer_id})
        assert "45000000001" in page.content.decode()

    def test_unknown_idpel_is_explained(self, cast, client_for):
        page = client_for(cast.supervisor).get(self.URL, {"customer_id": "510019999999"})
        assert "tidak ditemukan" in page.content.decode()

    def test_posts_damage_with_photos(self, cast, client_for, customer, damage_type):
        response = client_for(cast.supervisor).post(
            f"{self.URL}?customer_id={customer.customer_id}",
            {"damage_type": damage_type.pk, "notes": "display mati", "photos": [jpeg()]},
        )
        target = ReplacementTarget.objects.get()
        assert response.status_code == 302 and target.photos.count() == 1

    def test_missing_photo_is_reported_on_the_field(self, cast, client_for, customer, damage_type):
        response = client_for(cast.supervisor).post(
            f"{self.URL}?customer_id={customer.customer_id}", {"damage_type": damage_type.pk}
        )
        assert "Lampirkan minimal 1 foto" in response.content.decode()
        assert not ReplacementTarget.objects.exists()

    def test_photo_of_too_many_pixels_is_refused_on_its_field(
        self, cast, client_for, customer, damage_type
    ):
        response = client_for(cast.supervisor).post(
            f"{self.URL}?customer_id={customer.customer_id}",
            {"damage_type": damage_type.pk, "photos": [jpeg(), huge_png(12000, 12000)]},
        )
        assert response.status_code == 200
        [error] = response.context["form"].errors["photos"]
        assert 'Foto kondisi meter (1–5, JPEG/PNG) "besar.png" terlalu besar' in error
        assert "12000×12000 piksel" in error
        assert not ReplacementTarget.objects.exists()
        assert files_in_media() == []

    def test_open_process_refusal_is_shown(self, cast, client_for, customer, damage_type, target):
        response = client_for(cast.supervisor).post(
            f"{self.URL}?customer_id={customer.customer_id}",
            {"damage_type": damage_type.pk, "photos": [jpeg()]},
        )
        assert "belum tuntas" in response.content.decode()
        assert ReplacementTarget.objects.count() == 1

    def test_call_centre_gets_403(self, cast, client_for):
        from tests.factories import UserFactory

        agent = UserFactory(unit=cast.sp_a, roles=["call_centre"])
        assert client_for(agent).get(self.URL).status_code == 403


class TargetActionTests:
    def test_outsider_gets_404_on_detail_and_photo(self, cast, client_for, target):
        client = client_for(cast.outsider)
        assert client.get(reverse("replacement:target_detail", args=[target.pk])).status_code == 404
        photo = target.photos.get()
        assert (
            client.get(reverse("replacement:photo_file", args=[photo.pk, "thumb"])).status_code
            == 404
        )

    def test_photo_is_served_to_its_unit(self, cast, client_for, target):
        photo = target.photos.get()
        response = client_for(cast.officer).get(
            reverse("replacement:photo_file", args=[photo.pk, "thumb"])
        )
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"

    def test_forged_verify_of_another_unit_target_is_404(self, cast, client_for, target):
        response = client_for(cast.outsider).post(
            reverse("replacement:target_verify", args=[target.pk])
        )
        assert response.status_code == 404
        target.refresh_from_db()
        assert target.state == TargetState.SUBMITTED

    def test_bulk_verify(self, cast, client_for, target):
        response = client_for(cast.supervisor).post(
            reverse("replacement:targets_verify"), {"selected": [target.pk]}, follow=True
        )
        assert "1 target terverifikasi" in response.content.decode()

    def test_stale_double_verify_is_told(self, cast, client_for, target):
        client = client_for(cast.supervisor)
        url = reverse("replacement:target_verify", args=[target.pk])
        client.post(url)
        response = client.post(url, follow=True)
        assert "statusnya sekarang Siap cetak PK" in response.content.decode()

    def test_get_on_a_transition_is_refused(self, cast, client_for, target):
        url = reverse("replacement:target_verify", args=[target.pk])
        assert client_for(cast.supervisor).get(url).status_code == 405


class WorkOrderPrintTests:
    def test_monitoring_shows_counts_and_export(self, cast, client_for, target):
        verify_target(target=target, actor=cast.supervisor)
        print_work_orders(targets=[target], actor=cast.supervisor)
        client = client_for(cast.area_user)
        page = client.get(reverse("replacement:workorder_list"))
        assert page.context["counts"][0]["printed"] == 1
        export = client.get(reverse("replacement:workorder_list"), {"export": "xlsx"})
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
        assert rows[1][0].startswith("PK/51001/")


class DamageTypeTests:
    URL = reverse("replacement:damage_type_list")

    def test_admin_adds_and_retires_a_damage_type(self, cast, client_for):
        from meterops.replacement.models import DamageType

        client = client_for(cast.admin)
        client.post(self.URL, {"name": "Terminal  meleleh"})
        added = DamageType.objects.get(name="Terminal meleleh")
        assert added.history.first().history_user == cast.admin
        client.post(reverse("replacement:damage_type_set_active", args=[added.pk]), {"active": "0"})
        added.refresh_from_db()
        assert not added.is_active

    def test_duplicate_name_is_explained(self, cast, client_for):
        response = client_for(cast.admin).post(self.URL, {"name": "display mati / BLANK"})
        assert "sudah ada" in response.content.decode()

    def test_uploader_reads_the_list_but_cannot_change_it(self, cast, client_for):
        """Issue #20: the TO upload says to pick from this menu, which only the admin could open."""
        from meterops.replacement.models import DamageType

        client = client_for(cast.supervisor)
        page = client.get(self.URL)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Display mati / blank" in html
        assert "Nonaktifkan" not in html and 'name="name"' not in html
        assert client.post(self.URL, {"name": "Terminal meleleh"}).status_code == 403
        assert not DamageType.objects.filter(name="Terminal meleleh").exists()
        damage_type = DamageType.objects.first()
        url = reverse("replacement:damage_type_set_active", args=[damage_type.pk])
        assert client.post(url, {"active": "0"}).status_code == 403
        damage_type.refresh_from_db()
        assert damage_type.is_active

    def test_menu_shows_the_list_to_uploaders(self, cast, client_for):
        for user in (cast.supervisor, cast.outsider, cast.admin):
            menu = client_for(user).get(reverse("core:dashboard")).content.decode()
            assert f'href="{self.URL}"' in menu, user

    def test_roles_that_do_not_upload_get_403_and_no_menu(self, cast, client_for, field_officer):
        client = client_for(field_officer)
        assert client.get(self.URL).status_code == 403
        assert f'href="{self.URL}"' not in client.get(reverse("core:dashboard")).content.decode()


class DistributionTests:
    def test_message_names_the_person(self, cast, client_for, target, field_officer):
        """Issue #20: it named the username (petugas.vendor), not the person."""
        from meterops.replacement.models import WorkOrder

        field_officer.first_name, field_officer.last_name = "Ujang", "Sutisna"
        field_officer.save()
        verify_target(target=target, actor=cast.supervisor)
        print_work_orders(targets=[target], actor=cast.supervisor)
        response = client_for(cast.supervisor).post(
            reverse("replacement:workorder_distribution"),
            {"selected": [WorkOrder.objects.get().pk], "officer": field_officer.pk},
            follow=True,
        )
        assert "1 PK diberikan kepada Ujang Sutisna." in response.content.decode()


def test_work_order_pdf_reads_everything_in_one_query_after_scoping(
    cast, customer, make_target, django_assert_num_queries
):
    from meterops.documents.work_orders import render_work_orders
    from meterops.replacement.queries import work_orders_for

    target = verify_target(target=make_target(customer), actor=cast.supervisor)
    print_work_orders(targets=[target], actor=cast.supervisor)
    with django_assert_num_queries(2):  # the user's visible units, then the work orders
        render_work_orders(work_orders_for(cast.admin))
