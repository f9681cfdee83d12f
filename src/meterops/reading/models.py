from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from meterops.core.formats import number
from meterops.core.media import RandomName
from meterops.core.models import TimeStampedModel, Unit
from meterops.customers.choices import PaymentMode
from meterops.customers.meter_swaps import swap_source
from meterops.customers.models import Customer
from meterops.customers.queries import dismantled_before

from .choices import ApprovalScope, ReadingFlag, ReadingState

period_validator = RegexValidator(
    r"^20\d{2}(0[1-9]|1[0-2])$", _("BLTH harus berformat YYYYMM."), code="invalid_period"
)


def _stan(value: Decimal | None) -> str:
    """A stan as users write it: 1.240 or 1.234,5 ("-" for none)."""
    return number(value.normalize() if value is not None else None)


def previous_period(period: str, months: int = 1) -> str:
    """The BLTH ``months`` before ``period`` ("202601", 1 -> "202512")."""
    index = int(period[:4]) * 12 + int(period[4:]) - 1 - months
    return f"{index // 12:04d}{index % 12 + 1:02d}"


class ReadingSettings(TimeStampedModel):
    """A unit's reading parameters; a unit without a row inherits its nearest ancestor's."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="reading_settings")
    average_factor = models.DecimalField(
        _("batas pemakaian (× rata-rata 3 bulan)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("1.0"))],
    )
    window_days = models.PositiveSmallIntegerField(
        _("toleransi hari baca (± hari)"), default=2, validators=[MaxValueValidator(15)]
    )
    register_digits = models.PositiveSmallIntegerField(
        _("jumlah digit register meter"),
        default=6,
        validators=[MinValueValidator(4), MaxValueValidator(9)],
    )
    # Pola pengesahan (seed 001: "disesuaikan pada regulasi atau kesepakatan Unit PLN").
    approval_scope = models.CharField(
        _("pola pengesahan"),
        max_length=20,
        choices=ApprovalScope.choices,
        default=ApprovalScope.READING_DAY,
    )
    supervisor_verification_required = models.BooleanField(
        _("verifikasi pengawas wajib sebelum dikirim"), default=True
    )
    billing_pulls_postings = models.BooleanField(
        _("AP2T mengambil posting lewat API"),
        default=False,
        help_text=_("Jika tidak, posting ditandai diambil AP2T dengan tombol di halaman."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("setting baca meter")
        verbose_name_plural = _("setting baca meter")

    def __str__(self) -> str:
        return f"Setting baca meter {self.unit}"

    @classmethod
    def for_unit(cls, unit: Unit) -> "ReadingSettings":
        """The unit's own row, or its nearest ancestor's, or the defaults (unsaved)."""
        return unit.nearest(cls.objects.select_related("unit")) or cls(unit=unit)


class AnomalyCode(models.Model):
    """An LBKB code: what kept the reader from a normal reading (house closed, meter blurred...)."""

    code = models.CharField(_("kode LBKB"), max_length=10, unique=True)
    label = models.CharField(_("keterangan"), max_length=120)
    is_active = models.BooleanField(_("aktif"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("kode kelainan (LBKB)")
        verbose_name_plural = _("kode kelainan (LBKB)")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class ReadingDay(TimeStampedModel):
    """A reading-day group (kode kelompok hari baca): the routes a ULP reads on one day."""

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="reading_days", verbose_name=_("ULP")
    )
    code = models.CharField(_("kode hari baca"), max_length=10)
    day_of_month = models.PositiveSmallIntegerField(
        _("tanggal baca"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    name = models.CharField(_("nama"), max_length=80, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit__path", "day_of_month", "code"]
        verbose_name = _("hari baca")
        verbose_name_plural = _("hari baca")
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="reading_readingday_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} (tgl {self.day_of_month})"

    def customers(self, period: str):
        """The postpaid customers on the routes of this reading day read in BLTH ``period``:
        a dismantled one (bongkar rampung) no more from the period after (issue #23)."""
        return Customer.objects.filter(
            route__schedule__reading_day=self, payment_mode=PaymentMode.POSTPAID
        ).exclude(dismantled_before(period))

    def scheduled_date(self, period: str) -> date:
        year, month = int(period[:4]), int(period[4:])
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        return date(year, month, min(self.day_of_month, last))

    def window(self, period: str, days: int, zone: str) -> tuple[datetime, datetime]:
        """The aware [start, end) in which a reading of ``period`` is on schedule."""
        tz = ZoneInfo(zone)
        day = self.scheduled_date(period)
        start = datetime.combine(day - timedelta(days=days), time.min, tzinfo=tz)
        end = datetime.combine(day + timedelta(days=days + 1), time.min, tzinfo=tz)
        return start, end


class RouteSchedule(TimeStampedModel):
    """Puts a route (RBM) in a reading-day group."""

    route = models.OneToOneField(
        "customers.Route", models.CASCADE, related_name="schedule", verbose_name=_("RBM")
    )
    reading_day = models.ForeignKey(
        ReadingDay, models.PROTECT, related_name="schedules", verbose_name=_("hari baca")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jadwal RBM")
        verbose_name_plural = _("jadwal RBM")

    def __str__(self) -> str:
        return f"{self.route} → {self.reading_day}"


class Approval(models.Model):
    """One press of Sah/Setuju on a reading day (seed 001); may happen more than once."""

    reading_day = models.ForeignKey(
        ReadingDay, models.PROTECT, related_name="approvals", verbose_name=_("hari baca")
    )
    period = models.CharField(_("BLTH"), max_length=6, validators=[period_validator])
    # Set when the unit's pattern approves per RBM; empty for a whole reading day.
    route = models.ForeignKey(
        "customers.Route",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("RBM"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("disahkan oleh")
    )
    approved_at = models.DateTimeField(_("waktu pengesahan"), auto_now_add=True)
    approved_count = models.PositiveIntegerField(_("disahkan"), default=0)
    blocked_count = models.PositiveIntegerField(_("tertahan"), default=0)

    class Meta:
        ordering = ["-approved_at"]
        verbose_name = _("pengesahan")
        verbose_name_plural = _("pengesahan")

    def __str__(self) -> str:
        return f"Pengesahan {self.reading_day} {self.period}"


class BillingPosting(models.Model):
    """The "posting 1 fungsi 2" batch an approval hands to billing (AP2T)."""

    approval = models.OneToOneField(Approval, models.PROTECT, related_name="posting")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    number = models.CharField(_("nomor posting"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # First fetch of the file through the billing API; from then on it can not be cancelled.
    pulled_at = models.DateTimeField(_("diunduh AP2T"), null=True, blank=True)
    taken_at = models.DateTimeField(_("diambil AP2T"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("posting 1 fungsi 2")
        verbose_name_plural = _("posting 1 fungsi 2")

    def __str__(self) -> str:
        return self.number

    def lines(self):
        """The readings this posting carries (through the reading day's index)."""
        approval = self.approval
        return Reading.objects.filter(
            reading_day_id=approval.reading_day_id, period=approval.period, posting=self
        )


# What holds a sent reading back from Pengesahan, as validation flags it: jam nyala above 2000
# (seed 001, rule 4), or a meter swap whose uploaded stands disagree with the recorded one
# (issue #23) until the verifier settles it.
HELD_BACK = Q(flag_hours_on=True) | Q(flag_swap_mismatch=True)


class Reading(ConcurrentTransitionMixin, TimeStampedModel):  # includes FSMModelMixin
    """A customer's meter reading for one period; a re-read replaces it, its history stays.

    The table holds a row per postpaid customer and month: each index costs every bulk
    UPDATE, so the foreign keys the composite indexes below already lead with have none,
    and no index holds a column a transition changes.
    """

    customer = models.ForeignKey(
        Customer,
        models.PROTECT,
        related_name="readings",
        verbose_name=_("pelanggan"),
        db_index=False,  # reading_reading_one_per_customer_period leads with it
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"), db_index=False
    )
    reading_day = models.ForeignKey(
        ReadingDay,
        models.PROTECT,
        related_name="readings",
        verbose_name=_("hari baca"),
        db_index=False,
    )
    period = models.CharField(_("BLTH"), max_length=6, validators=[period_validator])
    register_kwh = models.DecimalField(_("stan (kWh)"), max_digits=12, decimal_places=2)
    read_at = models.DateTimeField(_("waktu baca"), null=True, blank=True)
    reader = models.CharField(_("petugas baca"), max_length=80, blank=True)
    anomaly = models.ForeignKey(
        AnomalyCode,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="LBKB",
        db_index=False,  # a short reference list, never searched from this side
    )
    photo = models.FileField(_("foto stan"), upload_to=RandomName("readings"), blank=True)
    latitude = models.DecimalField(
        _("koordinat Y"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("koordinat X"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # A meter replaced in the period: the old meter's final and the new meter's initial stand.
    old_meter_final_kwh = models.DecimalField(
        _("stan akhir meter lama"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    new_meter_initial_kwh = models.DecimalField(
        _("stan awal meter baru"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # The swap HOME or the billing system's Peremajaan recorded in the period the reading covers
    # (validation.attach_recorded_swaps), kept beside the upload's pair for the verifier.
    # db_default: the demo and benchmark loaders write readings with raw INSERT column lists.
    recorded_old_final_kwh = models.DecimalField(
        _("stan akhir meter lama tercatat"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    recorded_new_initial_kwh = models.DecimalField(
        _("stan awal meter baru tercatat"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    recorded_swap_on = models.DateField(_("tanggal ganti meter tercatat"), null=True, blank=True)
    recorded_old_multiplier = models.DecimalField(
        _("FKM meter lama tercatat"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    # The current meter's faktor kali (customers.Meter.multiplier) the consumption was
    # multiplied by at validation; 1 for a direct meter.
    multiplier = models.DecimalField(
        _("FKM"), max_digits=9, decimal_places=2, default=Decimal(1), db_default=Decimal(1)
    )
    recorded_swaps = models.SmallIntegerField(_("ganti meter tercatat"), default=0, db_default=0)
    swap_source = models.CharField(
        _("sumber data ganti meter"), max_length=12, blank=True, default="", db_default=""
    )
    swap_reference = models.BigIntegerField(null=True, blank=True)
    power_va = models.PositiveIntegerField(_("daya (VA)"))
    is_estimate = models.BooleanField(_("taksiran"), default=False)
    # Filled by validation.validate_readings():
    previous_kwh = models.DecimalField(
        _("stan lalu"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    average_kwh = models.DecimalField(
        _("rata-rata 3 bulan"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    consumption_kwh = models.DecimalField(
        _("pemakaian (kWh)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    hours_on = models.DecimalField(
        _("jam nyala"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    flag_negative = models.BooleanField(default=False)
    flag_zero = models.BooleanField(default=False)
    # Zero consumption explained by a disconnection for arrears (issue #23): flag_zero is for
    # the unexplained ones. db_default: the demo loader writes readings by a raw INSERT.
    flag_disconnected = models.BooleanField(default=False, db_default=False)
    flag_above_average = models.BooleanField(default=False)
    flag_hours_on = models.BooleanField(default=False)
    flag_outside_window = models.BooleanField(default=False)
    flag_no_photo = models.BooleanField(default=False)
    flag_swap_mismatch = models.BooleanField(default=False, db_default=False)
    state = FSMField(
        _("status"), default=ReadingState.READ, choices=ReadingState.choices, protected=True
    )
    reread_reason = models.CharField(_("alasan baca ulang"), max_length=255, blank=True)
    posting = models.ForeignKey(
        BillingPosting,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="readings",
        verbose_name=_("posting"),
        db_index=False,  # a posting's readings are found through its reading day: lines()
        # Not a database constraint: PostgreSQL checks a foreign key row by row at COMMIT,
        # 0.6 s for a 200 000-reading approval. Only approve_reading_day sets it, to the
        # posting it created in the same transaction; postings are never deleted (PROTECT).
        db_constraint=False,
    )
    # History rows are found by the reading's id; their other keys need no index. Like its
    # other keys, the history row's user is not a database constraint: checking it cost a
    # lookup per row at COMMIT (0.6 s for a 200 000-reading approval).
    history = HistoricalRecords(
        no_db_index=["customer", "unit", "reading_day", "anomaly", "posting"],
        user_db_constraint=False,
    )

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("stan meter")
        verbose_name_plural = _("stan meter")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period"], name="reading_reading_one_per_customer_period"
            ),
            models.CheckConstraint(
                name="reading_reading_posted_only_when_approved",
                condition=Q(posting__isnull=True) | Q(state=ReadingState.APPROVED),
            ),
        ]
        indexes = [
            # Without state (or posting): a transition then changes no indexed column, and
            # PostgreSQL can update the row in place (HOT; see migration 0004's fillfactor).
            models.Index(fields=["reading_day", "period"], name="reading_day_period"),
            models.Index(fields=["unit", "period"], name="reading_unit_period"),
            # The field app's re-reads (worklist.py), asked on every officer's poll: without
            # it, a scan of every reading (issue #22). Its column changes only when a reading
            # is sent back or read again, never in a day's bulk transitions, which stay HOT.
            models.Index(
                fields=["unit"], condition=~Q(reread_reason=""), name="reading_open_reread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"

    @property
    def is_blocked(self) -> bool:
        """Held back (HELD_BACK): the validation's flags decide (validation.py)."""
        return self.flag_hours_on or self.flag_swap_mismatch

    def swap_remark(self) -> str:
        """Where the period's meter swap came from, or why its stands need a look (issue #23)."""
        if not self.swap_source:
            return ""
        source = swap_source(self.swap_source)
        values = {
            "source": source.label if source else self.swap_source,
            "on": f"{self.recorded_swap_on:%d-%m-%Y}",
            "old": _stan(self.recorded_old_final_kwh),
            "new": _stan(self.recorded_new_initial_kwh),
        }
        if self.recorded_swaps > 1:
            return _(
                "%(source)s mencatat %(n)s kali ganti meter di periode ini (terakhir %(on)s): "
                "periksa stan"
            ) % {**values, "n": self.recorded_swaps}
        if self.flag_swap_mismatch:
            return _(
                "Stan ganti meter berbeda: upload %(up_old)s / %(up_new)s, %(source)s %(old)s / "
                "%(new)s"
            ) % {
                **values,
                "up_old": _stan(self.old_meter_final_kwh),
                "up_new": _stan(self.new_meter_initial_kwh),
            }
        return _("Ganti meter %(on)s dari %(source)s: stan akhir %(old)s, stan awal %(new)s") % (
            values
        )

    def swap_link(self) -> tuple[str, str] | None:
        """(name, url) of the recorded swap this reading took its stands from."""
        source = swap_source(self.swap_source) if self.swap_source else None
        if source is None or self.swap_reference is None:
            return None
        return source.reference(self.swap_reference), source.url(self.swap_reference)

    def flags(self) -> list[str]:
        return [str(flag.label) for flag in ReadingFlag if getattr(self, flag.value)]

    # Transitions change memory only; services.py calls them (bulk services run the same
    # source -> target as one UPDATE ... WHERE state = source).
    @transition(
        field=state,
        source=[
            ReadingState.READ,
            ReadingState.REREAD_REQUESTED,
            ReadingState.VENDOR_VERIFIED,
            ReadingState.VERIFIED,
            ReadingState.SENT,
        ],
        target=ReadingState.READ,
    )
    def reread(self) -> None:
        self.reread_reason = ""

    @transition(
        field=state,
        source=[ReadingState.READ, ReadingState.VENDOR_VERIFIED, ReadingState.VERIFIED],
        target=ReadingState.REREAD_REQUESTED,
    )
    def request_reread(self, *, reason: str) -> None:
        self.reread_reason = reason

    @transition(field=state, source=ReadingState.READ, target=ReadingState.VENDOR_VERIFIED)
    def verify_by_vendor(self) -> None:
        pass

    @transition(field=state, source=ReadingState.VENDOR_VERIFIED, target=ReadingState.VERIFIED)
    def verify_by_supervisor(self) -> None:
        pass

    # From VENDOR_VERIFIED only where the unit's pattern needs no pengawas (services decide).
    @transition(
        field=state,
        source=[ReadingState.VENDOR_VERIFIED, ReadingState.VERIFIED],
        target=ReadingState.SENT,
    )
    def send(self) -> None:
        pass

    @transition(
        field=state,
        source=ReadingState.SENT,
        target=ReadingState.APPROVED,
        conditions=[lambda r: not r.is_blocked],
    )
    def approve(self, *, posting: BillingPosting) -> None:
        self.posting = posting

    @transition(field=state, source=ReadingState.APPROVED, target=ReadingState.SENT)
    def cancel_approval(self) -> None:
        self.posting = None


class RecapTally(models.Model):
    """A reading day's Rekap for one BLTH as ``count_recap`` last counted it
    (meterops.core.tallies): the Rekap counted every reading and customer of a UID per view."""

    reading_day = models.ForeignKey(ReadingDay, models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name=_("ULP"))
    period = models.CharField(_("BLTH"), max_length=6)
    to_read = models.PositiveIntegerField(_("pelanggan"), default=0)
    read = models.PositiveIntegerField(_("terbaca"), default=0)
    approved = models.PositiveIntegerField(_("sudah disahkan"), default=0)
    blocked = models.PositiveIntegerField(_("tertahan jam nyala"), default=0)
    counted_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("rekap pengesahan")
        verbose_name_plural = _("rekap pengesahan")
        constraints = [
            models.UniqueConstraint(
                fields=["reading_day", "period"], name="reading_recaptally_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"<RecapTally day={self.reading_day_id} {self.period} at {self.counted_at:%H:%M}>"
