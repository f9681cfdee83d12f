"""The upload pipeline: take a file, check it in the background, apply it batch by batch.

Rules by name (docs/IMPORTS.md): size limit before reading, one template per file (missing or
unknown columns refuse the file), the same file twice is refused while the first is pending,
checked or applied, a repeated key inside the file rejects the later row, the scope rule keeps
rows inside the uploader's units, apply is one transaction per batch and resumes after the last
committed batch, starting it twice queues one job, a check or apply that stopped making progress
is failed and can be retried, the error report is written in the background.
"""

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest, Now
from django.utils import timezone

from meterops.core import jobs, metrics
from meterops.core.choices import UnitLevel
from meterops.core.directory import customer_directory
from meterops.core.errors import NotAllowed, NotFound, WrongState
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped, visible_unit_ids
from meterops.core.services import require_role
from meterops.core.workers import current_worker_id, stop_requested

from . import staging
from .cells import CellError, compile_converter
from .errors import DuplicateUpload, UploadNotReady
from .models import ErrorReport, Upload, UploadBatch, UploadRow, UploadState
from .reader import FileRefused, check_size, header_of, read_rows
from .registry import ULP_COLUMN, CheckedRow, ImportTemplate, RowStatus, Scope, get_template

REPORT_HEADERS = ("BARIS_ASAL", "ALASAN_DITOLAK")
REPORT_PROGRESS_ROWS = 5000  # the report's progress is saved this often

logger = logging.getLogger(__name__)


def batch_size() -> int:
    return settings.IMPORT_BATCH_SIZE


def _sha256(upload_file) -> str:
    digest = hashlib.sha256()
    for chunk in upload_file.chunks():
        digest.update(chunk)
    upload_file.seek(0)
    return digest.hexdigest()


def can_upload(actor: User, template: ImportTemplate) -> bool:
    return actor.has_role(*template.roles) and actor.home_unit() is not None


@transaction.atomic
def create_upload(*, actor: User, template: ImportTemplate, upload_file) -> Upload:
    """Keep the file with its hash. The same file (same hash) is refused while an earlier upload
    of it is pending, checked or applied; never after that one failed or was refused, and an
    earlier one whose worker stopped is failed first (issue #17)."""
    if not can_upload(actor, template):
        raise NotAllowed("Peran Anda tidak berhak mengunggah template ini.")
    check_size(upload_file.size)
    try:
        sniff_name = Path(upload_file.name).name
        digest = _sha256(upload_file)
    except OSError as exc:  # pragma: no cover - disk errors
        raise WrongState(str(exc)) from exc
    earlier = (
        scoped(Upload, actor)
        .filter(template_code=template.code, sha256=digest)
        .exclude(state=UploadState.FAILED)
        .select_related("uploaded_by")
        .first()
    )
    if earlier is not None and not fail_if_stalled(earlier):
        raise DuplicateUpload(
            f"Berkas yang sama persis (hash {digest[:12]}…) sudah diunggah "
            f"{timezone.localtime(earlier.created_at):%d-%m-%Y %H:%M} oleh "
            f"{earlier.uploaded_by.get_username()} (upload #{earlier.pk}); "
            "tidak ada data baru yang dibuat."
        )
    upload = Upload(
        template_code=template.code,
        original_name=sniff_name[:255],
        sha256=digest,
        size=upload_file.size,
        uploaded_by=actor,
        unit=actor.home_unit(),
    )
    upload.file.save(sniff_name, File(upload_file), save=False)
    upload.save()
    return upload


@transaction.atomic
def create_upload_from_path(*, template: ImportTemplate, path: Path, actor: User | None) -> Upload:
    """An operator's file from the command line (manage.py import_dil): no role check, the
    actor (if any) only sets the scope and the history's user."""
    with open(path, "rb") as handle:
        upload_file = File(handle, name=path.name)
        check_size(upload_file.size)
        upload = Upload(
            template_code=template.code,
            original_name=path.name[:255],
            sha256=_sha256(upload_file),
            size=upload_file.size,
            uploaded_by=actor,
            unit=actor.home_unit() if actor is not None else None,
        )
        upload.file.save(path.name, upload_file, save=False)
    upload.save()
    return upload


