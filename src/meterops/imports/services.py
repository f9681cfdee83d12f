"""The upload pipeline: take a file, check it in the background, apply it batch by batch.

Rules by name (docs/IMPORTS.md): size limit before reading, one template per file (missing or
unknown columns refuse the file), the same file twice is refused, a repeated key inside the file
rejects the later row, the scope rule keeps rows inside the uploader's units, apply is one
transaction per batch and resumes after the last committed batch.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.utils import timezone

from meterops.core.choices import UnitLevel
from meterops.core.errors import DomainError
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped, visible_unit_ids
from meterops.customers.models import Customer

from . import staging
from .cells import CellError, compile_converter
from .models import Upload, UploadRow, UploadState
from .reader import FileRefused, check_size, header_of, read_rows, sniff
from .registry import CheckedRow, ImportTemplate, RowStatus, Scope, get_template

REPORT_HEADERS = ("BARIS_ASAL", "ALASAN_DITOLAK")


class UploadRefused(DomainError):
    code = "upload_refused"


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
    """Keep the file with its hash; the same file (same hash) uploaded again is refused."""
    if not can_upload(actor, template):
        raise UploadRefused("Peran Anda tidak berhak mengunggah template ini.")
    check_size(upload_file.size)
    try:
        sniff_name = Path(upload_file.name).name
        digest = _sha256(upload_file)
    except OSError as exc:  # pragma: no cover - disk errors
        raise UploadRefused(str(exc)) from exc
    earlier = (
        scoped(Upload, actor)
        .filter(template_code=template.code, sha256=digest)
        .exclude(state=UploadState.FAILED)
        .select_related("uploaded_by")
        .first()
    )
    if earlier is not None:
        raise UploadRefused(
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
    """Read and check every row, stage it with its verdict; a bad file fails with its reason."""
    upload = Upload.objects.get(pk=upload_id)
    upload.start_check()
    upload.save()
    UploadRow.objects.filter(upload=upload).delete()
    template = get_template(upload.template_code)
    try:
        _check_rows(upload, template)
    except FileRefused as exc:
        UploadRow.objects.filter(upload=upload).delete()
        upload.refresh_from_db()
        upload.fail(error=str(exc))
        upload.save()
        return upload
    upload.refresh_from_db()
    _recount(upload)
    upload.finish_check()
    upload.save()
    return upload


def _check_rows(upload: Upload, template: ImportTemplate) -> None:
    path = Path(upload.file.path)
    check_size(path.stat().st_size)
    kind = sniff(path, upload.original_name)
    rows = read_rows(path, kind)
    header = header_of(next(rows, []))
    _check_header(template, header)
    Upload.objects.filter(pk=upload.pk).update(header=header)
    actor = upload.uploaded_by
    choices = {
        c.header: {v.upper(): v for v in c.choice_values()} for c in template.columns if c.choices
    }
    seen_keys: dict[tuple, int] = {}
    converters = [
        (c.header, header.index(c.header), compile_converter(c, choices.get(c.header)))
        for c in template.columns
        if c.header in header
    ]
    chunk: list[CheckedRow] = []
    batch = total = 0
    size = batch_size()
    for number, raw in enumerate(rows, start=2):
        if _blank(raw):
            continue
        chunk.append(_convert_row(template, converters, seen_keys, number, raw))
        if len(chunk) >= size:
            _finish_chunk(upload, template, actor, batch, chunk)
            total += len(chunk)
            batch, chunk = batch + 1, []
            Upload.objects.filter(pk=upload.pk).update(rows_checked=total)
    if chunk:
        _finish_chunk(upload, template, actor, batch, chunk)
        total += len(chunk)
        batch += 1
    if total == 0:
        raise FileRefused("Sheet pertama kosong: tidak ada baris data di bawah baris judul kolom.")
    Upload.objects.filter(pk=upload.pk).update(
        rows_checked=total, total_rows=total, batches_total=batch
    )


def _blank(raw: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in raw)


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


def _convert_row(template, converters, seen_keys, number: int, raw: list) -> CheckedRow:
    row = CheckedRow(row_number=number, cells={}, raw=raw)  # as typed; text only if rejected
    cells = row.cells
    width = len(raw)
    for header, index, converter in converters:
        try:
            cells[header] = converter(raw[index] if index < width else None)
        except CellError as exc:
            cells[header] = None
            row.reject(header, str(exc))
    if row.ok:
        key = tuple(cells.get(h) for h in template.key_columns)
        first = seen_keys.setdefault(key, number)
        if first != number:
            row.reject(
                template.key_columns[0],
                f"duplikat: {', '.join(str(k) for k in key)} sudah ada di baris {first}.",
            )
    return row


def _finish_chunk(upload, template: ImportTemplate, actor, batch: int, chunk) -> None:
    _apply_scope(template, actor, [r for r in chunk if r.ok])
    template.classify([r for r in chunk if r.ok], actor=actor, template=template)
    with transaction.atomic():
        staging.relax_commit()
        staging.stage_rows(upload.pk, batch, chunk)


def _apply_scope(template: ImportTemplate, actor, rows: list[CheckedRow]) -> None:
    """The scope rule: unknown IDPELs and those of another unit are rejected the same way."""
    if template.scope == Scope.CUSTOMER:
        ids = list({r.cells["IDPEL"] for r in rows})
        if staging.is_postgres():  # one array parameter instead of thousands of placeholders
            ids = RawSQL("SELECT unnest(%s::text[])", [ids])
        customers = Customer.objects.all() if actor is None else scoped(Customer, actor)
        found = dict(customers.filter(customer_id__in=ids).values_list("customer_id", "pk"))
        for row in rows:
            row.customer_id = found.get(row.cells["IDPEL"])
            if row.customer_id is None:
                row.reject(
                    "IDPEL",
                    f"IDPEL {row.cells['IDPEL']} tidak ada di DIL unit Anda "
                    "(tidak dikenal atau milik unit lain).",
                )
    elif template.scope == Scope.UNIT_CODE:
        visible = None if actor is None else visible_unit_ids(actor)
        units = Unit.objects.filter(level=UnitLevel.SERVICE_POINT)
        if visible is not None:
            units = units.filter(pk__in=visible)
        codes = set(units.values_list("code", flat=True))
        for row in rows:
            if row.cells["IDPEL"][:5] not in codes:
                row.reject(
                    "IDPEL",
                    f"kode unit {row.cells['IDPEL'][:5]} bukan ULP yang dikenal "
                    "(atau di luar unit Anda).",
                )


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
    """The user confirms; the apply task then runs the batches (seed 000, menu Upload)."""
    template = get_template(upload.template_code)
    if not actor.has_role(*template.roles):
        raise UploadRefused("Peran Anda tidak berhak menerapkan upload ini.")
    with transaction.atomic():
        upload = scoped(Upload, actor).select_for_update().filter(pk=upload.pk).first()
        if upload is None:
            raise UploadRefused("Upload tidak ditemukan di unit Anda.")
        if upload.state == UploadState.APPLIED:
            raise UploadRefused("Upload ini sudah diterapkan.")
        if upload.state not in (UploadState.CHECKED, UploadState.APPLYING, UploadState.FAILED):
            raise UploadRefused("Upload belum selesai diperiksa.")
        if not upload.was_checked():
            raise UploadRefused("Berkas ini gagal diperiksa; perbaiki lalu unggah lagi.")
        upload.start_apply(by=actor)
        upload.save()
    return upload


def apply_upload(*, upload_id: int) -> Upload:
    """Apply every batch not applied yet, each in its own transaction with its progress mark.

    Killed half-way, a batch is all there or not at all (its transaction), and running this
    again starts at the first batch not marked applied: nothing is written twice.
    """
    upload = Upload.objects.get(pk=upload_id)
    template = get_template(upload.template_code)
    actor = upload.applied_by or upload.uploaded_by
    try:
        for batch in range(upload.batches_applied, upload.batches_total):
            _apply_batch(upload, template, actor, batch)
    except Exception as exc:
        upload.refresh_from_db()
        upload.fail(error=f"Gagal di batch {upload.batches_applied + 1}: {exc}")
        upload.save()
        raise
    upload.refresh_from_db()
    _recount(upload)
    upload.finish_apply()
    upload.save()
    return upload


def _apply_batch(upload: Upload, template: ImportTemplate, actor, batch: int) -> None:
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.batches_applied > batch:
            return  # another worker applied it meanwhile
        staging.relax_commit()
        staging.lock_customers(upload=upload, batch=batch)
        template.apply(upload=upload, batch=batch, actor=actor)
        Upload.objects.filter(pk=upload.pk).update(batches_applied=batch + 1)
