"""Supervision of the contractors' field work (seed 004): one order model for every kind."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from meterops.core.media import RandomName
from meterops.core.models import Contractor, TimeStampedModel, Unit

from .choices import (
    DisconnectionMethod,
    InspectionFinding,
    NoticeMaterial,
    NoticeOutcome,
    OrderKind,
    OrderState,
    ProposalState,
    SignerRole,
)

KWH = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class AuditMonth(TimeStampedModel):
    """A month's reading audit of one ULP: the seeded sample of the contractor's readings."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    period = models.CharField(_("BLTH"), max_length=6)
    contractor = models.ForeignKey(
        Contractor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vendor"),
    )
    seed = models.PositiveIntegerField(_("seed sampling"))
    sample_percent = models.DecimalField(_("persen sampel"), max_digits=5, decimal_places=2)
    sample_minimum = models.PositiveIntegerField(_("minimal sampel per RBM/petugas"))
    schedule_tolerance_days = models.PositiveSmallIntegerField(_("toleransi jadwal (hari)"))
    accuracy_tolerance_kwh = models.DecimalField(
        _("toleransi akurasi (kWh)"), max_digits=8, decimal_places=2
    )
    population = models.PositiveIntegerField(_("jumlah stan"), default=0)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("oleh")
    )
    drawn_at = models.DateTimeField(_("waktu sampling"), default=timezone.now)

    class Meta:
        ordering = ["-period", "unit__path"]
        verbose_name = _("audit baca meter")
        verbose_name_plural = _("audit baca meter")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period"], name="fieldwork_auditmonth_one_per_unit_period"
            ),
        ]

    def __str__(self) -> str:
        return f"Audit {self.unit} {self.period}"


class AuditSample(models.Model):
    """One sampled reading, with its schedule check and (later) its accuracy re-check."""

    audit = models.ForeignKey(AuditMonth, models.CASCADE, related_name="samples")
    reading = models.ForeignKey("reading.Reading", models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", db_index=False
    )
    route = models.ForeignKey(
        "customers.Route", models.PROTECT, null=True, related_name="+", db_index=False
    )
    reader = models.CharField(_("petugas baca"), max_length=80, blank=True)
    register_kwh = models.DecimalField(_("stan vendor"), max_digits=12, decimal_places=2)
    read_at = models.DateTimeField(_("waktu baca"), null=True)
    scheduled_on = models.DateField(_("jadwal baca"), null=True)
    deviation_days = models.IntegerField(_("selisih hari"), null=True)
    on_schedule = models.BooleanField(_("sesuai jadwal"), null=True)
    checked_kwh = models.DecimalField(
        _("stan cek ulang"), max_digits=12, decimal_places=2, null=True
    )
    accurate = models.BooleanField(_("akurat"), null=True)

    class Meta:
        ordering = ["route_id", "reader", "id"]
        verbose_name = _("sampel audit")
        verbose_name_plural = _("sampel audit")
        indexes = [models.Index(fields=["audit", "route"], name="fieldwork_sample_audit_route")]

    def __str__(self) -> str:
        return f"{self.audit_id}/{self.reading_id}"


