from django.conf import settings
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from meterops.core.media import RandomName
from meterops.core.models import TimeStampedModel, Unit


class UploadState(models.TextChoices):
    UPLOADED = "uploaded", _("Diunggah")
    CHECKING = "checking", _("Sedang diperiksa")
    CHECKED = "checked", _("Siap diterapkan")
    APPLYING = "applying", _("Sedang diterapkan")
    APPLIED = "applied", _("Selesai")
    FAILED = "failed", _("Gagal")


def _upload_path(instance, filename: str) -> str:
    # Named by migration 0001 only; uploads are stored under RandomName since 0005.
    return f"imports/{timezone.now():%Y/%m}/{instance.sha256[:16]}-{filename}"


class Upload(ConcurrentTransitionMixin, TimeStampedModel):
    """One uploaded file of one template, kept with its hash, and its way to the database."""

    template_code = models.CharField(_("template"), max_length=40)
    file = models.FileField(_("berkas"), upload_to=RandomName("imports"), max_length=255)
    original_name = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(_("hash SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("ukuran (byte)"))
    # Both empty for a file loaded by an operator on the command line (manage.py import_dil).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pengunggah"),
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    state = FSMField(
        _("status"), default=UploadState.UPLOADED, choices=UploadState.choices, protected=True
    )
    error = models.TextField(_("kesalahan berkas"), blank=True)
    header = models.JSONField(_("judul kolom berkas"), default=list, blank=True)
    total_rows = models.PositiveIntegerField(_("jumlah baris"), default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    new_rows = models.PositiveIntegerField(_("baru"), default=0)
    changed_rows = models.PositiveIntegerField(_("berubah"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("tetap"), default=0)
    rejected_rows = models.PositiveIntegerField(_("ditolak"), default=0)
    batches_total = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The heartbeat of a check (each staged chunk) and the start of an apply; an apply's later
    # progress is its batches' done marks (UploadBatch.applied_at). See last_progress_at().
    progress_at = models.DateTimeField(_("kemajuan terakhir"), null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The run_worker running its check or apply (core.workers), set when the task starts;
    # empty while its task waits in the queue. Its heartbeat stopping queues the task again.
    worker_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("upload")
        verbose_name_plural = _("upload")
        indexes = [models.Index(fields=["unit", "-created_at"], name="imports_upload_unit_at")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def batches_applied(self) -> int:
        """Batches with their done mark (imports.UploadBatch.applied_at)."""
        return self.batches.filter(applied_at__isnull=False).count()

    @property
    def progress_percent(self) -> int:
        if self.state in (UploadState.UPLOADED, UploadState.CHECKING):
            return min(99, self.rows_checked * 100 // self.total_rows) if self.total_rows else 0
        if self.state == UploadState.APPLYING and self.batches_total:
            return min(99, self.batches_applied * 100 // self.batches_total)
        return 100

    def was_checked(self) -> bool:
        return self.checked_at is not None

    def is_running(self) -> bool:
        """Waiting for its check, being checked or being applied (a worker owes it progress)."""
        return self.state in (UploadState.UPLOADED, UploadState.CHECKING, UploadState.APPLYING)

    def last_progress_at(self):
        """When its worker last showed progress: the upload made, a chunk checked, the apply
        started, or a batch applied."""
        last = self.progress_at or self.created_at
        if self.state == UploadState.APPLYING:
            batch = self.batches.aggregate(last=Max("applied_at"))["last"]
            last = max(last, batch) if batch else last
        return last

    @transition(
        field=state,
        source=[UploadState.UPLOADED, UploadState.CHECKING],
        target=UploadState.CHECKING,
    )
    def start_check(self) -> None:
        self.rows_checked, self.progress_at = 0, timezone.now()

    @transition(field=state, source=UploadState.CHECKING, target=UploadState.CHECKED)
    def finish_check(self) -> None:
        self.checked_at = timezone.now()

    # A worker killed mid-apply leaves APPLYING; applying again resumes at the next batch.
    @transition(
        field=state,
        source=[UploadState.CHECKED, UploadState.APPLYING, UploadState.FAILED],
        target=UploadState.APPLYING,
        conditions=[was_checked],
    )
    def start_apply(self, *, by) -> None:
        self.applied_by, self.error, self.progress_at = by, "", timezone.now()
        self.worker_id = ""

    @transition(field=state, source=UploadState.APPLYING, target=UploadState.APPLIED)
    def finish_apply(self) -> None:
        self.applied_at = timezone.now()

    @transition(
        field=state,
        source=[UploadState.UPLOADED, UploadState.CHECKING, UploadState.APPLYING],
        target=UploadState.FAILED,
    )
    def fail(self, *, error: str) -> None:
        self.error = error


class UploadRow(models.Model):
    """One data row of an upload: the staging table the domains apply from, and its verdict.

    ``cells`` holds the converted cells (dates ISO, decimals as text) keyed by column header,
    plus what the domain's classify resolved (keys starting with "_", e.g. "_target_id");
    a rejected row keeps its cells as typed (``raw``) for the error report.
    """

    # Indexed by imports_row_unique (upload, row_number).
    upload = models.ForeignKey(Upload, models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField(_("baris"))
    batch = models.PositiveIntegerField()
    status = models.CharField(_("hasil"), max_length=10)
    customer_id = models.BigIntegerField(null=True, blank=True)
    cells = models.JSONField(default=dict)
    raw = models.JSONField(default=list, blank=True)
    error_column = models.CharField(_("kolom"), max_length=60, blank=True)
    reason = models.TextField(_("alasan"), blank=True)
    record_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["upload", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "row_number"], name="imports_row_unique"),
        ]
        indexes = [
            models.Index(fields=["upload", "batch", "status"], name="imports_row_batch"),
            models.Index(fields=["upload", "status", "row_number"], name="imports_row_status"),
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.row_number} {self.status}"


class UploadBatch(models.Model):
    """One batch of an upload's rows, applied in one transaction; ``applied_at`` is its done mark.

    Apply workers claim the next batch not applied (row lock, skipping batches another worker
    holds), so two of them share an upload and a killed one leaves only whole batches.
    """

    upload = models.ForeignKey(Upload, models.CASCADE, related_name="batches", db_index=False)
    number = models.PositiveIntegerField()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["upload", "number"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "number"], name="imports_batch_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.number}"


class ErrorReport(models.Model):
    """An upload's error report (its rejected rows as typed, with the reason), written to a file
    by a background task and served from it: 350,000 rejected rows took 26.7 s to write inside
    the web request (issue #17).

    It covers the upload's ``rows_total`` rejected rows; once the upload counts another number
    (apply rejected more), a new one is built.
    """

    upload = models.OneToOneField(Upload, models.CASCADE, related_name="error_report")
    rows_total = models.PositiveIntegerField(_("baris ditolak"))
    rows_written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=RandomName("imports/reports"), max_length=255, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    progress_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("laporan kesalahan")
        verbose_name_plural = _("laporan kesalahan")

    def __str__(self) -> str:
        return f"{self.upload_id}: {self.rows_written}/{self.rows_total}"

    def is_ready(self) -> bool:
        return self.finished_at is not None and not self.error and bool(self.file)

    def is_building(self) -> bool:
        """Queued or being written, and its worker still showing progress."""
        stalled = timezone.now() - self.progress_at > settings.IMPORT_STALLED_AFTER
        return self.finished_at is None and not self.error and not stalled

    def covers(self, upload: Upload) -> bool:
        return self.rows_total == upload.rejected_rows

    @property
    def progress_percent(self) -> int:
        return min(99, self.rows_written * 100 // self.rows_total) if self.rows_total else 0
