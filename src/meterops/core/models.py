import time

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Domain, RoleCode, TimeZoneName, UnitLevel
from .events import event_label
from .media import RandomName


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        abstract = True


class Unit(TimeStampedModel):
    """A node of the tree UID > UP3 > ULP. A ULP's code is the first 5 digits of its IDPELs."""

    code = models.CharField(_("kode unit"), max_length=10, unique=True)
    name = models.CharField(_("nama unit"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=20, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("unit induk"),
    )
    # Materialised path of codes ("53000/53500/53551"): descendants are one prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("unit")
        constraints = [
            models.CheckConstraint(
                name="core_unit_only_region_is_root",
                condition=Q(level=UnitLevel.REGION, parent__isnull=True)
                | Q(parent__isnull=False) & ~Q(level=UnitLevel.REGION),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path}/{self.code}" if self.parent_id else self.code
        super().save(*args, **kwargs)

    def is_within(self, other: "Unit") -> bool:
        """This unit is ``other`` or lies below it."""
        return self.path == other.path or self.path.startswith(f"{other.path}/")

    def ancestor_codes(self) -> list[str]:
        """The codes from the root down to this unit, itself included (its materialised path)."""
        return self.path.split("/")

    def nearest(self, rows: models.QuerySet, *, via: str = "unit"):
        """The row of ``rows`` that belongs to this unit or else to its nearest ancestor, or
        None; ``via`` is the lookup from a row to its unit."""
        return (
            rows.filter(**{f"{via}__code__in": self.ancestor_codes()})
            .order_by(f"-{via}__path")
            .first()
        )

    def settings_or_default(self) -> "UnitSettings":
        """The unit's own settings, or its nearest ancestor's, or the defaults (unsaved)."""
        return self.nearest(UnitSettings.objects.select_related("unit")) or UnitSettings(unit=self)


class Contractor(TimeStampedModel):
    """A vendor (mitra) doing field work for one or more units."""

    code = models.CharField(_("kode vendor"), max_length=20, unique=True)
    name = models.CharField(_("nama vendor"), max_length=160)
    units = models.ManyToManyField(Unit, related_name="contractors", verbose_name=_("unit kerja"))
    is_active = models.BooleanField(_("aktif"), default=True)
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendor")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A role of the glossary; rows are created by a data migration, one per RoleCode."""

    code = models.CharField(max_length=30, primary_key=True, choices=RoleCode.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("peran")
        verbose_name_plural = _("peran")

    def __str__(self) -> str:
        return str(RoleCode(self.code).label)


class User(AbstractUser):
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("unit")
    )
    contractor = models.ForeignKey(
        Contractor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("vendor"),
    )
    # A contractor's user reaches only the units an admin placed it in (and below), each within
    # the contractor's units (issue #17); PLN staff reach their ``unit`` and leave this empty.
    placed_units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="placed_users",
        verbose_name=_("unit penempatan"),
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("peran"))
    phone = models.CharField(_("no. HP"), max_length=20, blank=True)
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"], m2m_fields=[roles, placed_units]
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                name="core_user_belongs_to_unit_or_contractor",
                condition=Q(is_superuser=True)
                | Q(unit__isnull=False, contractor__isnull=True)
                | Q(unit__isnull=True, contractor__isnull=False),
            ),
            # Usernames are told apart regardless of case: "Budi" and "budi" are one account.
            models.UniqueConstraint(
                Lower("username"),
                name="core_user_username_ci_unique",
                violation_error_message=_("Username ini sudah dipakai."),
            ),
        ]

    @property
    def role_codes(self) -> frozenset[str]:
        if not hasattr(self, "_role_codes"):
            self._role_codes = frozenset(self.roles.values_list("code", flat=True))
        return self._role_codes

    def has_role(self, *codes: str) -> bool:
        return self.is_superuser or bool(self.role_codes.intersection(codes))

    @property
    def organisation(self) -> Unit | Contractor | None:
        return self.unit or self.contractor

    def home_unit(self) -> Unit | None:
        """The user's unit, or for a contractor's user the first unit it is placed in."""
        if self.unit_id:
            return self.unit
        if self.contractor_id:
            return Unit.objects.filter(pk__in=User.first_placement(self)[:1]).first()
        return None

    @staticmethod
    def first_placement(user) -> models.QuerySet:
        """The ids of the units ``user`` (a user, or an ``OuterRef`` to one) is placed in, the
        first (by path) first: a contractor's user's home unit."""
        return (
            User.placed_units.through.objects.filter(user=user)
            .order_by("unit__path")
            .values("unit_id")
        )

    def home_unit_pk(self) -> int | None:
        """``home_unit()``'s id. For a contractor's user loaded with ``first_placement``
        annotated as ``placed_home_pk`` (the API's token look-up) it costs no query."""
        if self.unit_id or not self.contractor_id:
            return self.unit_id
        if hasattr(self, "placed_home_pk"):
            return self.placed_home_pk
        first = User.first_placement(self).first()
        return first["unit_id"] if first else None

    def unit_settings(self) -> "UnitSettings":
        """The parameters that apply to this user's work (defaults when it has no unit)."""
        unit = self.home_unit()
        return unit.settings_or_default() if unit else UnitSettings()

    def display_time_zone(self) -> str:
        """The zone this user's pages and answers read times in: the home unit's."""
        unit_pk = self.home_unit_pk()
        return unit_time_zone(unit_pk) if unit_pk else settings.TIME_ZONE