def check_upload(*, upload_id: int) -> Upload:
    """Read and check every row, stage it with its verdict; a bad file fails with its reason,
    and so does a check that breaks down (the page must not wait on it forever). The file is
    read by a child process (reader.read_rows): whatever the parser does, only this upload
    fails (issue #17). An upload no longer waiting for its check (failed as stalled, a second
    task for it) is left as it is."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.state not in (UploadState.UPLOADED, UploadState.CHECKING):
            return upload
        upload.start_check()
        upload.worker_id = current_worker_id()
        upload.save()
    _clear_staging(upload)
    template = get_template(upload.template_code)
    try:
        _check_rows(upload, template)
    except FileRefused as exc:
        return _fail_check(upload, str(exc))
    except Exception as exc:
        _fail_check(
            upload,
            f"Pemeriksaan berhenti karena kesalahan sistem ({exc.__class__.__name__}); tidak "
            "ada data yang diubah. Unggah lagi; bila berulang, laporkan ke admin.",
        )
        raise
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.state != UploadState.CHECKING:  # failed as stalled while it ran
            _clear_staging(upload)
            return upload
        _recount(upload)
        upload.finish_check()
        upload.save()
    return upload


def _clear_staging(upload: Upload) -> None:
    UploadRow.objects.filter(upload=upload).delete()
    UploadBatch.objects.filter(upload=upload).delete()


def _fail_check(upload: Upload, error: str) -> Upload:
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        _clear_staging(upload)
        if upload.state in (UploadState.UPLOADED, UploadState.CHECKING):
            upload.fail(error=error)
            upload.save()
    return upload


def _check_rows(upload: Upload, template: ImportTemplate) -> None:
    path = Path(upload.file.path)
    check_size(path.stat().st_size)
    columns = len(template.columns) + len(REPORT_HEADERS)
    with closing(read_rows(path, upload.original_name, columns=columns)) as rows:
        _stage_rows(upload, template, rows)


def _stage_rows(upload: Upload, template: ImportTemplate, rows) -> None:
    header = header_of(next(rows, []))
    _check_header(template, header)
    Upload.objects.filter(pk=upload.pk).update(header=header)
    choices = {
        c.header: {v.upper(): v for v in c.choice_values()} for c in template.columns if c.choices
    }
    converters = [
        (c.header, header.index(c.header), compile_converter(c, choices.get(c.header)))
        for c in template.columns
        if c.header in header
    ]
    seen_keys: dict[tuple, int] = {}
    batch = total = 0
    with ChunkWriter(upload, template) as writer:
        for numbered in _numbered_chunks(rows, batch_size()):
            chunk = _convert_chunk(template, converters, seen_keys, numbered)
            total += len(chunk)
            writer.write(batch, chunk, checked=total)
            batch += 1
    if total == 0:
        raise FileRefused("Sheet pertama kosong: tidak ada baris data di bawah baris judul kolom.")
    Upload.objects.filter(pk=upload.pk).update(
        rows_checked=total, total_rows=total, batches_total=batch
    )
    UploadBatch.objects.bulk_create(UploadBatch(upload=upload, number=n) for n in range(batch))
    staging.refresh_statistics()


def _numbered_chunks(rows, size: int):
    """The data rows with their Excel row numbers, blank rows left out, ``size`` at a time."""
    chunk = []
    for number, raw in enumerate(rows, start=2):
        if not _blank(raw):
            chunk.append((number, raw))
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _blank(raw: list) -> bool:
    for value in raw:
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def _check_header(template: ImportTemplate, header: list[str]) -> None:
    if not any(header):
        raise FileRefused(
            "Sheet pertama kosong atau baris pertamanya bukan judul kolom. "
            "Pakai template yang diunduh dari halaman ini."
        )
    missing = [c.header for c in template.columns if c.required and c.header not in header]
    # The error report's own columns may come back with the corrected rows.
    unknown = [h for h in header if h and h not in template.headers and h not in REPORT_HEADERS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("Kolom wajib tidak ada di baris judul: " + ", ".join(missing) + ".")
        if unknown:
            parts.append("Kolom tidak dikenal (salah nama?): " + ", ".join(unknown) + ".")
        raise FileRefused(
            " ".join(parts)
            + f" Ini bukan template {template.title}; kolom yang benar: "
            + ", ".join(template.headers)
            + ". Unduh template lalu salin data ke dalamnya."
        )
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise FileRefused("Kolom muncul lebih dari sekali: " + ", ".join(repeated) + ".")


def _convert_chunk(template, converters, seen_keys, numbered) -> list[CheckedRow]:
    """Convert a chunk column by column (a comprehension per column while its cells are
    clean), then mark each row's first bad cell and every repeated key."""
    raws = [raw for _, raw in numbered]
    errors: dict[int, tuple[str, str]] = {}  # row index -> first bad cell (column order)
    headers, columns = [], []
    for header, index, converter in converters:
        try:
            values = [converter(raw[index]) for raw in raws]
        except (CellError, IndexError):
            values = _convert_cells(header, index, converter, raws, errors)
        headers.append(header)
        columns.append(values)
    rows = [
        CheckedRow(row_number=number, cells=dict(zip(headers, values, strict=True)), raw=raw)
        for (number, raw), values in zip(numbered, zip(*columns, strict=True), strict=True)
    ]
    for index, (header, reason) in errors.items():
        rows[index].reject(header, reason)
    for row in rows:
        if row.ok:
            key = tuple(row.cells.get(h) for h in template.key_columns)
            first = seen_keys.setdefault(key, row.row_number)
            if first != row.row_number:
                row.reject(
                    template.key_columns[0],
                    f"duplikat: {', '.join(str(k) for k in key)} sudah ada di baris {first}.",
                )
    return rows


