"""Check and apply on several connections (PostgreSQL, called outside a transaction as the
worker runs them): the same verdicts and records as one connection, batches shared out once."""

import dataclasses
import os

import pytest

from meterops.core.models import Process, ProcessEvent
from meterops.imports import services
from meterops.imports.models import UploadBatch, UploadRow, UploadState
from meterops.imports.registry import TEMPLATES
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory

from .conftest import checked, xlsx

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="worker threads with their own connections: PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def cast_and_customers(settings):
    from tests.conftest import build_cast

    settings.IMPORT_BATCH_SIZE = 4
    settings.IMPORT_APPLY_WORKERS = 2
    cast = build_cast()
    own = [CustomerFactory(unit=cast.sp_a) for _ in range(14)]
    other = CustomerFactory(unit=cast.sp_b)  # another unit: out of scope
    return cast, own, other


def _rows(customers, damage, *, stan=""):
    return [[c.customer_id, damage.name, stan, "", "", ""] for c in customers]


def test_threaded_check_gives_every_row_its_verdict(cast_and_customers, damage_type):
    cast, own, other = cast_and_customers
    rows = _rows(own, damage_type)
    rows[5][2] = "1.234"  # ambiguous thousands separator, second chunk
    rows.insert(9, rows[1])  # a repeated IDPEL three chunks later
    rows += _rows([other], damage_type)
    assert services.apply_workers() == 2
    upload = checked(cast.supervisor, "to-ex-dg", xlsx(rows))
    assert upload.state == UploadState.CHECKED
    assert (upload.total_rows, upload.new_rows, upload.rejected_rows) == (16, 13, 3)
    assert upload.batches_total == 4
    assert list(UploadBatch.objects.filter(upload=upload).values_list("number", flat=True)) == [
        0,
        1,
        2,
        3,
    ]
    rejected = dict(
        UploadRow.objects.filter(upload=upload, status="rejected").values_list(
            "row_number", "error_column"
        )
    )
    assert rejected == {7: "STAN_SAAT_DITEMUKAN", 11: "IDPEL", 17: "IDPEL"}
    assert upload.rows_checked == 16


def test_two_workers_apply_every_batch_once(cast_and_customers, damage_type):
    cast, own, _ = cast_and_customers
    upload = checked(cast.supervisor, "to-ex-dg", xlsx(_rows(own, damage_type)))
    services.start_apply(upload=upload, actor=cast.supervisor)
    upload = services.apply_upload(upload_id=upload.pk)
    assert upload.state == UploadState.APPLIED
    assert (upload.new_rows, upload.batches_applied, upload.batches_total) == (14, 4, 4)
    assert not UploadBatch.objects.filter(upload=upload, applied_at__isnull=True).exists()
    assert ReplacementTarget.objects.count() == Process.objects.count() == 14
    assert ProcessEvent.objects.filter(verb="replacement.opened").count() == 14
    linked = UploadRow.objects.filter(upload=upload).values_list("record_id", flat=True)
    assert sorted(linked) == sorted(ReplacementTarget.objects.values_list("pk", flat=True))


def test_a_failing_batch_stops_both_workers_and_apply_resumes(
    cast_and_customers, damage_type, monkeypatch
):
    cast, own, _ = cast_and_customers
    upload = checked(cast.supervisor, "to-ex-dg", xlsx(_rows(own, damage_type)))
    template = TEMPLATES["to-ex-dg"]

    def dies_in_third_batch(*, upload, batch, actor):
        if batch == 2:
            raise RuntimeError("koneksi putus")
        template.apply(upload=upload, batch=batch, actor=actor)

    monkeypatch.setitem(
        TEMPLATES, "to-ex-dg", dataclasses.replace(template, apply=dies_in_third_batch)
    )
    services.start_apply(upload=upload, actor=cast.supervisor)
    with pytest.raises(RuntimeError, match="koneksi putus"):
        services.apply_upload(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == UploadState.FAILED and upload.error.startswith("Gagal di batch 3")
    done = set(
        UploadBatch.objects.filter(upload=upload, applied_at__isnull=False).values_list(
            "number", flat=True
        )
    )
    assert 2 not in done and upload.batches_applied == len(done)
    assert ReplacementTarget.objects.count() == sum(4 if n < 3 else 2 for n in done)

    monkeypatch.setitem(TEMPLATES, "to-ex-dg", template)
    services.start_apply(upload=upload, actor=cast.supervisor)
    upload = services.apply_upload(upload_id=upload.pk)
    assert upload.state == UploadState.APPLIED and upload.new_rows == 14
    assert ReplacementTarget.objects.count() == Process.objects.count() == 14


def test_text_with_tabs_newlines_and_backslashes_survives_staging(cast_and_customers, damage_type):
    cast, own, _ = cast_and_customers
    note = "kabel\tputus\\di tiang\nlihat foto"
    rows = _rows(own[:1], damage_type)
    rows[0][5] = note
    upload = checked(cast.supervisor, "to-ex-dg", xlsx(rows))
    staged = UploadRow.objects.get(upload=upload)
    assert staged.cells["KETERANGAN"] == note.strip()
    services.start_apply(upload=upload, actor=cast.supervisor)
    services.apply_upload(upload_id=upload.pk)
    assert ReplacementTarget.objects.get().notes == note.strip()
