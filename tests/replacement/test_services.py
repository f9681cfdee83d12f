import os
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meterops.core.choices import RoleCode
from meterops.core.errors import (
    FileRejected,
    InvalidInput,
    NotAllowed,
    NotFound,
    OpenProcessExists,
    WrongState,
)
from meterops.core.models import ProcessEvent
from meterops.replacement.choices import PhotoStage, TargetState
from meterops.replacement.models import Photo, ReplacementTarget, WorkOrder
from meterops.replacement.services import (
    DamageReport,
    NewMeter,
    assign_work_orders,
    attach_ba_document,
    drop_target,
    print_work_orders,
    record_replacement,
    report_damage,
    reverify_target,
    send_target_to_reverification,
    verify_target,
)
from tests.core.image_files import huge_jpeg, huge_png
from tests.customers.helpers import DAMAGED_METER, meter_removed_as_damaged
from tests.factories import CustomerFactory, MeterFactory, UserFactory
from tests.replacement.conftest import jpeg, pdf, png


def _events(target):
    events = ProcessEvent.objects.filter(process=target.process).order_by("at", "id")
    return list(events.values_list("verb", flat=True))


def _stored_files():
    root = default_storage.location
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


class ReportDamageTests:
    def test_creates_target_with_meter_photos_and_exif(self, cast, customer, make_target):
        target = make_target(customer)
        assert target.state == TargetState.SUBMITTED
        assert target.meter.meter_number == "45000000001"
        photo = target.photos.get()
        assert photo.stage == PhotoStage.DAMAGE
        assert photo.image.width == 1600 and photo.thumbnail.width == 320
        assert photo.gps_latitude == Decimal("-7.000600")
        assert timezone.localtime(photo.taken_at, timezone.get_fixed_timezone(420)).hour == 10
        assert target.process.reference == target.reference
        assert _events(target) == ["replacement.opened"]

    def test_refuses_while_a_replacement_is_open(self, customer, make_target):
        make_target(customer)
        with pytest.raises(OpenProcessExists) as error:
            make_target(customer)
        assert "belum tuntas" in str(error.value.message)
        assert ReplacementTarget.objects.count() == 1

    def test_rejected_photo_leaves_no_row_and_no_file(self, cast, customer, damage_type):
        fake = SimpleUploadedFile("foto.jpg", b"bukan gambar", content_type="image/jpeg")
        with pytest.raises(FileRejected, match="bukan foto JPEG/PNG"):
            report_damage(
                actor=cast.supervisor,
                customer=customer,
                report=DamageReport(damage_type=damage_type),
                photos=[jpeg(), fake],
            )
        assert not ReplacementTarget.objects.exists()
        assert not Photo.objects.exists()
        assert _stored_files() == []

    def test_photo_of_too_many_pixels_is_refused_from_its_header(self, cast, customer, damage_type):
        # issue #17: a 12000×12000 PNG of a few KB took 1.4 GB once decoded, and was accepted.
        with pytest.raises(FileRejected, match="12000×12000 piksel"):
            report_damage(
                actor=cast.supervisor,
                customer=customer,
                report=DamageReport(damage_type=damage_type),
                photos=[jpeg(), huge_png(12000, 12000)],
            )
        assert not ReplacementTarget.objects.exists()
        assert _stored_files() == []

    def test_gif_renamed_jpg_is_rejected_by_content(self, cast, customer, damage_type):
        gif = SimpleUploadedFile("foto.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
        with pytest.raises(FileRejected):
            report_damage(
                actor=cast.supervisor,
                customer=customer,
                report=DamageReport(damage_type=damage_type),
                photos=[gif],
            )

    def test_needs_one_to_five_photos(self, cast, customer, damage_type):
        for photos in ([], [png() for _ in range(6)]):
            with pytest.raises(InvalidInput, match="1 sampai 5 foto"):
                report_damage(
                    actor=cast.supervisor,
                    customer=customer,
                    report=DamageReport(damage_type=damage_type),
                    photos=photos,
                )

    def test_customer_of_another_unit_is_refused(self, cast, damage_type):
        other = CustomerFactory(unit=cast.sp_b)
        with pytest.raises(NotFound, match="tidak ditemukan di unit Anda"):
            report_damage(
                actor=cast.supervisor,
                customer=other,
                report=DamageReport(damage_type=damage_type),
                photos=[png()],
            )

    def test_call_centre_role_cannot_report(self, cast, customer, damage_type):
        agent = UserFactory(unit=cast.sp_a, roles=["call_centre"])
        with pytest.raises(NotAllowed, match="Peran Anda"):
            report_damage(
                actor=agent,
                customer=customer,
                report=DamageReport(damage_type=damage_type),
                photos=[png()],
            )


class VerificationTests:
    def test_verify_moves_to_ready_for_work_order(self, cast, customer, make_target):
        target = verify_target(target=make_target(customer), actor=cast.supervisor)
        assert target.state == TargetState.VERIFIED and target.verified_by == cast.supervisor
        assert _events(target)[-1] == "replacement.verified"

    def test_double_verify_is_refused_with_current_state(self, cast, customer, make_target):
        target = make_target(customer)
        verify_target(target=target, actor=cast.supervisor)
        with pytest.raises(WrongState, match="Siap cetak PK"):
            verify_target(target=target, actor=cast.area_user)

    def test_field_officer_cannot_verify(self, cast, customer, make_target):
        with pytest.raises(NotAllowed, match="Peran Anda"):
            verify_target(target=make_target(customer), actor=cast.officer)

    def test_outsider_supervisor_cannot_verify(self, cast, customer, make_target):
        target = make_target(customer)
        with pytest.raises(NotFound, match="tidak ditemukan"):
            verify_target(target=target, actor=cast.outsider)
        target.refresh_from_db()
        assert target.state == TargetState.SUBMITTED

    def test_reverification_needs_reason(self, cast, customer, make_target):
        with pytest.raises(InvalidInput, match="Alasan"):
            send_target_to_reverification(
                target=make_target(customer), actor=cast.supervisor, reason="  "
            )

    def test_reverify_goes_on_to_work_order(self, cast, customer, make_target):
        target = send_target_to_reverification(
            target=make_target(customer), actor=cast.supervisor, reason="foto buram"
        )
        target = reverify_target(target=target, actor=cast.supervisor)
        assert target.state == TargetState.VERIFIED


class DropTests:
    def _in_reverification(self, cast, customer, make_target, **changes):
        target = make_target(customer, **changes)
        return send_target_to_reverification(target=target, actor=cast.supervisor, reason="cek")

    def test_drop_closes_process_and_keeps_history(self, cast, customer, make_target):
        target = self._in_reverification(cast, customer, make_target)
        target = drop_target(target=target, actor=cast.supervisor, reason="meter normal")
        assert target.state == TargetState.DROPPED and target.state_reason == "meter normal"
        target.process.refresh_from_db()
        assert not target.process.is_open
        assert _events(target)[-1] == "replacement.dropped"

    def test_lbkb_target_needs_ba_before_drop(self, cast, customer, make_target):
        target = self._in_reverification(cast, customer, make_target, from_reading_anomaly=True)
        with pytest.raises(WrongState, match="upload BA"):
            drop_target(target=target, actor=cast.supervisor, reason="normal")
        attach_ba_document(target=target, actor=cast.supervisor, upload=pdf())
        target = drop_target(target=target, actor=cast.supervisor, reason="normal")
        assert target.state == TargetState.DROPPED

    def test_ba_must_be_pdf_or_jpeg_by_content(self, cast, customer, make_target):
        target = self._in_reverification(cast, customer, make_target, from_reading_anomaly=True)
        fake = SimpleUploadedFile("ba.pdf", b"<html>bukan pdf</html>")
        with pytest.raises(FileRejected, match="PDF atau JPEG"):
            attach_ba_document(target=target, actor=cast.supervisor, upload=fake)
        assert not target.documents.exists()

    def test_ba_jpeg_of_too_many_pixels_is_refused(self, cast, customer, make_target):
        target = self._in_reverification(cast, customer, make_target, from_reading_anomaly=True)
        with pytest.raises(FileRejected, match="12000×12000 piksel") as refused:
            attach_ba_document(target=target, actor=cast.supervisor, upload=huge_jpeg())
        assert refused.value.field == "document"
        assert not target.documents.exists()

    def test_ba_is_stored_under_a_random_name_of_its_kind(self, cast, customer, make_target):
        target = self._in_reverification(cast, customer, make_target, from_reading_anomaly=True)
        scanned = jpeg(f"BA {customer.customer_id}.pdf")
        document = attach_ba_document(target=target, actor=cast.supervisor, upload=scanned)
        assert re.fullmatch(r"replacement/ba/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", document.file.name)
        assert document.content_type == "image/jpeg"

    def test_drop_needs_reason(self, cast, customer, make_target):
        target = self._in_reverification(cast, customer, make_target)
        with pytest.raises(InvalidInput, match="Alasan hapus"):
            drop_target(target=target, actor=cast.supervisor, reason="")

    def test_submitted_target_cannot_be_dropped(self, cast, customer, make_target):
        with pytest.raises(WrongState):
            drop_target(target=make_target(customer), actor=cast.supervisor, reason="x")


class WorkOrderTests:
    def _verified(self, cast, customer, make_target):
        return verify_target(target=make_target(customer), actor=cast.supervisor)

    def test_numbers_are_sequential_per_unit_and_year(self, cast, customer, make_target):
        first = self._verified(cast, customer, make_target)
        second = self._verified(cast, CustomerFactory(unit=cast.sp_a), make_target)
        orders = print_work_orders(targets=[first, second], actor=cast.supervisor)
        year = timezone.localdate().year
        assert [o.number for o in orders] == [f"PK/51001/{year}/000001", f"PK/51001/{year}/000002"]
        assert ReplacementTarget.objects.get(pk=first.pk).state == TargetState.PRINTED

    def test_reprint_keeps_number_and_is_logged(self, cast, customer, make_target):
        target = self._verified(cast, customer, make_target)
        (order,) = print_work_orders(targets=[target], actor=cast.supervisor)
        (again,) = print_work_orders(targets=[target], actor=cast.supervisor)
        assert again.number == order.number and again.print_count == 2
        assert _events(target)[-1] == "replacement.work_order_reprinted"

    def test_unverified_target_cannot_be_printed(self, cast, customer, make_target):
        with pytest.raises(WrongState):
            print_work_orders(targets=[make_target(customer)], actor=cast.supervisor)
        assert not WorkOrder.objects.exists()

    def test_assign_and_reassign_are_logged(self, cast, customer, make_target, field_officer):
        target = self._verified(cast, customer, make_target)
        (order,) = print_work_orders(targets=[target], actor=cast.supervisor)
        assign_work_orders(work_orders=[order], officer=field_officer, actor=cast.vendor_a)
        other = UserFactory(contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER])
        (order,) = assign_work_orders(work_orders=[order], officer=other, actor=cast.vendor_a)
        assert order.assigned_to == other
        assert _events(target)[-2:] == [
            "replacement.work_order_assigned",
            "replacement.work_order_reassigned",
        ]

    def test_officer_of_another_contractor_is_refused(self, cast, customer, make_target):
        target = self._verified(cast, customer, make_target)
        (order,) = print_work_orders(targets=[target], actor=cast.supervisor)
        stranger = UserFactory(contractor=cast.contractor_b, roles=[RoleCode.FIELD_OFFICER])
        with pytest.raises(InvalidInput, match="bukan petugas"):
            assign_work_orders(work_orders=[order], officer=stranger, actor=cast.supervisor)

    def test_overdue_status_is_derived_from_age(self, cast, customer, make_target):
        target = self._verified(cast, customer, make_target)
        (order,) = print_work_orders(targets=[target], actor=cast.supervisor)
        status = WorkOrder.objects.with_status(overdue_days=14).values_list("current_status")
        assert status.get(pk=order.pk) == ("printed",)
        WorkOrder.objects.filter(pk=order.pk).update(printed_at=timezone.now() - timedelta(days=15))
        assert status.get(pk=order.pk) == ("overdue",)
        assert list(WorkOrder.objects.in_status("overdue", overdue_days=14)) == [order]


