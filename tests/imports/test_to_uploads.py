"""TO Ganti Meter Ex DG / Non Ex DG through the whole pipeline (seed 000, menu Upload)."""

import pytest

from meterops.core.errors import NotAllowed
from meterops.core.models import Process, ProcessEvent
from meterops.imports.errors import DuplicateUpload
from meterops.imports.models import UploadRow, UploadState
from meterops.replacement.choices import TargetSource, TargetState
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory

from .conftest import TO_HEADERS, applied, checked, csv_file, xlsx


def _row(customer, damage, notes="", reading="", x="", y=""):
    return [customer.customer_id, damage.name, reading, x, y, notes]


class ToExDgUploadTests:
    def test_new_rows_open_a_process_and_a_target_each(self, cast, customers, damage_type):
        rows = [_row(c, damage_type, notes="kaca pecah", reading="1234,5") for c in customers]
        upload = applied(cast.supervisor, "to-ex-dg", xlsx(rows))
        assert upload.state == UploadState.APPLIED
        assert (upload.new_rows, upload.rejected_rows) == (3, 0)
        targets = ReplacementTarget.objects.order_by("pk")
        assert targets.count() == 3
        target = targets[0]
        assert target.source == TargetSource.FAULT and target.state == TargetState.SUBMITTED
        assert str(target.reading_at_discovery) == "1234.50"
        assert target.meter == customers[0].current_meter
        assert target.process.reference == target.reference and target.process.is_open
        assert ProcessEvent.objects.filter(
            process=target.process, verb="replacement.opened", actor=cast.supervisor
        ).exists()
        linked = set(UploadRow.objects.filter(upload=upload).values_list("record_id", flat=True))
        assert linked == set(targets.values_list("pk", flat=True))

    def test_same_file_twice_is_refused_and_creates_nothing(self, cast, customers, damage_type):
        data = xlsx([_row(c, damage_type) for c in customers]).read()
        from django.core.files.uploadedfile import SimpleUploadedFile

        applied(cast.supervisor, "to-ex-dg", SimpleUploadedFile("a.xlsx", data))
        with pytest.raises(DuplicateUpload, match="sudah diunggah"):
            checked(cast.supervisor, "to-ex-dg", SimpleUploadedFile("salinan.xlsx", data))
        assert ReplacementTarget.objects.count() == 3

    def test_same_rows_in_another_file_are_unchanged(self, cast, customers, damage_type):
        rows = [_row(c, damage_type, notes="x") for c in customers]
        applied(cast.supervisor, "to-ex-dg", xlsx(rows))
        again = applied(cast.supervisor, "to-ex-dg", csv_file(rows))
        assert (again.new_rows, again.unchanged_rows) == (0, 3)
        assert ReplacementTarget.objects.count() == Process.objects.count() == 3

    def test_changed_row_updates_a_target_still_waiting(self, cast, customers, damage_type):
        applied(cast.supervisor, "to-ex-dg", xlsx([_row(customers[0], damage_type, "a")]))
        upload = applied(
            cast.supervisor, "to-ex-dg", xlsx([_row(customers[0], damage_type, "b")], name="2.xlsx")
        )
        assert upload.changed_rows == 1
        target = ReplacementTarget.objects.get()
        assert target.notes == "b"
        assert target.process.events.filter(verb="replacement.updated_by_upload").exists()

    def test_verified_target_is_not_changed_by_upload(self, cast, customers, damage_type):
        applied(cast.supervisor, "to-ex-dg", xlsx([_row(customers[0], damage_type, "a")]))
        ReplacementTarget.objects.update(state=TargetState.VERIFIED)
        upload = checked(
            cast.supervisor, "to-ex-dg", xlsx([_row(customers[0], damage_type, "b")], name="2.xlsx")
        )
        row = UploadRow.objects.get(upload=upload)
        assert row.status == "rejected" and "Siap cetak PK" in row.reason

    def test_open_programme_target_rejects_an_ex_dg_row(self, cast, customers, damage_type):
        non = xlsx(
            [[customers[0].customer_id, damage_type.name, "Program A", "", "", "", ""]],
            headers=[
                "IDPEL",
                "JENIS_KERUSAKAN",
                "NAMA_PROGRAM",
                "STAN_SAAT_DITEMUKAN",
                "KOORDINAT_X",
                "KOORDINAT_Y",
                "KETERANGAN",
            ],
        )
        applied(cast.supervisor, "to-non-ex-dg", non)
        assert ReplacementTarget.objects.get().programme_name == "Program A"
        upload = checked(cast.supervisor, "to-ex-dg", xlsx([_row(customers[0], damage_type)]))
        assert "Non Ex DG" in UploadRow.objects.get(upload=upload).reason

    def test_non_ex_dg_needs_the_programme_name(self, cast, customers, damage_type):
        headers = ["IDPEL", "JENIS_KERUSAKAN", "NAMA_PROGRAM"]
        upload = checked(
            cast.supervisor,
            "to-non-ex-dg",
            xlsx([[customers[0].customer_id, damage_type.name, ""]], headers=headers),
        )
        row = UploadRow.objects.get(upload=upload)
        assert (row.error_column, row.reason) == ("NAMA_PROGRAM", "wajib diisi.")

    def test_unknown_and_other_unit_idpel_are_rejected(self, cast, customers, damage_type):
        other = CustomerFactory(unit=cast.sp_b)
        rows = [
            _row(customers[0], damage_type),
            [other.customer_id, damage_type.name, "", "", "", ""],
            ["510019999999", damage_type.name, "", "", "", ""],
        ]
        upload = applied(cast.supervisor, "to-ex-dg", xlsx(rows))
        rejected = UploadRow.objects.filter(upload=upload, status="rejected").order_by("row_number")
        assert [(r.row_number, r.error_column) for r in rejected] == [(3, "IDPEL"), (4, "IDPEL")]
        assert all("tidak ada di DIL unit Anda" in r.reason for r in rejected)
        assert ReplacementTarget.objects.get().customer == customers[0]
        assert not ReplacementTarget.objects.filter(customer=other).exists()

    def test_duplicate_rows_keep_the_first(self, cast, customers, damage_type):
        rows = [_row(customers[0], damage_type), _row(customers[0], damage_type, "lagi")]
        upload = applied(cast.supervisor, "to-ex-dg", xlsx(rows))
        row = UploadRow.objects.get(upload=upload, status="rejected")
        assert row.row_number == 3 and "sudah ada di baris 2" in row.reason
        assert ReplacementTarget.objects.count() == 1

    def test_idpel_number_that_lost_its_leading_zero_is_padded(self, cast, damage_type):
        from meterops.core.models import Unit

        unit = Unit.objects.create(code="05001", name="ULP NOL", parent=cast.area_a)
        customer = CustomerFactory(unit=unit, customer_id="050010000007")

        def as_number(sheet):
            sheet["A2"] = 50010000007  # what Excel keeps of 050010000007 typed as a number

        upload = applied(
            cast.unit_admin,
            "to-ex-dg",
            xlsx([["", damage_type.name]], headers=TO_HEADERS[:2], fill=as_number),
        )
        assert upload.new_rows == 1
        assert ReplacementTarget.objects.get().customer == customer

    def test_idpel_text_without_leading_zero_is_rejected(self, cast, damage_type):
        upload = checked(
            cast.supervisor,
            "to-ex-dg",
            csv_file([["51001000001", damage_type.name]], headers=TO_HEADERS[:2]),
        )
        row = UploadRow.objects.get(upload=upload)
        assert "harus 12 digit" in row.reason and "Teks" in row.reason

    def test_thousand_separators_and_dates_as_text(self, cast, customers, damage_type):
        rows = [
            _row(customers[0], damage_type, reading="1.234,5"),
            _row(customers[1], damage_type, reading="1,234.5"),
            _row(customers[2], damage_type, reading="1.234"),
        ]
        upload = applied(cast.supervisor, "to-ex-dg", xlsx(rows))
        readings = dict(
            ReplacementTarget.objects.values_list("customer_id", "reading_at_discovery")
        )
        assert str(readings[customers[0].pk]) == str(readings[customers[1].pk]) == "1234.50"
        row = UploadRow.objects.get(upload=upload, status="rejected")
        assert row.error_column == "STAN_SAAT_DITEMUKAN" and "meragukan" in row.reason

    def test_a_role_without_the_template_cannot_upload(self, cast, customers, damage_type):
        with pytest.raises(NotAllowed):
            checked(cast.officer, "to-ex-dg", xlsx([_row(customers[0], damage_type)]))


class SheetLayoutTests:
    def test_a_table_starting_in_column_b_keeps_its_row_numbers(self, cast, customers, damage_type):
        def shift(sheet):
            sheet.insert_cols(1)

        rows = [[customers[0].customer_id, damage_type.name], ["51001", damage_type.name]]
        upload = checked(
            cast.supervisor, "to-ex-dg", xlsx(rows, headers=TO_HEADERS[:2], fill=shift)
        )
        assert (upload.new_rows, upload.rejected_rows) == (1, 1)
        assert UploadRow.objects.get(upload=upload, status="rejected").row_number == 3


class ReferenceTests:
    def test_process_reference_matches_the_target_beyond_seven_digits(
        self, cast, customers, damage_type
    ):
        from django.db import connection

        from meterops.imports.staging import zero_padded

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {zero_padded('%s', 7)}, {zero_padded('%s', 7)}", [5, 123456789])
            assert cursor.fetchone() == ("0000005", "123456789")
        applied(cast.supervisor, "to-ex-dg", xlsx([_row(customers[0], damage_type)]))
        target = ReplacementTarget.objects.get()
        assert target.process.reference == target.reference == f"TO-{target.pk:07d}"
