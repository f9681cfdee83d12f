from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from meterops.core.choices import Domain
from meterops.core.media import RandomName
from meterops.core.models import Process, TimeStampedModel, Unit
from meterops.imports.staging import zero_padded

from .choices import (
    OPEN_WORK_ORDER,
    BillingOutcome,
    PhotoStage,
    TargetSource,
    TargetState,
    WorkOrderStatus,
)

REGISTER = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}

# A target's Keterangan: a few sentences on the damage, as the TO upload has always allowed;
# the PK prints it whole. Checked on input only: longer notes written before stay (issue #20).
NOTES_MAX_LENGTH = 500
notes_length = MaxLengthValidator(
    NOTES_MAX_LENGTH,
    message=_("Keterangan paling banyak %(limit_value)d karakter (sekarang %(show_value)d)."),
)


@dataclass(frozen=True)
class Numbering:
    """A row's number as users read it: a prefix and the id, zero-padded (TO-0000042)."""

    prefix: str
    digits: int

    def __call__(self, pk: int) -> str:
        return f"{self.prefix}{pk:0{self.digits}d}"

    def sql(self, expression: str) -> str:
        """The same number in SQL, of the id ``expression``, for rows written set-based."""
        return f"'{self.prefix}' || {zero_padded(expression, self.digits)}"


# The number of a target (TO) on its lists, its process and its work order (seed 000).
target_reference = Numbering("TO-", 7)


