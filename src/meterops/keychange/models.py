import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from meterops import sts
from meterops.core.models import Contractor, Process, TimeStampedModel, Unit
from meterops.vending.choices import VkrnCode
from meterops.vending.models import sts_key_type

from .choices import OPEN_STATES, FailureReason, GenerationStatus, Proof, TargetState


def normalise_display(text: str) -> str:
    """Compare displays without case or spacing: "krn 02  kt 02" equals "KRN 02 KT 02"."""
    return re.sub(r"\s+", "", text).upper()


class DisplayExpectation(TimeStampedModel):
    """What a meter brand shows after "04 enter" once on KRN-2 (seed 003, Lampiran I)."""

    brand = models.CharField(_("merk meter"), max_length=40)
    model_hint = models.CharField(
        _("type meter (bila berbeda)"),
        max_length=40,
        blank=True,
        help_text=_("Isi bila type ini menampilkan lain dari merk umumnya, mis. ACE 9000."),
    )
    expected_display = models.CharField(_("tampilan setelah 04 enter"), max_length=40)
    history = HistoricalRecords()

    class Meta:
        ordering = ["brand", "model_hint"]
        verbose_name = _("tampilan KRN-2 per merk")
        verbose_name_plural = _("tampilan KRN-2 per merk")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "model_hint"], name="keychange_display_one_per_brand_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model_hint}: {self.expected_display}".replace("  ", " ")

    def matches(self, text: str) -> bool:
        return normalise_display(text) == normalise_display(self.expected_display)