class RecordReplacementTests:
    def _printed(self, cast, customer, make_target):
        target = verify_target(target=make_target(customer), actor=cast.supervisor)
        print_work_orders(targets=[target], actor=cast.supervisor)
        return ReplacementTarget.objects.get(pk=target.pk)

    def _record(self, cast, target, officer, **changes):
        values = {
            "new_meter": NewMeter(
                brand="itron",
                meter_number="56000000009",
                initial_reading=Decimal("0.00"),
                seal_numbers="S1, S2",
            ),
            "old_final_reading": Decimal("1520.00"),
            "replaced_on": timezone.localdate(),
            "photos": [jpeg("sebelum.jpg"), jpeg("sesudah.jpg")],
        }
        values.update(changes)
        return record_replacement(target=target, actor=cast.supervisor, officer=officer, **values)

    def test_completes_process_and_changes_current_meter(
        self, cast, customer, make_target, field_officer
    ):
        target = self._printed(cast, customer, make_target)
        replacement = self._record(cast, target, field_officer)
        customer.refresh_from_db()
        assert customer.current_meter.meter_number == "56000000009"
        assert customer.current_meter.supply_group == "600551"
        assert replacement.old_meter.removed_at == timezone.localdate()
        target.refresh_from_db()
        assert target.state == TargetState.REPLACED
        assert not target.process.is_open
        stages = list(target.photos.values_list("stage", flat=True))
        assert stages.count("before") == 1 and stages.count("after") == 1

    def test_lower_final_reading_needs_reason(self, cast, customer, make_target, field_officer):
        target = self._printed(cast, customer, make_target)
        with pytest.raises(InvalidInput, match="isi alasannya"):
            self._record(cast, target, field_officer, old_final_reading=Decimal("10"))
        replacement = self._record(
            cast,
            target,
            field_officer,
            old_final_reading=Decimal("10"),
            low_reading_reason="register diganti pabrik",
        )
        assert replacement.low_reading_reason == "register diganti pabrik"

    def test_meter_removed_as_damaged_is_refused(self, cast, customer, make_target, field_officer):
        """Bug #16: a meter taken out of customer A as damaged went in as B's new meter."""
        meter_removed_as_damaged(cast)
        target = self._printed(cast, customer, make_target)
        new_meter = NewMeter(brand="itron", meter_number=DAMAGED_METER, initial_reading=Decimal(0))
        with pytest.raises(InvalidInput, match=r"dibongkar karena rusak \(Register macet"):
            self._record(cast, target, field_officer, new_meter=new_meter)
        customer.refresh_from_db()
        assert customer.current_meter.meter_number == "45000000001"

    def test_the_old_meter_is_removed_as_damaged(self, cast, customer, make_target, field_officer):
        replacement = self._record(cast, self._printed(cast, customer, make_target), field_officer)
        assert replacement.old_meter.removal_reason == "damaged"
        assert replacement.old_meter.removal_note == "Display mati / blank"

    def test_meter_installed_elsewhere_is_refused(self, cast, customer, make_target, field_officer):
        MeterFactory(meter_number="56000000009", customer=CustomerFactory(unit=cast.sp_b))
        target = self._printed(cast, customer, make_target)
        with pytest.raises(InvalidInput, match="masih terpasang"):
            self._record(cast, target, field_officer)
        customer.refresh_from_db()
        assert customer.current_meter.meter_number == "45000000001"

    def test_failed_replacement_leaves_no_new_photo_file(
        self, cast, customer, make_target, field_officer
    ):
        target = self._printed(cast, customer, make_target)
        before = _stored_files()
        broken = SimpleUploadedFile("sesudah.jpg", b"rusak")
        with pytest.raises(FileRejected):
            # The "before" photo is stored first; the broken "after" photo must undo it.
            self._record(cast, target, field_officer, photos=[jpeg("sebelum.jpg"), broken])
        assert _stored_files() == before
        target.refresh_from_db()
        assert target.state == TargetState.PRINTED

    def test_verified_but_unprinted_target_cannot_be_replaced(
        self, cast, customer, make_target, field_officer
    ):
        target = verify_target(target=make_target(customer), actor=cast.supervisor)
        with pytest.raises(WrongState):
            self._record(cast, target, field_officer)