def _convert_cells(header, index, converter, raws, errors) -> list:
    values = []
    for position, raw in enumerate(raws):
        try:
            values.append(converter(raw[index] if index < len(raw) else None))
        except CellError as exc:
            values.append(None)
            errors.setdefault(position, (header, str(exc)))
    return values


def _close_connection() -> None:
    connection.close()  # the calling thread's own (connections are per thread)


class ChunkWriter:
    """Scope rule, classify and staging of converted chunks on worker threads, each with its
    own connection, while the caller converts the next chunk (PostgreSQL, outside a caller's
    transaction); inline otherwise. A few chunks wait at most, so memory stays flat.
    """

    def __init__(self, upload: Upload, template: ImportTemplate):
        self.upload, self.template, self.actor = upload, template, upload.uploaded_by
        self.workers = apply_workers()
        self.pool = ThreadPoolExecutor(self.workers) if _threads_allowed() else None
        self.pending = []

    def __enter__(self):
        return self

    def write(self, batch: int, chunk: list[CheckedRow], *, checked: int) -> None:
        if self.pool is None:
            self._finish(batch, chunk, checked)
            return
        self.pending.append(self.pool.submit(self._finish, batch, chunk, checked))
        while len(self.pending) > self.workers + 1:
            self.pending.pop(0).result()

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self.pool is None:
            return
        everyone = threading.Barrier(self.workers)  # one close per thread, each its own

        def close() -> None:
            everyone.wait()
            _close_connection()

        self.pending += [self.pool.submit(close) for _ in range(self.workers)]
        self.pool.shutdown(wait=True)  # nothing is still writing when the caller cleans up
        if exc_type is None:
            for future in self.pending:
                future.result()  # the first chunk that failed, raised here

    def _finish(self, batch: int, chunk: list[CheckedRow], checked: int) -> None:
        upload, template, actor = self.upload, self.template, self.actor
        _apply_scope(template, actor, [r for r in chunk if r.ok])
        template.classify([r for r in chunk if r.ok], actor=actor, template=template)
        with transaction.atomic():
            staging.relax_commit()
            staging.stage_rows(upload.pk, batch, chunk)
            Upload.objects.filter(pk=upload.pk).update(
                rows_checked=Greatest(F("rows_checked"), checked), progress_at=Now()
            )