class Campaign(TimeStampedModel):
    """A KRN-2 upgrade campaign: prepaid meters of a unit chosen by filter, one KCT each."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("unit"))
    name = models.CharField(_("nama kampanye"), max_length=120)
    contractor = models.ForeignKey(
        Contractor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vendor pelaksana"),
    )
    brand = models.CharField(_("filter merk"), max_length=40, blank=True)
    tariff = models.CharField(_("filter tarif"), max_length=10, blank=True)
    route = models.ForeignKey(
        "customers.Route",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filter RBM"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    skipped_open = models.PositiveIntegerField(_("dilewati (proses belum tuntas)"), default=0)
    skipped_invalid = models.PositiveIntegerField(_("dilewati (data meter tidak valid)"), default=0)
    generation_status = models.CharField(
        _("pembuatan KCT"),
        max_length=10,
        choices=GenerationStatus.choices,
        default=GenerationStatus.DONE,
    )
    meters_total = models.PositiveIntegerField(_("meter terpilih"), default=0)
    meters_processed = models.PositiveIntegerField(_("meter diproses"), default=0)
    task_id = models.CharField(_("ID tugas latar"), max_length=64, blank=True)
    # The run_worker filling its Bank KCT (core.workers); empty while queued. Its heartbeat
    # stopping queues the job again, which continues with the meters still without a target.
    worker_id = models.CharField(max_length=64, blank=True, default="")
    generation_error = models.TextField(_("kesalahan pembuatan"), blank=True)
    generation_finished_at = models.DateTimeField(_("selesai dibuat"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("kampanye KRN")
        verbose_name_plural = _("kampanye KRN")

    def __str__(self) -> str:
        return self.name

    @property
    def generation_percent(self) -> int:
        if not self.meters_total:
            return 100 if self.generation_status == GenerationStatus.DONE else 0
        return min(100, self.meters_processed * 100 // self.meters_total)

    @property
    def is_generating(self) -> bool:
        return self.generation_status in (GenerationStatus.QUEUED, GenerationStatus.RUNNING)


class CampaignTarget(ConcurrentTransitionMixin, TimeStampedModel):
    """One meter of a campaign, from its KCT in the Bank KCT to Berhasil or Gagal."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="targets")
    process = models.OneToOneField(Process, models.PROTECT, related_name="keychange_target")
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("pelanggan")
    )
    meter = models.ForeignKey(
        "customers.Meter", models.PROTECT, related_name="+", verbose_name=_("meter")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    state = FSMField(
        _("status"), default=TargetState.GENERATED, choices=TargetState.choices, protected=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas"),
    )
    assigned_at = models.DateTimeField(_("ditugaskan"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("waktu konfirmasi"), null=True, blank=True)
    updated_key_at = models.DateTimeField(_("waktu update"), null=True, blank=True)
    display_entered = models.CharField(_("tampilan 04 enter"), max_length=40, blank=True)
    failure_reason = models.CharField(
        _("alasan gagal"), max_length=20, choices=FailureReason.choices, blank=True
    )
    proof = models.CharField(
        _("bukti konfirmasi"), max_length=12, choices=Proof.choices, blank=True
    )
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        ordering = ["campaign", "customer__customer_id"]
        verbose_name = _("target KCT")
        verbose_name_plural = _("target KCT")
        indexes = [
            models.Index(fields=["campaign", "state"], name="keychange_target_camp_state"),
            models.Index(fields=["assigned_to", "state"], name="keychange_target_officer"),
            models.Index(fields=["meter", "-updated_key_at"], name="keychange_target_meter_upd"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.meter.meter_number}"

    @property
    def reference(self) -> str:
        return f"KCT-{self.pk:07d}" if self.pk else "KCT-baru"

    @transition(
        field=state,
        source=[TargetState.GENERATED, TargetState.ASSIGNED],
        target=TargetState.ASSIGNED,
    )
    def assign(self, *, officer, when) -> None:
        self.assigned_to, self.assigned_at = officer, when

    @transition(field=state, source=TargetState.ASSIGNED, target=TargetState.SUCCEEDED)
    def succeed(self, *, by, when, display: str, proof: str = Proof.DISPLAY) -> None:
        self.confirmed_by, self.confirmed_at = by, when
        self.updated_key_at, self.display_entered, self.proof = when, display, proof

    @transition(field=state, source=TargetState.ASSIGNED, target=TargetState.FAILED)
    def fail_for_new_kct(self, *, by, when, reason: str, note: str, proof: str = "") -> None:
        self.confirmed_by, self.confirmed_at = by, when
        self.failure_reason, self.note, self.proof = reason, note, proof

    @transition(field=state, source=TargetState.ASSIGNED, target=TargetState.CANCELLED)
    def fail_and_close(self, *, by, when, reason: str, note: str) -> None:
        self.confirmed_by, self.confirmed_at = by, when
        self.failure_reason, self.note = reason, note

    @transition(field=state, source=TargetState.FAILED, target=TargetState.GENERATED)
    def regenerate(self) -> None:
        self.assigned_to = self.assigned_at = None

    # A meter swapped for a new one (issue #23), moved in bulk by
    # ``services.settle_targets_of_swapped_meters``: the new meter on the KRN-2 key needs no KCT
    # (done by the replacement); one on an old key needs a pair of its own (Gagal, waiting).
    @transition(field=state, source=OPEN_STATES, target=TargetState.REPLACED)
    def close_by_replacement(self) -> None:
        pass

    @transition(field=state, source=OPEN_STATES, target=TargetState.FAILED)
    def follow_new_meter(self) -> None:
        pass

    # The meter took the KRN-2 key through another process's KCTs (a prepaid PD, seed 002),
    # moved in bulk by ``services.settle_targets_of_rekeyed_meters``.
    @transition(field=state, source=OPEN_STATES, target=TargetState.SUCCEEDED)
    def succeed_elsewhere(self) -> None:
        pass

    # A meter taken out without a new one (bongkar rampung): no meter left to upgrade.
    @transition(field=state, source=OPEN_STATES, target=TargetState.DISMANTLED)
    def close_by_dismantling(self) -> None:
        pass

    # Corrections of a confirmation the meter's answer to the 0 kWh test token contradicts
    # (seed 003, point 5b, the two human errors); the one who corrects becomes the confirmer.
    @transition(field=state, source=TargetState.FAILED, target=TargetState.SUCCEEDED)
    def correct_to_succeeded(self, *, by, when, answer: str) -> None:
        """Gagal while the meter took the KCT. The update time is the correction's: tokens are
        sold with the new key from now, and the call centre compares purchases with it."""
        self.confirmed_by, self.confirmed_at, self.updated_key_at = by, when, when
        self.display_entered, self.proof, self.failure_reason = answer[:40], Proof.TEST_TOKEN, ""

    @transition(field=state, source=TargetState.SUCCEEDED, target=TargetState.FAILED)
    def correct_to_failed(self, *, by, when, note: str) -> None:
        """Berhasil while the meter is still on the old key: waits for a new KCT pair."""
        self.confirmed_by, self.confirmed_at, self.updated_key_at = by, when, None
        self.display_entered, self.proof = "", Proof.TEST_TOKEN
        self.failure_reason, self.note = FailureReason.INVALID, note


class KeyChangeTokenQuerySet(models.QuerySet):
    def void_unused(self, target_ids, *, at) -> int:
        """End the pairs of these targets not voided yet: made for key data no meter will take
        (a new pair, a closed failure, a swapped or rekeyed meter). Returns how many."""
        return self.filter(target_id__in=target_ids, voided_at__isnull=True).update(voided_at=at)


class KeyChangeToken(TimeStampedModel):
    """A row of the Bank KCT: the token pair (4 for MISTY1) and the key data it moves between.

    A pair is valid only for the meter parameters in ``from_*``; voiding is final, and a token
    appears in the bank once, so a pair can serve neither two meters nor a second attempt.
    """

    objects = KeyChangeTokenQuerySet.as_manager()

    target = models.ForeignKey(CampaignTarget, models.PROTECT, related_name="tokens")
    token_1 = models.CharField(_("KCT 1"), max_length=20, unique=True)
    token_2 = models.CharField(_("KCT 2"), max_length=20)
    token_3 = models.CharField(_("KCT 3"), max_length=20, blank=True)
    token_4 = models.CharField(_("KCT 4"), max_length=20, blank=True)
    from_vkrn = models.PositiveSmallIntegerField(_("VKRN lama"), choices=VkrnCode.choices)
    to_vkrn = models.PositiveSmallIntegerField(_("VKRN baru"), choices=VkrnCode.choices)
    supply_group = models.CharField(_("SGC"), max_length=6)
    tariff_index = models.CharField(_("TI"), max_length=2)
    key_type = models.PositiveSmallIntegerField(_("KT"))
    from_key_revision = models.PositiveSmallIntegerField(_("KRN lama"))
    to_key_revision = models.PositiveSmallIntegerField(_("KRN baru"))
    generated_at = models.DateTimeField(_("dibuat"))
    voided_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    test_token = models.CharField(_("token uji 0 kWh (kunci baru)"), max_length=20, blank=True)
    test_token_at = models.DateTimeField(_("token uji dibuat"), null=True, blank=True)

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = _("KCT")
        verbose_name_plural = _("Bank KCT")
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(voided_at__isnull=True),
                name="keychange_kct_one_live_per_target",
            ),
        ]

    def __str__(self) -> str:
        return f"KCT {self.target.meter.meter_number}"

    @property
    def tokens(self) -> list[str]:
        return [t for t in (self.token_1, self.token_2, self.token_3, self.token_4) if t]

    @property
    def formatted(self) -> list[str]:
        return [sts.format_token(t) for t in self.tokens]

    @property
    def formatted_test_token(self) -> str:
        return sts.format_token(self.test_token) if self.test_token else ""

    def fits(self, meter, *, applied: bool = False) -> bool:
        """Whether the meter still has the parameters this pair was made from, or with
        ``applied`` those it moved the meter to (a target confirmed Berhasil)."""
        vkrn = self.to_vkrn if applied else self.from_vkrn
        return (
            meter.supply_group == self.supply_group
            and meter.tariff_index == self.tariff_index
            and meter.vkrn == vkrn
            and sts_key_type(meter.key_type) == self.key_type
        )


class VkrnTally(models.Model):
    """Current prepaid meters of one unit by vending key, as ``count_meters_by_vkrn`` last
    counted them. The KRN dashboard reads these few rows instead of counting every prepaid
    meter of the user's reach on each view (410 ms at p95 for a UID of 1M customers)."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="+", verbose_name=_("unit"))
    vkrn_41 = models.PositiveIntegerField("VKRN 41", default=0)
    vkrn_42 = models.PositiveIntegerField("VKRN 42", default=0)
    vkrn_43 = models.PositiveIntegerField("VKRN 43", default=0)
    unknown = models.PositiveIntegerField(_("VKRN belum tercatat"), default=0)
    counted_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("jumlah meter per VKRN")
        verbose_name_plural = _("jumlah meter per VKRN")

    def __str__(self) -> str:
        return f"<VkrnTally unit={self.unit_id} at {self.counted_at:%Y-%m-%d %H:%M}>"
