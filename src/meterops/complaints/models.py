from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from meterops import sts
from meterops.core.models import Process, TimeStampedModel, Unit

from .choices import PowerState, TicketCause, TicketKind, TicketState, TokenFinding

KWH = {"max_digits": 10, "decimal_places": 1}


class ComplaintSettings(TimeStampedModel):
    """A unit's SLA per APKT kind; a unit without a row uses its nearest ancestor's."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="complaint_settings")
    outage_sla_hours = models.PositiveSmallIntegerField(_("SLA Gangguan (jam)"), default=3)
    complaint_sla_hours = models.PositiveSmallIntegerField(_("SLA Keluhan (jam)"), default=24)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("setting pengaduan")
        verbose_name_plural = _("setting pengaduan")

    def __str__(self) -> str:
        return f"SLA {self.unit}"

    @classmethod
    def for_unit(cls, unit: Unit) -> "ComplaintSettings":
        """The unit's own row, or its nearest ancestor's, or the defaults (unsaved)."""
        return unit.nearest(cls.objects.select_related("unit")) or cls(unit=unit)

    def sla_hours(self, kind: str) -> int:
        return self.outage_sla_hours if kind == TicketKind.OUTAGE else self.complaint_sla_hours


class ProbingStep(TimeStampedModel):
    """One question of the older probing procedure for meters not yet on VKRN 43 (seed 003, 7.b)."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name=_("unit"))
    position = models.PositiveSmallIntegerField(_("urutan"), default=10)
    text = models.CharField(_("pertanyaan"), max_length=200)
    is_active = models.BooleanField(_("aktif"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("langkah probing")
        verbose_name_plural = _("langkah probing")

    def __str__(self) -> str:
        return self.text


class TokenCall(TimeStampedModel):
    """A PLN 123 call: a customer's token cannot be entered; what the CSO asked and found.

    A call of a customer whose ticket is still open is added to that ticket (``ticket``), so a
    ticket carries every call about the problem; the first of them opened it (``Ticket.call``).
    """

    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("pelanggan")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    meter = models.ForeignKey(
        "customers.Meter", models.PROTECT, null=True, related_name="+", verbose_name=_("meter")
    )
    vkrn = models.PositiveSmallIntegerField(_("VKRN"), null=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("CSO")
    )
    checklist = models.JSONField(_("probing"), default=list, blank=True)
    right_token = models.BooleanField(_("token yang diinput sesuai"), null=True)
    officer_visited = models.BooleanField(_("petugas sudah datang"), null=True)
    power_state = models.CharField(
        _("kondisi listrik"), max_length=12, choices=PowerState.choices, blank=True
    )
    remaining_kwh = models.DecimalField(_("sisa kWh"), null=True, blank=True, **KWH)
    token = models.CharField(_("nomor token"), max_length=20, blank=True)
    purchased_at = models.DateTimeField(_("waktu beli token"), null=True, blank=True)
    key_updated_at = models.DateTimeField(_("waktu update KRN"), null=True, blank=True)
    finding = models.CharField(
        _("hasil cek token"),
        max_length=12,
        choices=TokenFinding.choices,
        default=TokenFinding.NOT_CHECKED,
    )
    token_quantity = models.DecimalField(_("kWh token"), null=True, blank=True, **KWH)
    old_key_token = models.BooleanField(_("token kunci lama"), default=False)
    diagnosis = models.TextField(_("penjelasan"), blank=True)
    note = models.TextField(_("catatan"), blank=True)
    ticket = models.ForeignKey(
        "Ticket",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("tiket APKT"),
    )
    # The wizard form's one-time key: the same form sent twice records one call.
    submission = models.UUIDField(_("kunci formulir"), null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("panggilan token tidak bisa masuk")
        verbose_name_plural = _("panggilan token tidak bisa masuk")
        indexes = [models.Index(fields=["unit", "-created_at"], name="complaints_call_unit")]

    def __str__(self) -> str:
        return f"{self.customer.customer_id} {self.created_at:%Y-%m-%d %H:%M}"


class Ticket(ConcurrentTransitionMixin, TimeStampedModel):
    """An APKT ticket to the customer's unit: Gangguan or Keluhan, with its SLA clock."""

    process = models.OneToOneField(Process, models.PROTECT, related_name="complaint_ticket")
    # The call that opened the ticket; every call of the ticket, this one too, is in ``calls``.
    call = models.OneToOneField(TokenCall, models.PROTECT, related_name="opened_ticket")
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("pelanggan")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    kind = models.CharField(_("jenis APKT"), max_length=10, choices=TicketKind.choices)
    state = FSMField(
        _("status"), default=TicketState.OPEN, choices=TicketState.choices, protected=True
    )
    suggested_cause = models.CharField(
        _("dugaan penyebab"), max_length=16, choices=TicketCause.choices, blank=True
    )
    cause = models.CharField(_("penyebab"), max_length=16, choices=TicketCause.choices, blank=True)
    resolution = models.TextField(_("penanganan"), blank=True)
    due_at = models.DateTimeField(_("batas SLA"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas"),
    )
    resolved_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    # The HOME target the ticket became when its cause was a broken meter (issue #23).
    replacement_target = models.ForeignKey(
        "replacement.ReplacementTarget",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target HOME"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tiket APKT")
        verbose_name_plural = _("tiket APKT")
        indexes = [
            models.Index(fields=["unit", "state", "due_at"], name="complaints_ticket_unit"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        prefix = "GGN" if self.kind == TicketKind.OUTAGE else "KLH"
        return f"{prefix}-{self.pk:07d}" if self.pk else f"{prefix}-baru"

    def is_overdue(self, now=None) -> bool:
        """Past its SLA and not yet handled."""
        if self.state in (TicketState.RESOLVED, TicketState.CLOSED):
            return False
        return (now or timezone.now()) > self.due_at

    @transition(
        field=state, source=[TicketState.OPEN, TicketState.ASSIGNED], target=TicketState.ASSIGNED
    )
    def assign(self, *, to) -> None:
        self.assigned_to = to

    @transition(
        field=state, source=[TicketState.OPEN, TicketState.ASSIGNED], target=TicketState.RESOLVED
    )
    def resolve(self, *, cause: str, resolution: str, when) -> None:
        self.cause, self.resolution, self.resolved_at = cause, resolution, when

    @transition(field=state, source=TicketState.RESOLVED, target=TicketState.CLOSED)
    def close(self, *, when) -> None:
        self.closed_at = when


class ReplacementToken(TimeStampedModel):
    """A new-key token for the credit of an old-key token bought before the upgrade.

    One per call and one per original token: the same purchase is never credited twice. Without
    the token number (only its purchase time) the kWh come from the customer's receipt.
    """

    call = models.ForeignKey(TokenCall, models.PROTECT, related_name="replacements")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    original_token = models.CharField(
        _("token lama"), max_length=20, unique=True, null=True, blank=True
    )
    quantity = models.DecimalField(_("kWh"), **KWH)
    from_receipt = models.BooleanField(_("kWh dari struk"), default=False)
    token = models.CharField(_("token pengganti"), max_length=20)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("token pengganti")
        verbose_name_plural = _("token pengganti")
        constraints = [
            models.UniqueConstraint(fields=["call"], name="complaints_replacement_one_per_call"),
        ]

    def __str__(self) -> str:
        return self.token

    @property
    def formatted(self) -> str:
        return sts.format_token(self.token)
