from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from meterops.core.models import TimeStampedModel, Unit
from meterops.core.validators import customer_id_validator
from meterops.vending.choices import VkrnCode

from .choices import PaymentMode, Phase, RemovalReason


class Substation(TimeStampedModel):
    """A distribution substation (gardu) customers hang on."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="substations")
    code = models.CharField(_("kode gardu"), max_length=20)
    name = models.CharField(_("nama gardu"), max_length=120, blank=True)
    capacity_kva = models.PositiveIntegerField(_("kapasitas (kVA)"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("gardu")
        verbose_name_plural = _("gardu")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "code"], name="customers_substation_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Route(TimeStampedModel):
    """A meter-reading route (RBM): customers read in order on the same day."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="routes")
    code = models.CharField(_("kode RBM"), max_length=20)
    name = models.CharField(_("nama RBM"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("rute baca meter (RBM)")
        verbose_name_plural = _("rute baca meter (RBM)")
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="customers_route_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class Customer(TimeStampedModel):
    """A customer of the master data (DIL), identified by the 12-digit IDPEL."""

    customer_id = models.CharField(
        _("IDPEL"), max_length=12, unique=True, validators=[customer_id_validator]
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="customers", verbose_name=_("ULP"))
    name = models.CharField(_("nama"), max_length=120)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    tariff = models.CharField(_("tarif"), max_length=10)
    power_va = models.PositiveIntegerField(_("daya (VA)"))
    payment_mode = models.CharField(
        _("jenis"), max_length=10, choices=PaymentMode.choices, default=PaymentMode.POSTPAID
    )
    substation = models.ForeignKey(
        Substation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("gardu"),
    )
    route = models.ForeignKey(
        Route,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("RBM"),
    )
    route_sequence = models.PositiveIntegerField(_("urutan baca"), null=True, blank=True)
    latitude = models.DecimalField(
        _("koordinat Y"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("koordinat X"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["customer_id"]
        verbose_name = _("pelanggan")
        verbose_name_plural = _("pelanggan")
        indexes = [
            models.Index(fields=["unit", "customer_id"], name="customers_cust_unit_idpel"),
            models.Index(fields=["name"], name="customers_customer_name"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.name}"

    @property
    def current_meter(self) -> "Meter | None":
        return self.meters.filter(removed_at__isnull=True).first()


class Meter(TimeStampedModel):
    """The metering equipment (APP) at a customer; at most one is current (not removed)."""

    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="meters", verbose_name=_("pelanggan")
    )
    brand = models.CharField(_("merk meter"), max_length=40)
    model = models.CharField(_("type meter"), max_length=40, blank=True)
    meter_number = models.CharField(_("no meter"), max_length=20, db_index=True)
    serial_number = models.CharField(_("no pabrik"), max_length=30, blank=True)
    manufacture_year = models.PositiveSmallIntegerField(_("tahun buat"), null=True, blank=True)
    phase = models.PositiveSmallIntegerField(_("fasa"), choices=Phase.choices, default=Phase.SINGLE)
    # STS key data of a prepaid meter (IEC 62055-41); empty for postpaid meters.
    supply_group = models.CharField(_("SGC"), max_length=6, blank=True)
    tariff_index = models.CharField(_("TI"), max_length=2, blank=True)
    # The meter's vending key (seed 003): its VKRN names the key; KRN follows from it.
    vkrn = models.PositiveSmallIntegerField(
        _("VKRN"), choices=VkrnCode.choices, null=True, blank=True
    )
    key_revision = models.PositiveSmallIntegerField(_("KRN"), null=True, blank=True)
    key_type = models.PositiveSmallIntegerField(_("KT"), null=True, blank=True)
    installed_at = models.DateField(_("tanggal pasang"), null=True, blank=True)
    removed_at = models.DateField(_("tanggal bongkar"), null=True, blank=True)
    # db_default: the demo and DIL loaders write meters with raw INSERT/COPY column lists.
    removal_reason = models.CharField(
        _("alasan bongkar"),
        max_length=12,
        choices=RemovalReason.choices,
        blank=True,
        default="",
        db_default="",
    )
    # What was wrong with a damaged meter (the TO's damage type), or what replaced it.
    removal_note = models.CharField(
        _("keterangan bongkar"), max_length=120, blank=True, default="", db_default=""
    )
    # Faktor kali meter (FKM): kWh = register difference × FKM, for a meter read through
    # current transformers (issue #23); 1 for a direct meter. It belongs to the installation's
    # CTs, so a swapped-in meter takes the old one's (services.swap_meter).
    multiplier = models.DecimalField(
        _("faktor kali meter (FKM)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal(1),
        db_default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-installed_at", "-id"]
        verbose_name = _("meter")
        verbose_name_plural = _("meter")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(removed_at__isnull=True),
                name="customers_meter_one_current_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.meter_number}"


class CustomerTally(models.Model):
    """Customers of one unit, as ``count_customers_by_unit`` last counted them
    (meterops.core.tallies): the dashboard counted every customer of a UID on each view."""

    unit = models.OneToOneField(Unit, models.CASCADE, related_name="+", verbose_name=_("unit"))
    customers = models.PositiveIntegerField(_("pelanggan"), default=0)
    counted_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("jumlah pelanggan per unit")
        verbose_name_plural = _("jumlah pelanggan per unit")

    def __str__(self) -> str:
        return f"<CustomerTally unit={self.unit_id} at {self.counted_at:%Y-%m-%d %H:%M}>"
