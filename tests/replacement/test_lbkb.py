"""Targets marked LBKB from every source (issue #19), and the rule that then holds for each:
"Data TO LBKB yang diajukan untuk proses Hapus dari TO harus diupload BA Verifikasinya"
(seed 000, Verifikasi Ulang TO – Upload BA LBKB)."""

import pytest
from django.urls import reverse

from meterops.core.errors import WrongState
from meterops.imports.models import UploadRow
from meterops.replacement.choices import TargetState
from meterops.replacement.models import ReplacementTarget
from meterops.replacement.services import (
    DamageReport,
    attach_ba_document,
    drop_target,
    report_damage,
    send_target_to_reverification,
)
from tests.factories import CustomerFactory, MeterFactory
from tests.imports.conftest import applied, xlsx
from tests.replacement.conftest import jpeg, pdf

HEADERS = ["IDPEL", "JENIS_KERUSAKAN", "KETERANGAN", "LBKB"]


def assert_dropped_only_with_ba(cast, target):
    """The seed's rule: Hapus dari TO of an LBKB target is refused until its BA is uploaded."""
    assert target.from_reading_anomaly
    send_target_to_reverification(target=target, actor=cast.supervisor, reason="cek ulang")
    with pytest.raises(WrongState, match="berasal dari LBKB: upload BA verifikasi dulu"):
        drop_target(target=target, actor=cast.supervisor, reason="meter normal")
    target.refresh_from_db()
    assert target.state == TargetState.REVERIFY
    attach_ba_document(target=target, actor=cast.supervisor, upload=pdf())
    dropped = drop_target(target=target, actor=cast.supervisor, reason="meter normal")
    assert dropped.state == TargetState.DROPPED


@pytest.fixture
def customers(cast):
    made = [CustomerFactory(unit=cast.sp_a) for _ in range(3)]
    for customer in made:
        MeterFactory(customer=customer)
    return made


class UploadMarkTests:
    def test_lbkb_column_marks_targets_by_y_or_code(self, cast, customers, damage_type):
        """Issue #19: the TO upload wrote false whatever the file said."""
        from tests.reading.helpers import anomaly

        anomaly("RT", "Rumah tutup")
        rows = [
            [customers[0].customer_id, damage_type.name, "", "Y"],
            [customers[1].customer_id, damage_type.name, "", "rt"],
            [customers[2].customer_id, damage_type.name, "", "N"],
        ]
        upload = applied(cast.supervisor, "to-ex-dg", xlsx(rows, headers=HEADERS))
        assert (upload.new_rows, upload.rejected_rows) == (3, 0)
        marks = dict(ReplacementTarget.objects.values_list("customer_id", "from_reading_anomaly"))
        assert marks == {customers[0].pk: True, customers[1].pk: True, customers[2].pk: False}
        for customer in customers[:2]:
            assert_dropped_only_with_ba(cast, ReplacementTarget.objects.get(customer=customer))

    def test_unknown_lbkb_value_rejects_its_row_naming_the_column(
        self, cast, customers, damage_type
    ):
        rows = [
            [customers[0].customer_id, damage_type.name, "", "mungkin"],
            [customers[1].customer_id, damage_type.name, "", ""],
        ]
        upload = applied(cast.supervisor, "to-ex-dg", xlsx(rows, headers=HEADERS))
        row = UploadRow.objects.get(upload=upload, status="rejected")
        assert (row.row_number, row.error_column) == (2, "LBKB")
        assert "'mungkin' tidak ada di daftar" in row.reason and "Y, N" in row.reason
        assert list(ReplacementTarget.objects.values_list("customer_id", flat=True)) == [
            customers[1].pk
        ]

    def test_upload_marks_a_waiting_target_and_never_unmarks(self, cast, customers, damage_type):
        row = [customers[0].customer_id, damage_type.name, "", "N"]
        applied(cast.supervisor, "to-ex-dg", xlsx([row], headers=HEADERS))
        row[3] = "Y"
        changed = applied(cast.supervisor, "to-ex-dg", xlsx([row], headers=HEADERS, name="2.xlsx"))
        assert changed.changed_rows == 1
        row[3] = ""  # blank: not LBKB by this file (an "N" file would repeat the first one)
        again = applied(cast.supervisor, "to-ex-dg", xlsx([row], headers=HEADERS, name="3.xlsx"))
        assert again.unchanged_rows == 1
        assert ReplacementTarget.objects.get().from_reading_anomaly

    def test_customer_whose_latest_reading_has_lbkb_is_marked(
        self, cast, customers, damage_type, last_reading
    ):
        last_reading(customers[0], "1200", code="MB")
        last_reading(customers[1], "1200", code="MB", period="202610")
        last_reading(customers[1], "1300", period="202611")  # read normally since
        rows = [[c.customer_id, damage_type.name, "", ""] for c in customers[:2]]
        applied(cast.supervisor, "to-non-ex-dg", _programme(rows))
        marks = dict(ReplacementTarget.objects.values_list("customer_id", "from_reading_anomaly"))
        assert marks == {customers[0].pk: True, customers[1].pk: False}