class DamageType(models.Model):
    """The configurable list of damage conditions (display mati, terbakar, segel rusak, ...)."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("jenis kerusakan"), max_length=80)
    is_active = models.BooleanField(_("aktif"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("jenis kerusakan")
        verbose_name_plural = _("jenis kerusakan")

    def __str__(self) -> str:
        return self.name


class ReplacementTarget(ConcurrentTransitionMixin, TimeStampedModel):
    """A broken meter on the target list (TO), and its way to a replacement or a drop."""

    process = models.OneToOneField(Process, models.PROTECT, related_name="replacement_target")
    customer = models.ForeignKey(
        "customers.Customer",
        models.PROTECT,
        related_name="replacement_targets",
        verbose_name=_("pelanggan"),
    )
    # Indexed by replacement_tgt_unit_rep and replacement_tgt_unit_st.
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="+", db_index=False, verbose_name=_("ULP")
    )
    meter = models.ForeignKey(
        "customers.Meter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meter rusak"),
    )
    source = models.CharField(_("sumber"), max_length=12, choices=TargetSource.choices)
    from_reading_anomaly = models.BooleanField(_("dari LBKB"), default=False)
    programme_name = models.CharField(_("nama program"), max_length=120, blank=True)
    damage_type = models.ForeignKey(
        DamageType, models.PROTECT, related_name="targets", verbose_name=_("jenis kerusakan")
    )
    notes = models.TextField(_("keterangan"), blank=True, validators=[notes_length])
    reading_at_discovery = models.DecimalField(
        _("stan saat ditemukan (kWh)"), null=True, blank=True, **REGISTER
    )
    latitude = models.DecimalField(
        _("koordinat Y"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("koordinat X"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    reported_at = models.DateTimeField(_("tanggal lapor"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,  # users are deactivated, never deleted: nothing looks targets up by it
        verbose_name=_("pelapor"),
    )
    state = FSMField(
        _("status"), default=TargetState.SUBMITTED, choices=TargetState.choices, protected=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    state_reason = models.TextField(_("alasan"), blank=True)
    closed_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("target ganti meter (TO)")
        verbose_name_plural = _("target ganti meter (TO)")
        indexes = [
            models.Index(fields=["unit", "-reported_at", "-id"], name="replacement_tgt_unit_rep"),
            models.Index(fields=["unit", "state", "-reported_at"], name="replacement_tgt_unit_st"),
            models.Index(fields=["state", "-reported_at"], name="replacement_tgt_state_rep"),
            # A region-wide list (many units) reads its first page straight off this index.
            models.Index(fields=["-reported_at", "-id", "unit"], name="replacement_tgt_rep"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return target_reference(self.pk) if self.pk else "TO-baru"

    def has_ba_document(self) -> bool:
        return self.documents.exists()

    def can_be_dropped(self) -> bool:
        """An LBKB target needs its scanned BA before it leaves the list (seed 000)."""
        return not self.from_reading_anomaly or self.has_ba_document()

    @transition(field=state, source=TargetState.SUBMITTED, target=TargetState.VERIFIED)
    def verify(self, *, by) -> None:
        self.verified_by, self.verified_at = by, timezone.now()

    @transition(field=state, source=TargetState.SUBMITTED, target=TargetState.REVERIFY)
    def send_to_reverification(self, *, reason: str) -> None:
        self.state_reason = reason

    @transition(field=state, source=TargetState.REVERIFY, target=TargetState.VERIFIED)
    def reverify(self, *, by) -> None:
        self.verified_by, self.verified_at = by, timezone.now()

    @transition(
        field=state,
        source=TargetState.REVERIFY,
        target=TargetState.DROPPED,
        conditions=[can_be_dropped],
    )
    def drop(self, *, reason: str) -> None:
        self.state_reason, self.closed_at = reason, timezone.now()

    @transition(field=state, source=TargetState.VERIFIED, target=TargetState.PRINTED)
    def print_work_order(self) -> None:
        pass

    @transition(
        field=state,
        source=[TargetState.PRINTED, TargetState.ASSIGNED],
        target=TargetState.ASSIGNED,
    )
    def assign(self) -> None:
        pass

    @transition(
        field=state,
        source=[TargetState.PRINTED, TargetState.ASSIGNED],
        target=TargetState.REPLACED,
    )
    def complete(self) -> None:
        self.closed_at = timezone.now()


class TargetOrigin(TimeStampedModel):
    """A finding of another domain that opened this target, or joined it while it was open
    (issue #23): an ACMT reading with a broken-meter LBKB code, a PLN 123 ticket resolved as a
    broken meter. One row per finding, so the same reading or ticket never opens two targets."""

    target = models.ForeignKey(ReplacementTarget, models.PROTECT, related_name="origins")
    # Indexed by replacement_origin_one_per_finding, which leads with it.
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", db_index=False
    )
    domain = models.CharField(_("asal"), max_length=20, choices=Domain.choices)
    key = models.CharField(_("nomor"), max_length=20)  # the reading's BLTH, the ticket's number
    record_id = models.BigIntegerField(null=True, blank=True)  # the ticket's id, for its link
    note = models.CharField(_("keterangan"), max_length=160, blank=True)
    opened_target = models.BooleanField(_("membuka target"), default=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("asal target")
        verbose_name_plural = _("asal target")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "domain", "key"], name="replacement_origin_one_per_finding"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain} {self.key}"


def _photo_path(instance, filename: str) -> str:
    # Named by migration 0001 only; photos are stored under RandomName since 0007.
    return f"replacement/photos/{timezone.now():%Y/%m}/{filename}"


class Photo(TimeStampedModel):
    """A photo of the damage or the replacement, resized on upload, with EXIF time and place."""

    target = models.ForeignKey(ReplacementTarget, models.CASCADE, related_name="photos")
    stage = models.CharField(_("tahap"), max_length=10, choices=PhotoStage.choices)
    image = models.ImageField(_("foto"), upload_to=RandomName("replacement/photos"))
    thumbnail = models.ImageField(upload_to=RandomName("replacement/photos"))
    taken_at = models.DateTimeField(_("waktu foto (EXIF)"), null=True, blank=True)
    gps_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    gps_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["stage", "id"]


class Document(TimeStampedModel):
    """A scanned Berita Acara (BA) kept with the target (PDF or JPEG)."""

    target = models.ForeignKey(ReplacementTarget, models.CASCADE, related_name="documents")
    file = models.FileField(_("berkas BA"), upload_to=RandomName("replacement/ba"))
    content_type = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]


class WorkOrderCounter(models.Model):
    """The last work order number used per unit and year; locked while a number is taken."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="replacement_counter_unit_year"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last_number}"


def _overdue_before(overdue_days: int):
    return timezone.now() - timedelta(days=overdue_days)


class WorkOrderQuerySet(models.QuerySet):
    """Monitoring Cetak PK's statuses, derived from the target's state and the PK's age: an
    open PK printed more than ``overdue_days`` ago (the unit's setting) is overdue (seed 000)."""

    @staticmethod
    def _conditions(overdue_days: int) -> dict[str, Q]:
        # Plain conditions on indexed columns, so a filter on one status stays cheap.
        late = Q(printed_at__lt=_overdue_before(overdue_days))
        return {
            WorkOrderStatus.REPLACED: Q(target__state=TargetState.REPLACED),
            WorkOrderStatus.OVERDUE: Q(target__state__in=OPEN_WORK_ORDER) & late,
            WorkOrderStatus.ASSIGNED: Q(target__state=TargetState.ASSIGNED) & ~late,
            WorkOrderStatus.PRINTED: Q(target__state=TargetState.PRINTED) & ~late,
        }

    def with_status(self, overdue_days: int) -> "WorkOrderQuerySet":
        """Each work order annotated with its ``current_status`` (a ``WorkOrderStatus``)."""
        whens = [
            When(condition, then=Value(str(status)))
            for status, condition in self._conditions(overdue_days).items()
        ]
        return self.annotate(
            current_status=Case(*whens, default=Value(""), output_field=models.CharField())
        )

    def in_status(self, status: str, overdue_days: int) -> "WorkOrderQuerySet":
        """Only the work orders whose status is ``status``."""
        return self.filter(self._conditions(overdue_days)[status])


class WorkOrder(TimeStampedModel):
    """A printed work order (PK) for one target; its number never changes once given."""

    target = models.OneToOneField(ReplacementTarget, models.PROTECT, related_name="work_order")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    number = models.CharField(_("nomor PK"), max_length=40, unique=True)
    printed_at = models.DateTimeField(_("dicetak"), default=timezone.now)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    print_count = models.PositiveIntegerField(_("jumlah cetak"), default=1)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("petugas"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-printed_at", "-id"]
        verbose_name = _("perintah kerja (PK)")
        verbose_name_plural = _("perintah kerja (PK)")
        indexes = [models.Index(fields=["unit", "-printed_at"], name="replacement_wo_unit_printed")]

    def __str__(self) -> str:
        return self.number


class PrintBatch(models.Model):
    """One press of Cetak PK: the work orders it printed, fetched again as the same paper.

    ``request_key`` is the submitted form's key with its selection: the same form sent twice
    (a double click, a resend) finds this batch instead of printing again (issue #20)."""

    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    printed_at = models.DateTimeField(_("dicetak"), default=timezone.now)
    request_key = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["printed_by", "request_key"],
                condition=~Q(request_key=""),
                name="replacement_printbatch_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.printed_by_id}@{self.printed_at:%Y-%m-%d %H:%M}"


class WorkOrderPrint(models.Model):
    """A work order as one batch printed it: its copy number is what that paper reads."""

    batch = models.ForeignKey(PrintBatch, models.CASCADE, related_name="prints")
    work_order = models.ForeignKey(WorkOrder, models.PROTECT, related_name="prints")
    copy = models.PositiveIntegerField(_("cetakan ke"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "work_order"], name="replacement_wo_print_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} #{self.copy}"


class Replacement(TimeStampedModel):
    """Data APP Ganti: the new meter put in, the old meter's final reading, who and when."""

    target = models.OneToOneField(ReplacementTarget, models.PROTECT, related_name="replacement")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    old_meter = models.ForeignKey(
        "customers.Meter", models.PROTECT, null=True, related_name="+", verbose_name=_("meter lama")
    )
    new_meter = models.OneToOneField(
        "customers.Meter",
        models.PROTECT,
        related_name="installed_by_replacement",
        verbose_name=_("meter baru"),
    )
    old_final_reading = models.DecimalField(_("stan akhir meter lama"), **REGISTER)
    low_reading_reason = models.CharField(
        _("alasan stan akhir lebih kecil"), max_length=255, blank=True
    )
    new_initial_reading = models.DecimalField(_("stan awal meter baru"), **REGISTER)
    seal_numbers = models.CharField(_("nomor segel"), max_length=120, blank=True)
    replaced_on = models.DateField(_("tanggal ganti"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("petugas")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # Set when the billing system's H+1 export (Peremajaan Kumulatif) reports the same new meter.
    billing_confirmed_at = models.DateTimeField(_("dikonfirmasi billing"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-replaced_on", "-id"]
        verbose_name = _("data APP ganti")
        verbose_name_plural = _("data APP ganti")
        indexes = [models.Index(fields=["unit", "-replaced_on"], name="replacement_rep_unit_day")]


class BillingReplacement(TimeStampedModel):
    """One row of the billing system's "Monitoring Ganti Meter H+1" export (Peremajaan
    Kumulatif) and what it did; a conflict with the field's data waits here for review."""

    row_key = models.CharField(_("no agenda"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("pelanggan")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    replaced_on = models.DateField(_("tanggal ganti"))
    old_meter_number = models.CharField(_("no meter lama"), max_length=20, blank=True)
    new_meter_brand = models.CharField(_("merk meter baru"), max_length=40)
    new_meter_model = models.CharField(_("type meter baru"), max_length=40, blank=True)
    new_meter_number = models.CharField(_("no meter baru"), max_length=20)
    old_final_reading = models.DecimalField(_("stan cabut"), **REGISTER)
    new_initial_reading = models.DecimalField(_("stan pasang"), **REGISTER)
    outcome = models.CharField(_("hasil"), max_length=16, choices=BillingOutcome.choices)
    conflict_reason = models.TextField(_("konflik"), blank=True)
    target = models.ForeignKey(
        ReplacementTarget, models.PROTECT, null=True, blank=True, related_name="+"
    )
    replacement = models.ForeignKey(
        Replacement, models.PROTECT, null=True, blank=True, related_name="billing_rows"
    )
    upload_id = models.BigIntegerField(_("upload"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("ditinjau"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(_("catatan tinjauan"), blank=True)

    class Meta:
        ordering = ["-replaced_on", "-id"]
        verbose_name = _("data peremajaan billing")
        verbose_name_plural = _("data peremajaan billing")
        indexes = [
            models.Index(fields=["unit", "outcome", "-replaced_on"], name="replacement_bill_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.row_key} {self.customer_id}"