class Campaign(TimeStampedModel):
    """A notice campaign: what is delivered to which customers (seed 004 §V)."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    name = models.CharField(_("nama kampanye"), max_length=120)
    material = models.CharField(_("jenis informasi"), max_length=20, choices=NoticeMaterial.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("kampanye informasi")
        verbose_name_plural = _("kampanye informasi")

    def __str__(self) -> str:
        return self.name


class Arrears(TimeStampedModel):
    """A customer's arrears as the billing system last reported them, and the enforcement dates."""

    customer = models.OneToOneField(
        "customers.Customer", models.PROTECT, related_name="arrears", verbose_name=_("pelanggan")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    bills = models.PositiveSmallIntegerField(_("tunggakan (lembar)"))
    amount = models.DecimalField(
        _("jumlah tunggakan (Rp)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    reported_at = models.DateTimeField(_("data per"), default=timezone.now)
    paid_at = models.DateTimeField(_("waktu pelunasan"), null=True, blank=True)
    disconnected_at = models.DateTimeField(_("waktu pemutusan"), null=True, blank=True)
    reconnected_at = models.DateTimeField(_("waktu penyambungan"), null=True, blank=True)
    notice_printed_at = models.DateTimeField(_("TUL VI-01 dicetak"), null=True, blank=True)
    notice_signer = models.ForeignKey(
        "NoticeSigner",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("penanda tangan TUL VI-01"),
    )

    class Meta:
        ordering = ["-bills", "customer_id"]
        verbose_name = _("tunggakan")
        verbose_name_plural = _("tunggakan")
        indexes = [models.Index(fields=["unit", "bills"], name="fieldwork_arrears_unit_bills")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.bills} lembar"


class NoticeSigner(TimeStampedModel):
    """Who signs a unit's TUL VI-01: its Manajer Unit or an official he designated (seed 004
    §VI: "ditandatangani Manajer Unit atau pejabat Yang Ditunjuk")."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("unit"))
    role = models.CharField(_("sebagai"), max_length=20, choices=SignerRole.choices)
    name = models.CharField(_("nama"), max_length=80)
    position = models.CharField(_("jabatan"), max_length=80)
    employee_number = models.CharField(_("NIP"), max_length=20, blank=True)
    designation_letter = models.CharField(_("nomor surat penunjukan"), max_length=60, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit__path", "role", "name"]
        verbose_name = _("penanda tangan TUL VI-01")
        verbose_name_plural = _("penanda tangan TUL VI-01")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(role="manager", is_active=True),
                name="fieldwork_one_active_manager_signer_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.position})"


class Payment(TimeStampedModel):
    """A payment of arrears notified by the billing/payment side (PPOB, bank, counter), kept once
    per reference with the real payment time (seed 004 §VI: "pengecekan data pelunasan")."""

    reference = models.CharField(_("referensi pembayaran"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("pelanggan")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    paid_at = models.DateTimeField(_("waktu bayar"))
    amount = models.DecimalField(
        _("jumlah (Rp)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    channel = models.CharField(_("kanal"), max_length=40, blank=True)
    settled = models.BooleanField(_("melunasi tunggakan"), default=False)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("pembayaran")
        verbose_name_plural = _("pembayaran")
        indexes = [models.Index(fields=["customer", "paid_at"], name="fieldwork_payment_customer")]

    def __str__(self) -> str:
        return self.reference


class FieldOrder(ConcurrentTransitionMixin, TimeStampedModel):  # includes FSMModelMixin
    """An order to the contractor's field officer, of any kind (seed 004 §II–VI)."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    customer = models.ForeignKey(
        "customers.Customer",
        models.PROTECT,
        related_name="field_orders",
        verbose_name=_("pelanggan"),
    )
    kind = models.CharField(_("jenis order"), max_length=20, choices=OrderKind.choices)
    state = FSMField(
        _("status"), default=OrderState.ISSUED, choices=OrderState.choices, protected=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("diterbitkan")
    )
    issued_at = models.DateTimeField(_("tanggal terbit"), default=timezone.now)
    due_at = models.DateTimeField(_("batas waktu"), null=True, blank=True)
    # The unit's local day the officer is to visit (seed 004 §IV, "jadwal pelaksanaan").
    planned_on = models.DateField(_("rencana kunjungan"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas"),
    )
    done_at = models.DateTimeField(_("waktu pelaksanaan"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("waktu verifikasi"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the officer records (each kind uses some of them).
    register_kwh = models.DecimalField(_("stan (kWh)"), null=True, blank=True, **KWH)
    credit_kwh = models.DecimalField(_("sisa kWh"), null=True, blank=True, **KWH)
    photo = models.FileField(_("foto"), upload_to=RandomName("fieldwork"), blank=True)
    signature = models.FileField(
        _("tanda tangan"), upload_to=RandomName("fieldwork/sign"), blank=True
    )
    initials = models.CharField(_("paraf / nama penerima"), max_length=60, blank=True)
    outcome = models.CharField(
        _("keterangan"), max_length=30, choices=NoticeOutcome.choices, blank=True
    )
    anomaly = models.ForeignKey(
        "reading.AnomalyCode",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="LBKB",
    )
    latitude = models.DecimalField(
        _("koordinat Y"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("koordinat X"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    note = models.TextField(_("catatan"), blank=True)
    disconnection_method = models.CharField(
        _("cara pemutusan"), max_length=20, choices=DisconnectionMethod.choices, blank=True
    )
    seal_number = models.CharField(_("nomor segel"), max_length=30, blank=True)
    # A P2TL inspection's result (issue #23); the suspicion list reads it back.
    inspection_finding = models.CharField(
        _("temuan P2TL"), max_length=12, choices=InspectionFinding.choices, blank=True
    )
    # When the result reached the server: the H+1 reporting deadline is measured on it.
    reported_at = models.DateTimeField(_("waktu lapor"), null=True, blank=True)
    reported_late = models.BooleanField(_("laporan terlambat dari H+1"), null=True, blank=True)
    # A disconnection order withdrawn because the customer paid: a cut the officer made before
    # the payment (offline) may still be recorded on it.
    withdrawn_by_payment = models.BooleanField(_("ditarik karena lunas"), default=False)
    # What the order is about.
    sample = models.OneToOneField(
        AuditSample, models.CASCADE, null=True, blank=True, related_name="order"
    )
    campaign = models.ForeignKey(
        Campaign, models.PROTECT, null=True, blank=True, related_name="orders"
    )
    arrears = models.ForeignKey(
        Arrears, models.PROTECT, null=True, blank=True, related_name="orders"
    )
    replacement_target = models.ForeignKey(
        "replacement.ReplacementTarget",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target HOME"),
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("order lapangan")
        verbose_name_plural = _("order lapangan")
        indexes = [
            models.Index(fields=["unit", "kind", "state"], name="fieldwork_order_unit_kind"),
            models.Index(fields=["customer", "kind"], name="fieldwork_order_customer_kind"),
            models.Index(fields=["assigned_to", "planned_on"], name="fieldwork_order_officer_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(state__in=["issued", "assigned"]),
                name="fieldwork_order_one_open_per_customer_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"OL-{self.pk:07d}" if self.pk else "OL-baru"

    def is_overdue(self, now=None) -> bool:
        return (
            self.due_at is not None
            and self.state in (OrderState.ISSUED, OrderState.ASSIGNED)
            and (now or timezone.now()) >= self.due_at
        )

    @transition(
        field=state, source=[OrderState.ISSUED, OrderState.ASSIGNED], target=OrderState.ASSIGNED
    )
    def assign(self, *, officer) -> None:
        self.assigned_to = officer

    @transition(field=state, source=OrderState.ASSIGNED, target=OrderState.DONE)
    def complete(self, *, by, at) -> None:
        self.recorded_by, self.done_at = by, at
        self.reported_at = self.reported_at or timezone.now()

    @transition(
        field=state,
        source=OrderState.FAILED,
        target=OrderState.DONE,
        conditions=[lambda order: order.withdrawn_by_payment],
    )
    def complete_after_withdrawal(self, *, by, at) -> None:
        """The cut was made before the payment that withdrew the order: it stands."""
        self.recorded_by, self.done_at, self.withdrawn_by_payment = by, at, False
        self.reported_at = self.reported_at or timezone.now()

    @transition(
        field=state, source=[OrderState.ISSUED, OrderState.ASSIGNED], target=OrderState.FAILED
    )
    def fail(self, *, by, reason: str) -> None:
        self.recorded_by, self.done_at, self.note = by, timezone.now(), reason

    @transition(
        field=state, source=[OrderState.DONE, OrderState.FAILED], target=OrderState.VERIFIED
    )
    def verify(self, *, by) -> None:
        self.verified_by, self.verified_at = by, timezone.now()


class OfficerTarget(TimeStampedModel):
    """How many orders of a kind an officer is to finish on a day in a ULP (seed 004 §IV,
    "target per petugas"); a period's target is the sum of its days."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("petugas")
    )
    day = models.DateField(_("tanggal"))
    kind = models.CharField(_("jenis order"), max_length=20, choices=OrderKind.choices)
    target = models.PositiveSmallIntegerField(_("target"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["day", "officer_id", "kind"]
        verbose_name = _("target petugas")
        verbose_name_plural = _("target petugas")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "officer", "day", "kind"],
                name="fieldwork_officertarget_one_per_day_kind",
            ),
        ]
        indexes = [models.Index(fields=["unit", "day"], name="fieldwork_target_unit_day")]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.day} {self.kind}: {self.target}"


class MoveProposal(FSMModelMixin, TimeStampedModel):
    """A proposal to move a customer to another route (RBM) and/or substation (seed 004 §IV)."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("pelanggan")
    )
    survey = models.ForeignKey(
        FieldOrder, models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    from_route = models.ForeignKey(
        "customers.Route",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("RBM lama"),
    )
    to_route = models.ForeignKey(
        "customers.Route",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("RBM baru"),
    )
    to_sequence = models.PositiveIntegerField(_("urutan baca baru"), null=True, blank=True)
    from_substation = models.ForeignKey(
        "customers.Substation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gardu lama"),
    )
    to_substation = models.ForeignKey(
        "customers.Substation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gardu baru"),
    )
    state = FSMField(
        _("status"),
        max_length=10,
        choices=ProposalState.choices,
        default=ProposalState.PROPOSED,
        protected=True,
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("usulan pindah RBM/gardu")
        verbose_name_plural = _("usulan pindah RBM/gardu")

    @transition(field=state, source=ProposalState.PROPOSED, target=ProposalState.VERIFIED)
    def verify(self, *, by) -> None:
        self.verified_by = by

    @transition(field=state, source=ProposalState.PROPOSED, target=ProposalState.REJECTED)
    def reject(self, *, by) -> None:
        self.verified_by = by

    @transition(field=state, source=ProposalState.VERIFIED, target=ProposalState.APPLIED)
    def apply(self, *, at) -> None:
        self.applied_at = at