def _programme(rows):
    headers = ["IDPEL", "JENIS_KERUSAKAN", "NAMA_PROGRAM", "LBKB"]
    return xlsx([[r[0], r[1], "Peremajaan 2026", r[3]] for r in rows], headers=headers)


class ReadingMarkTests:
    def test_target_of_a_customer_read_with_lbkb_is_marked(
        self, cast, customer, damage_type, last_reading
    ):
        """Issue #19: a reading's LBKB code never reached the target made for its customer."""
        last_reading(customer, "1500", code="MB")
        target = report_damage(
            actor=cast.supervisor,
            customer=customer,
            report=DamageReport(damage_type=damage_type),
            photos=[jpeg()],
        )
        assert_dropped_only_with_ba(cast, target)

    def test_lbkb_reading_after_the_report_marks_it_for_reverification(
        self, cast, customer, make_target, last_reading
    ):
        target = make_target(customer)
        assert not target.from_reading_anomaly
        last_reading(customer, "1500", code="MB")  # the meter reader comes by afterwards
        send_target_to_reverification(target=target, actor=cast.supervisor, reason="cek ulang")
        target.refresh_from_db()
        assert target.from_reading_anomaly
        with pytest.raises(WrongState, match="upload BA verifikasi dulu"):
            drop_target(target=target, actor=cast.supervisor, reason="meter normal")


class TambahExDgTests:
    URL = reverse("replacement:target_create")

    def _post(self, cast, client_for, customer, damage_type, **changes):
        data = {"damage_type": damage_type.pk, "photos": [jpeg()], **changes}
        url = f"{self.URL}?customer_id={customer.customer_id}"
        return client_for(cast.supervisor).post(url, data)

    def test_lbkb_box_marks_the_target(self, cast, client_for, customer, damage_type):
        """Issue #19: Tambah Ex DG had no LBKB field."""
        response = self._post(cast, client_for, customer, damage_type, from_reading_anomaly="on")
        assert response.status_code == 302
        assert_dropped_only_with_ba(cast, ReplacementTarget.objects.get())

    def test_unticked_box_leaves_an_ordinary_target(self, cast, client_for, customer, damage_type):
        self._post(cast, client_for, customer, damage_type)
        target = ReplacementTarget.objects.get()
        assert not target.from_reading_anomaly
        send_target_to_reverification(target=target, actor=cast.supervisor, reason="cek")
        assert drop_target(target=target, actor=cast.supervisor, reason="normal").state == (
            TargetState.DROPPED
        )

    def test_outsider_cannot_mark_another_units_customer(
        self, cast, client_for, customer, damage_type
    ):
        data = {"damage_type": damage_type.pk, "photos": [jpeg()], "from_reading_anomaly": "on"}
        page = client_for(cast.outsider).post(
            f"{self.URL}?customer_id={customer.customer_id}", data
        )
        assert "tidak ditemukan" in page.content.decode()
        assert not ReplacementTarget.objects.exists()
