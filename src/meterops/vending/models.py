from django.db import models
from django.utils.translation import gettext_lazy as _

from meterops import sts
from meterops.core.models import TimeStampedModel, Unit

from . import crypto
from .choices import BaseDateYear, Encryption, KeyGeneration, VkrnCode

# PLN's issuer identification number: a meter's PAN is 600727 + its 11-digit number + Luhn digit.
PLN_IIN = "600727"


# A meter whose key type is not recorded is a credit meter: KT 2 (IEC 62055-41).
DEFAULT_KEY_TYPE = 2


def sts_key_type(key_type: int | None) -> int:
    """The STS key type (KT) a meter uses: the recorded one, else the default."""
    return key_type if key_type is not None else DEFAULT_KEY_TYPE


def pan_of(meter_number: str) -> sts.Pan:
    """PAN of a meter: IIN 600727 for 11-digit numbers, IIN 0000 for 13-digit ones."""
    if len(meter_number) == 13:
        return sts.Pan("0000", meter_number)
    return sts.Pan(PLN_IIN, meter_number)


class VendingKey(TimeStampedModel):
    """A unit's vending key of one VKRN; its ULPs use it unless they hold their own.

    The one key store of the project: campaigns, the call centre, application tokens and token
    sales all read it through ``keys.vending_keys_for``. The key material is written once and
    never shown again: the column holds it sealed with AES-GCM (``crypto``), pages show
    ``masked``, the repr hides it, and the model keeps no history table. It began in keychange
    and keeps that app's table (``db_table``).
    """

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("unit"))
    vkrn = models.PositiveSmallIntegerField(_("VKRN"), choices=VkrnCode.choices)
    key_revision = models.PositiveSmallIntegerField(_("KRN"))
    algorithm = models.CharField(_("DKGA"), max_length=2, choices=KeyGeneration.choices)
    encryption = models.CharField(_("EA"), max_length=2, choices=Encryption.choices)
    base_date = models.PositiveSmallIntegerField(_("base date"), choices=BaseDateYear.choices)
    key_material = models.BinaryField(editable=False)  # sealed: crypto.seal(plaintext)
    is_test_key = models.BooleanField(_("kunci uji"), default=False)
    label = models.CharField(_("keterangan"), max_length=120, blank=True)

    class Meta:
        db_table = "keychange_vendingkey"
        ordering = ["unit__path", "vkrn"]
        verbose_name = _("kunci vending")
        verbose_name_plural = _("kunci vending")
        constraints = [
            # The table and constraint names are keychange's, where the store began (0001).
            models.UniqueConstraint(fields=["unit", "vkrn"], name="keychange_vendingkey_one_vkrn"),
        ]

    def __repr__(self) -> str:
        return f"<VendingKey unit={self.unit_id} vkrn={self.vkrn} key=<hidden>>"

    def __str__(self) -> str:
        return f"VKRN {self.vkrn} ({self.unit})"

    def set_material(self, plaintext: bytes) -> None:
        self.key_material = crypto.seal(plaintext)
        self._plain = bytes(plaintext)

    @property
    def material(self) -> bytes:
        """The plaintext vending key, opened once per instance; never log or show it."""
        plain = getattr(self, "_plain", None)
        if plain is None:
            plain = self._plain = crypto.open_sealed(self.key_material)
        return plain

    @property
    def masked(self) -> str:
        return f"•••••••• ({len(self.material)} byte)"

    def key_data(self, meter) -> sts.MeterKeyData:
        """The STS key data of ``meter`` under this key (PAN = IIN 600727 + meter number)."""
        return sts.MeterKeyData(
            pan=pan_of(meter.meter_number),
            supply_group=meter.supply_group,
            tariff_index=meter.tariff_index,
            key_type=sts_key_type(meter.key_type),
            key_revision=self.key_revision,
            base_date=sts.BaseDate(self.base_date),
        )

    def decoder_key(self, meter) -> bytes:
        """The meter's decoder key under this vending key, without preparing a cipher."""
        return sts.derive_decoder_key(
            vending_key=self.material,
            algorithm=sts.KeyGenerationAlgorithm(self.algorithm),
            meter=self.key_data(meter),
            encryption=sts.EncryptionAlgorithm(self.encryption),
        )

    def codec(self, meter, cache: sts.DecoderKeyCache) -> sts.TokenCodec:
        return cache.codec(
            vending_key=self.material,
            algorithm=sts.KeyGenerationAlgorithm(self.algorithm),
            meter=self.key_data(meter),
            encryption=sts.EncryptionAlgorithm(self.encryption),
        )


class TidCounter(models.Model):
    """The last TID given to a meter under one base date: the next token's TID is above it.

    A meter keeps the TIDs it has seen and refuses a repeat, or one older than its oldest once
    its store is full (IEC 62055-41, 6.3.5); a rollover key change to the next base date
    empties the store, so the count starts again per base date. ``tids.reserve_issue_times``
    is the only writer.
    """

    meter_number = models.CharField(_("no meter"), max_length=13)
    base_date = models.PositiveSmallIntegerField(_("base date"), choices=BaseDateYear.choices)
    last_tid = models.PositiveIntegerField(_("TID terakhir"))
    tokens = models.PositiveIntegerField(_("jumlah token"))

    class Meta:
        verbose_name = _("TID meter")
        verbose_name_plural = _("TID meter")
        constraints = [
            models.UniqueConstraint(
                fields=["meter_number", "base_date"], name="vending_tidcounter_one_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meter_number} {self.base_date}: {self.last_tid}"
