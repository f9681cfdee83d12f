"""The unit's weights and thresholds of the P2TL suspicion list (issue #23)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from meterops.core.models import TimeStampedModel, Unit


def _weight(label: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)]
    )


class P2tlSettings(TimeStampedModel):
    """A unit's P2TL weights; a unit without a row inherits its nearest ancestor's."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="p2tl_settings")
    weight_tamper = _weight(_("Bobot status tamper 08 (load profile NFC)"), 30)
    weight_voltage = _weight(_("Bobot tegangan di luar batas (load profile NFC)"), 10)
    weight_register = _weight(_("Bobot stan mundur / pemakaian nol"), 20)
    weight_drop_after_visit = _weight(_("Bobot pemakaian turun setelah kunjungan"), 25)
    weight_sampling = _weight(_("Bobot kelainan sampling prabayar"), 20)
    weight_kct_failure = _weight(_("Bobot KCT KRN-2 gagal"), 15)
    weight_token_calls = _weight(_("Bobot keluhan token tidak bisa masuk berulang"), 15)
    lookback_months = models.PositiveSmallIntegerField(
        _("Periode pengamatan (bulan)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    drop_percent = models.PositiveSmallIntegerField(
        _("Pemakaian setelah kunjungan di bawah (% rata-rata 3 bulan sebelumnya)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    token_call_minimum = models.PositiveSmallIntegerField(
        _("Keluhan token dianggap berulang mulai (kali)"),
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
    )
    token_call_days = models.PositiveSmallIntegerField(
        _("Dalam jangka (hari)"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    cleared_months = models.PositiveSmallIntegerField(
        _("Pelanggan tanpa pelanggaran keluar dari daftar selama (bulan)"),
        default=6,
        validators=[MaxValueValidator(36)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("setting P2TL")
        verbose_name_plural = _("setting P2TL")

    def __str__(self) -> str:
        return f"Setting P2TL {self.unit}"

    @classmethod
    def for_unit(cls, unit: Unit) -> "P2tlSettings":
        """The unit's own row, or its nearest ancestor's, or the defaults (unsaved)."""
        return unit.nearest(cls.objects.select_related("unit")) or cls(unit=unit)

    def clean(self):
        if not any(getattr(self, name) for name in WEIGHT_FIELDS):
            raise ValidationError(_("Minimal satu bobot harus lebih dari 0."))


WEIGHT_FIELDS = (
    "weight_tamper",
    "weight_voltage",
    "weight_register",
    "weight_drop_after_visit",
    "weight_sampling",
    "weight_kct_failure",
    "weight_token_calls",
)


def _hits(label) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class SuspectScore(models.Model):
    """A customer's P2TL score and hits per signal as ``count_suspects`` last counted them,
    with the unit's own weights. The list reads these rows by unit and score instead of
    scoring every customer of the reach on each view (3.8 s for a ULP, 14.6 s for the UID at
    1,000,000 customers; docs/BENCHMARKS.md). Only customers with a score have a row."""

    customer = models.OneToOneField(
        "customers.Customer", models.CASCADE, primary_key=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name=_("unit"))
    score = models.PositiveIntegerField(_("skor"))
    tamper = _hits("tamper 08")
    voltage = _hits(_("tegangan di luar batas"))
    register = _hits(_("stan mundur / nol"))
    prepaid_register = _hits(_("stan kartu tidak naik"))
    drop_after_visit = _hits(_("turun setelah kunjungan"))
    sampling = _hits(_("kelainan sampling"))
    kct_failure = _hits(_("KCT gagal"))
    token_calls = _hits(_("keluhan token"))
    # A P2TL inspection without violation done on or after this day clears the customer
    # (the unit's cleared_months when counted); read live, so the outcome shows at once.
    cleared_since = models.DateField()

    class Meta:
        verbose_name = _("skor suspect P2TL")
        verbose_name_plural = _("skor suspect P2TL")
        indexes = [
            models.Index("unit", models.F("score").desc(), "customer", name="p2tl_score_unit_rank"),
        ]

    def __str__(self) -> str:
        return f"<SuspectScore customer={self.customer_id} score={self.score}>"


class SuspectTally(models.Model):
    """When a unit's customers were last scored, and how many have a score: a unit without a
    row was never counted (``meterops.core.tallies``)."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="+", verbose_name=_("unit"))
    suspects = models.PositiveIntegerField(_("pelanggan bersinyal"), default=0)
    counted_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("penghitungan suspect P2TL")
        verbose_name_plural = _("penghitungan suspect P2TL")

    def __str__(self) -> str:
        return f"<SuspectTally unit={self.unit_id} at {self.counted_at:%Y-%m-%d %H:%M}>"