def _apply_scope(template: ImportTemplate, actor, rows: list[CheckedRow]) -> None:
    """The scope rule: unknown IDPELs (or ULP codes) and those of another unit are rejected
    the same way."""
    if template.scope == Scope.CUSTOMER:
        ids = staging.many({r.cells["IDPEL"] for r in rows}, "text")
        customers = customer_directory().visible(actor)
        found = dict(staging.fetch(customers.filter(customer_id__in=ids), "customer_id", "pk"))
        for row in rows:
            row.customer_id = found.get(row.cells["IDPEL"])
            if row.customer_id is None:
                row.reject(
                    "IDPEL",
                    f"IDPEL {row.cells['IDPEL']} tidak ada di DIL unit Anda "
                    "(tidak dikenal atau milik unit lain).",
                )
    elif template.scope == Scope.UNIT_CODE:
        codes = _service_points(actor)
        for row in rows:
            if row.cells["IDPEL"][:5] not in codes:
                row.reject(
                    "IDPEL",
                    f"kode unit {row.cells['IDPEL'][:5]} bukan ULP yang dikenal "
                    "(atau di luar unit Anda).",
                )
    elif template.scope == Scope.ULP_CODE:
        codes = _service_points(actor)
        for row in rows:
            code = row.cells[ULP_COLUMN]
            if code in codes:
                row.cells["_unit_id"] = codes[code]
            else:
                row.reject(
                    ULP_COLUMN, f"{code} bukan kode ULP yang dikenal (atau di luar unit Anda)."
                )


def _service_points(actor) -> dict[str, int]:
    """Code -> pk of the ULPs the uploader sees (every ULP for an operator's file, no actor)."""
    visible = None if actor is None else visible_unit_ids(actor)
    units = Unit.objects.filter(level=UnitLevel.SERVICE_POINT)
    if visible is not None:
        units = units.filter(pk__in=visible)
    return dict(units.values_list("code", "pk"))