class UnitSettings(TimeStampedModel):
    """Parameters a unit sets for itself; a unit without a row inherits its parent's."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="settings")
    time_zone = models.CharField(
        _("zona waktu"), max_length=40, choices=TimeZoneName.choices, default=TimeZoneName.WIB
    )
    contact_phone = models.CharField(_("telepon kontak"), max_length=30, blank=True)
    contact_email = models.EmailField(_("email kontak"), blank=True)
    contact_address = models.CharField(_("alamat kantor"), max_length=255, blank=True)
    overdue_work_order_days = models.PositiveSmallIntegerField(
        _("PK dianggap terlambat setelah (hari)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    overdue_application_days = models.PositiveSmallIntegerField(
        _("Permohonan prabayar dianggap terlambat setelah (hari)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    voltage_low = models.PositiveSmallIntegerField(
        _("Batas bawah tegangan normal (V)"),
        default=198,
        validators=[MinValueValidator(100), MaxValueValidator(400)],
    )
    voltage_high = models.PositiveSmallIntegerField(
        _("Batas atas tegangan normal (V)"),
        default=231,
        validators=[MinValueValidator(100), MaxValueValidator(400)],
    )
    low_hours_on = models.PositiveSmallIntegerField(
        _("Jam nyala bulanan minimum wajar (jam)"),
        default=40,
        validators=[MaxValueValidator(720)],
    )
    # Supervision of the contractors' field work (seed 004, fieldwork).
    audit_sample_percent = models.DecimalField(
        _("Sampel audit baca meter (% per RBM dan petugas)"),
        max_digits=5,
        decimal_places=2,
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    audit_sample_minimum = models.PositiveSmallIntegerField(
        _("Sampel audit minimal per RBM dan petugas"),
        default=1,
        validators=[MaxValueValidator(1000)],
    )
    audit_schedule_tolerance_days = models.PositiveSmallIntegerField(
        _("Toleransi jadwal baca untuk audit (± hari)"),
        default=1,
        validators=[MaxValueValidator(15)],
    )
    audit_accuracy_tolerance_kwh = models.DecimalField(
        _("Toleransi akurasi stan untuk audit (kWh)"),
        max_digits=8,
        decimal_places=2,
        default=5,
        validators=[MinValueValidator(0)],
    )
    map_tile_url = models.CharField(
        _("URL tile peta (kosongkan bila tanpa server peta)"),
        max_length=255,
        blank=True,
        help_text=_("Contoh: https://tile.intranet/{z}/{x}/{y}.png"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("setting unit")
        verbose_name_plural = _("setting unit")

    def __str__(self) -> str:
        return f"Setting {self.unit}" if self.unit_id else "Setting bawaan"

    def clean(self):
        if self.voltage_low >= self.voltage_high:
            raise ValidationError(
                {"voltage_high": _("Batas atas tegangan harus lebih besar dari batas bawah.")}
            )


# How long another process may still show a unit's old zone after an admin changed it.
ZONE_MAX_AGE = 60.0
_zones: dict[int, tuple[float, str]] = {}


def unit_time_zone(unit_pk: int) -> str:
    """The zone a unit reads its times in (its settings' or its nearest ancestor's), kept for
    ZONE_MAX_AGE seconds in each process: every request activates it (issue #22)."""
    now = time.monotonic()
    kept = _zones.get(unit_pk)
    if kept is not None and now - kept[0] < ZONE_MAX_AGE:
        return kept[1]
    unit = Unit.objects.filter(pk=unit_pk).first()
    zone = unit.settings_or_default().time_zone if unit else settings.TIME_ZONE
    _zones[unit_pk] = (now, zone)
    return zone


@receiver([post_save, post_delete], sender=UnitSettings)
@receiver(post_save, sender=Unit)
def forget_time_zones(**kwargs) -> None:
    """A unit's settings or its place in the tree changed: this process reads every zone again
    (the others within ZONE_MAX_AGE)."""
    _zones.clear()


class Process(TimeStampedModel):
    """One customer process of any domain (a replacement target, an application, ...).

    Domains open one through core.services.open_process and move it with record_event; the
    rule "finish an open process before starting a new one" reads this table alone.
    """

    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="processes", verbose_name=_("pelanggan")
    )
    # Indexed by core_process_unit_open (unit, is_open).
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="+", db_index=False, verbose_name=_("unit")
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    kind = models.CharField(_("jenis proses"), max_length=60)
    reference = models.CharField(_("nomor"), max_length=40, blank=True)
    state = models.CharField(_("status"), max_length=40)
    state_label = models.CharField(_("keterangan status"), max_length=80, blank=True)
    is_open = models.BooleanField(_("belum tuntas"), default=True)
    opened_at = models.DateTimeField(_("dimulai"), default=timezone.now)
    closed_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("proses")
        verbose_name_plural = _("proses")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "domain"],
                condition=Q(is_open=True),
                name="core_process_one_open_per_customer_domain",
            ),
        ]
        indexes = [models.Index(fields=["unit", "is_open"], name="core_process_unit_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}".strip()


class ProcessEvent(models.Model):
    """One step of a process: who moved it from which state to which, when, with what note.

    The audit log: append-only, its references without database constraints (as
    django-simple-history keeps its history rows) because every event is written beside the
    row it records, whose own keys the database checks; the checks cost a sixth of applying a
    500,000-row upload (docs/ARCHITECTURE.md). Django still protects and cascades them.
    """

    process = models.ForeignKey(
        Process, models.CASCADE, related_name="events", null=True, blank=True, db_constraint=False
    )
    # customer and unit are indexed by core_event_customer_at and core_event_unit_at.
    customer = models.ForeignKey(
        "customers.Customer",
        models.PROTECT,
        related_name="events",
        db_index=False,
        db_constraint=False,
        verbose_name=_("pelanggan"),
    )
    unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("unit"),
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    verb = models.CharField(_("kejadian"), max_length=80)
    from_state = models.CharField(_("dari status"), max_length=40, blank=True)
    to_state = models.CharField(_("ke status"), max_length=40, blank=True)
    # The process's status as the users read it, at the time of the event. A database default,
    # because set-based inserts of events (reading approvals) write rows without the ORM.
    state_label = models.CharField(_("keterangan status"), max_length=80, blank=True, db_default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("oleh"),
    )
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    note = models.TextField(_("catatan"), blank=True)
    attachment = models.FileField(_("lampiran"), upload_to=RandomName("events"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("riwayat proses")
        verbose_name_plural = _("riwayat proses")
        indexes = [
            models.Index(fields=["customer", "-at"], name="core_event_customer_at"),
            models.Index(fields=["unit", "-at"], name="core_event_unit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """What happened, in the users' words (core.events)."""
        return str(event_label(self.verb))


class WorkerHeartbeat(models.Model):
    """A running background worker (``manage.py run_worker``): it refreshes ``seen_at`` every
    WORKER_HEARTBEAT_SECONDS and deletes its row when it stops cleanly. A row that stopped
    moving is a dead worker, whose uploads and campaigns are queued again (core.workers)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    backend = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("pekerja latar")
        verbose_name_plural = _("pekerja latar")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