def _recount(upload: Upload) -> None:
    counts = dict(
        UploadRow.objects.filter(upload=upload)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    upload.new_rows = counts.get(RowStatus.NEW, 0)
    upload.changed_rows = counts.get(RowStatus.CHANGED, 0)
    upload.unchanged_rows = counts.get(RowStatus.UNCHANGED, 0)
    upload.rejected_rows = counts.get(RowStatus.REJECTED, 0)


def start_apply(*, upload: Upload, actor: User) -> Upload:
    """The user confirms; one apply task then runs the batches (seed 000, menu Upload).

    Idempotent: confirming again while the apply runs queues nothing (issue #17: Apply pressed
    three times queued three jobs). One that stalled (its worker died) starts again and resumes
    after the last applied batch.
    """
    template = get_template(upload.template_code)
    require_role(actor, template.roles)
    with transaction.atomic():
        upload = scoped(Upload, actor).select_for_update().filter(pk=upload.pk).first()
        if upload is None:
            raise NotFound("Upload tidak ditemukan di unit Anda.")
        if upload.state == UploadState.APPLYING and not _stalled(upload):
            return upload
        if upload.state == UploadState.APPLIED:
            raise UploadNotReady("Upload ini sudah diterapkan.")
        if upload.state not in (UploadState.CHECKED, UploadState.APPLYING, UploadState.FAILED):
            raise UploadNotReady("Upload belum selesai diperiksa.")
        if not upload.was_checked():
            raise UploadNotReady("Berkas ini gagal diperiksa; perbaiki lalu unggah lagi.")
        upload.start_apply(by=actor)
        upload.save()
        _enqueue_on_commit("apply_upload_task", upload.pk)
    return upload


def _enqueue_on_commit(task_name: str, upload_id: int) -> None:
    from . import tasks  # tasks calls this module: imported when a job is queued

    jobs.enqueue_on_commit(getattr(tasks, task_name), upload_id)


def apply_upload(*, upload_id: int) -> Upload:
    """Apply every batch not applied yet, each in its own transaction with its done mark.

    Killed half-way, a batch is all there or not at all (its transaction), and running this
    again applies only the batches not marked: nothing is written twice. An upload no longer
    being applied (a second task for it, or failed as stalled) is left as it is. Its worker
    asked to stop (SIGTERM) stops after the batch in hand; the next worker resumes the rest
    (imports.recovery).
    """
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.state != UploadState.APPLYING:
            return upload
        Upload.objects.filter(pk=upload.pk).update(worker_id=current_worker_id())
    template = get_template(upload.template_code)
    actor = upload.applied_by or upload.uploaded_by
    started = time.monotonic()
    try:
        _apply_batches(upload, template, actor)
    except BatchFailed as failed:
        _fail_apply(upload, f"Gagal di batch {failed.number + 1}: {failed.__cause__}")
        raise failed.__cause__ from None
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.state != UploadState.APPLYING:
            return upload
        if upload.batches.filter(applied_at__isnull=True).exists():
            return upload  # its worker was asked to stop: the next one resumes it
        _recount(upload)
        upload.finish_apply()
        upload.save()
    metrics.observe_upload_apply(
        template=upload.template_code,
        rows=upload.total_rows,
        seconds=time.monotonic() - started,
    )
    return upload


def _fail_apply(upload: Upload, error: str) -> None:
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.state == UploadState.APPLYING:
            upload.fail(error=error)
            upload.save()


class BatchFailed(Exception):
    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


def _threads_allowed() -> bool:
    """Check and apply use more connections on PostgreSQL, unless called inside a caller's
    transaction, whose rows other connections could not see."""
    return staging.is_postgres() and not connection.in_atomic_block


def apply_workers() -> int:
    """Workers sharing the batches: one core each for the database's work."""
    return max(1, settings.IMPORT_APPLY_WORKERS) if _threads_allowed() else 1


def _apply_batches(upload: Upload, template: ImportTemplate, actor) -> None:
    workers = apply_workers()
    if workers == 1:
        _claim_and_apply(upload, template, actor, threading.Event())
        return
    stop = threading.Event()

    def work() -> None:
        try:
            _claim_and_apply(upload, template, actor, stop)
        except BaseException:
            stop.set()  # the other workers finish their batch and stop
            raise
        finally:
            _close_connection()

    with ThreadPoolExecutor(workers, thread_name_prefix=f"upload-{upload.pk}") as pool:
        futures = [pool.submit(work) for _ in range(workers)]
    for future in futures:
        future.result()  # the first failure, with its batch number


def _claim_and_apply(upload: Upload, template: ImportTemplate, actor, stop) -> None:
    applying = Upload.objects.filter(pk=upload.pk, state=UploadState.APPLYING)
    while not stop.is_set() and not stop_requested():
        with transaction.atomic():
            if not applying.exists():  # failed as stalled, or by another apply worker
                return
            batch = (
                UploadBatch.objects.select_for_update(skip_locked=True)
                .filter(upload=upload, applied_at__isnull=True)
                .order_by("number")
                .first()
            )
            if batch is None:
                return
            try:
                _apply_batch(upload, template, actor, batch)
            except Exception as exc:
                raise BatchFailed(batch.number) from exc


def _apply_batch(upload: Upload, template: ImportTemplate, actor, batch: UploadBatch) -> None:
    staging.relax_commit()
    staging.lock_customers(upload=upload, batch=batch.number)
    template.apply(upload=upload, batch=batch.number, actor=actor)
    UploadBatch.objects.filter(pk=batch.pk).update(applied_at=timezone.now())


# Stalled work (issue #17): a worker that died mid-check left its upload "checking" forever,
# blocking the same file; a restarted worker does not take the job up again.


def _stalled(upload: Upload) -> bool:
    return (
        upload.is_running()
        and timezone.now() - upload.last_progress_at() > settings.IMPORT_STALLED_AFTER
    )


def fail_if_stalled(upload: Upload) -> bool:
    """Fail a check or apply that made no progress for IMPORT_STALLED_AFTER (its worker is gone),
    with a message saying how to retry; True if it did (issue #17)."""
    if not _stalled(upload):
        return False
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if not _stalled(upload):
            return False
        since = timezone.localtime(upload.last_progress_at())
        minutes = int(settings.IMPORT_STALLED_AFTER.total_seconds() // 60)
        stopped = (
            f"tidak ada kemajuan sejak {since:%d-%m-%Y %H:%M} (lebih dari {minutes} menit; "
            "pekerja latar belakang mungkin mati)"
        )
        if upload.state == UploadState.APPLYING:
            upload.fail(
                error=f"Penerapan berhenti tanpa selesai: {stopped}. {upload.batches_applied} "
                f"dari {upload.batches_total} batch sudah tersimpan utuh; tekan Lanjutkan "
                "penerapan untuk menerapkan sisanya."
            )
        else:
            _clear_staging(upload)
            upload.fail(
                error=f"Pemeriksaan berhenti tanpa selesai: {stopped}. Tidak ada data yang "
                "diubah; unggah lagi berkas yang sama untuk memeriksanya ulang."
            )
        upload.save()
    logger.warning("upload %s stalled; failed", upload.pk)
    return True


def fail_stalled_uploads(*, except_id: int | None = None) -> int:
    """Fail every stalled check or apply (at a worker's next upload task, from cron); the count."""
    running = Upload.objects.filter(
        state__in=(UploadState.UPLOADED, UploadState.CHECKING, UploadState.APPLYING)
    ).exclude(pk=except_id)
    return sum(fail_if_stalled(upload) for upload in running)


# The error report (issue #17: 350,000 rejected rows took 26.7 s to write inside the request).


def request_error_report(*, upload: Upload) -> bool:
    """Queue the writing of the upload's error report, unless one for its rejected rows is ready
    or being written: one job however often it is asked. True if it queued one."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if not upload.rejected_rows:
            return False
        report = ErrorReport.objects.filter(upload=upload).first()
        current = report is not None and report.covers(upload)
        if current and (report.is_ready() or report.is_building()):
            return False
        if report is not None:
            report.file.delete(save=False)
            report.delete()
        ErrorReport.objects.create(upload=upload, rows_total=upload.rejected_rows)
        _enqueue_on_commit("build_error_report_task", upload.pk)
    return True


def build_error_report(*, upload_id: int) -> ErrorReport | None:
    """Write the requested report to its file, saving its progress every few thousand rows."""
    from .workbooks import error_report_bytes  # the workbooks read REPORT_HEADERS from here

    report = ErrorReport.objects.select_related("upload").filter(upload_id=upload_id).first()
    if report is None or report.finished_at is not None:
        return report
    template = get_template(report.upload.template_code)
    progress = ErrorReport.objects.filter(pk=report.pk)

    def written(count: int) -> None:
        progress.update(rows_written=count, progress_at=Now())

    try:
        data = error_report_bytes(report.upload, template, progress=written)
    except Exception:
        progress.update(
            error="Laporan kesalahan gagal disusun karena kesalahan sistem; coba susun lagi.",
            finished_at=Now(),
        )
        raise
    report.file.save(f"ditolak-upload-{upload_id}.xlsx", ContentFile(data), save=False)
    progress.update(file=report.file.name, finished_at=Now(), progress_at=Now())
    report.refresh_from_db()
    return report
