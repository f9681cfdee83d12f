import hashlib
from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from meterops.core.media import RandomName
from meterops.core.models import Process, TimeStampedModel, Unit
from meterops.vending.choices import VkrnCode

from .cards import card_payload
from .choices import (
    CANCELLABLE_STATES,
    CLOSED_STATES,
    Product,
    RequestKind,
    RequestState,
    TokenKind,
    TokenStatus,
)

RUPIAH = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}
KWH = {"max_digits": 12, "decimal_places": 1, "validators": [MinValueValidator(Decimal(0))]}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}
digits = RegexValidator(r"^\d+$", _("Hanya angka."))
TAMPER = 8  # status tamper on the NFC card: 0 = normal, 8 = tamper (seed 002, Bab 3)


class FeeSchedule(TimeStampedModel):
    """One row of the fee table: what an application of this tariff and power costs."""

    tariff = models.CharField(_("tarif"), max_length=10)
    power_va = models.PositiveIntegerField(_("daya (VA)"))
    connection_fee = models.DecimalField(_("biaya penyambungan (BP)"), **RUPIAH)
    deposit = models.DecimalField(_("uang jaminan langganan (UJL)"), **RUPIAH)
    initial_credit = models.DecimalField(_("stroom awal (Rp)"), **RUPIAH)
    price_per_kwh = models.DecimalField(_("harga per kWh"), **RUPIAH)
    ppj_percent = models.DecimalField(_("PPJ (%)"), default=Decimal("3"), **PERCENT)
    ppn_percent = models.DecimalField(_("PPN atas BP (%)"), default=Decimal("0"), **PERCENT)
    tariff_index = models.CharField(_("TI"), max_length=2, validators=[digits])

    class Meta:
        ordering = ["tariff", "power_va"]
        verbose_name = _("tabel biaya")
        verbose_name_plural = _("tabel biaya")
        constraints = [
            models.UniqueConstraint(
                fields=["tariff", "power_va"], name="prepaid_feeschedule_one_per_tariff_power"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tariff}/{self.power_va}"


class MeterStock(TimeStampedModel):
    """A prepaid meter in a unit's stock, with its factory key data and whether it is NFC."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("unit"))
    meter_number = models.CharField(_("no meter"), max_length=13, unique=True, validators=[digits])
    brand = models.CharField(_("merk meter"), max_length=40)
    model = models.CharField(_("type meter"), max_length=40, blank=True)
    serial_number = models.CharField(_("no pabrik"), max_length=30, blank=True)
    is_nfc = models.BooleanField(_("meter dua arah NFC"), default=False)
    supply_group = models.CharField(_("SGC pabrik"), max_length=6, validators=[digits])
    tariff_index = models.CharField(_("TI pabrik"), max_length=2, validators=[digits])
    vkrn = models.PositiveSmallIntegerField(_("VKRN pabrik"), choices=VkrnCode.choices)
    key_revision = models.PositiveSmallIntegerField(_("KRN pabrik"))
    key_type = models.PositiveSmallIntegerField(_("KT"), default=2)
    history = HistoricalRecords()  # who put a meter in stock or changed it (admin, upload)

    class Meta:
        ordering = ["meter_number"]
        verbose_name = _("stok meter prabayar")
        verbose_name_plural = _("stok meter prabayar")

    def __str__(self) -> str:
        return f"{self.brand} {self.meter_number}"


class ServiceRequest(ConcurrentTransitionMixin, TimeStampedModel):
    """An application for prepaid service (PB, PD, Paskem, Migrasi), entry to PDL (seed 002)."""

    request_number = models.CharField(_("no agenda"), max_length=20, unique=True)
    process = models.OneToOneField(Process, models.PROTECT, related_name="prepaid_request")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("ULP"))
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="prepaid_requests"
    )
    kind = models.CharField(_("jenis permohonan"), max_length=20, choices=RequestKind.choices)
    product = models.CharField(_("produk"), max_length=20, choices=Product.choices)
    product_note = models.CharField(_("catatan perubahan produk"), max_length=255, blank=True)
    applicant_name = models.CharField(_("nama pemohon"), max_length=120)
    address = models.CharField(_("alamat"), max_length=255)
    phone = models.CharField(_("no. HP"), max_length=20, blank=True)
    tariff = models.CharField(_("tarif"), max_length=10)
    power_va = models.PositiveIntegerField(_("daya (VA)"))
    previous_tariff = models.CharField(_("tarif lama"), max_length=10, blank=True)
    previous_power_va = models.PositiveIntegerField(_("daya lama (VA)"), null=True, blank=True)
    connection_fee = models.DecimalField(_("BP"), **RUPIAH)
    connection_fee_tax = models.DecimalField(_("PPN BP"), **RUPIAH)
    deposit = models.DecimalField(_("UJL"), **RUPIAH)
    initial_credit = models.DecimalField(_("stroom awal (Rp)"), **RUPIAH)
    initial_credit_kwh = models.DecimalField(_("stroom awal (kWh)"), **KWH)
    previous_deposit = models.DecimalField(_("UJL pascabayar lama"), default=0, **RUPIAH)
    last_postpaid_bill = models.DecimalField(_("tagihan pascabayar terakhir"), default=0, **RUPIAH)
    tariff_index = models.CharField(_("TI"), max_length=2)
    state = FSMField(
        _("status"), default=RequestState.REGISTERED, choices=RequestState.choices, protected=True
    )
    paid_at = models.DateTimeField(_("tanggal lunas"), null=True, blank=True)
    meter = models.ForeignKey(
        MeterStock,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("meter"),
    )
    kept_meter = models.ForeignKey(
        "customers.Meter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meter terpasang yang dipertahankan"),
        help_text=_("PD: meter prabayar pelanggan tetap dipakai, tidak diambil dari stok."),
    )
    activated_at = models.DateTimeField(_("tanggal aktivasi"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas pasang"),
    )
    installed_on = models.DateField(_("tanggal pasang"), null=True, blank=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    photo = models.ImageField(
        _("foto pemasangan"), upload_to=RandomName("prepaid/photos"), blank=True
    )
    report_scan = models.FileField(
        _("scan BA pasang"), upload_to=RandomName("prepaid/ba"), blank=True
    )
    contract_scan = models.FileField(
        _("scan SPJBTL"), upload_to=RandomName("prepaid/spjbtl"), blank=True
    )
    completed_at = models.DateTimeField(_("tanggal PDL"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("tanggal batal"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("alasan batal"), blank=True)
    # The entry form's one-time key (issue #17): the same form posted twice is one application.
    # Empty for applications entered before the key existed.
    submission = models.UUIDField(_("kunci formulir"), null=True, blank=True, unique=True)
    ends_on = models.DateField(
        _("tanggal berakhir (PS)"),
        null=True,
        blank=True,
        help_text=_("Penyambungan Sementara: hari terakhir sambungan dipakai."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("permohonan prabayar")
        verbose_name_plural = _("permohonan prabayar")
        constraints = [
            models.UniqueConstraint(
                fields=["meter"],
                condition=~Q(state__in=CLOSED_STATES) & Q(meter__isnull=False),
                name="prepaid_request_meter_in_one_open_request",
            ),
            # A temporary connection (PS) has an end date; no other kind has one.
            models.CheckConstraint(
                condition=(
                    Q(kind=RequestKind.TEMPORARY_CONNECTION, ends_on__isnull=False)
                    | (~Q(kind=RequestKind.TEMPORARY_CONNECTION) & Q(ends_on__isnull=True))
                ),
                name="prepaid_request_end_date_only_temporary",
            ),
        ]
        indexes = [models.Index(fields=["unit", "state"], name="prepaid_request_unit_state")]

    def __str__(self) -> str:
        return self.request_number

    # --- derived amounts -----------------------------------------------------------------

    def deposit_compensation(self) -> dict:
        """Migrasi: the old postpaid UJL pays the last postpaid bill; the rest is refunded."""
        offset = min(self.previous_deposit, self.last_postpaid_bill)
        return {
            "offset": offset,
            "refund": self.previous_deposit - offset,
            "shortfall": self.last_postpaid_bill - offset,
        }

    @property
    def amount_due(self) -> Decimal:
        shortfall = self.deposit_compensation()["shortfall"] if self.is_migration else 0
        return (
            self.connection_fee
            + self.connection_fee_tax
            + self.deposit
            + self.initial_credit
            + shortfall
        )

    @property
    def is_migration(self) -> bool:
        return self.kind == RequestKind.MIGRATION

    @property
    def is_nfc(self) -> bool:
        return self.product == Product.PREPAID_NFC

    @property
    def bound_meter(self):
        """The meter the application works on: from stock, or (PD) the one kept in place."""
        return self.meter or self.kept_meter

    # --- transitions (called only from services.py) ------------------------------------

    @transition(field=state, source=list(CANCELLABLE_STATES), target=RequestState.CANCELLED)
    def cancel(self, *, by, at, reason: str) -> None:
        self.cancelled_by, self.cancelled_at, self.cancel_reason = by, at, reason

    @transition(field=state, source=RequestState.REGISTERED, target=RequestState.PAID)
    def pay(self, *, at) -> None:
        self.paid_at = at

    @transition(field=state, source=RequestState.PAID, target=RequestState.ACTIVATED)
    def activate(self, *, meter: MeterStock | None, at, kept_meter=None) -> None:
        self.meter, self.kept_meter, self.activated_at = meter, kept_meter, at

    @transition(field=state, source=RequestState.ACTIVATED, target=RequestState.TOKENS_ISSUED)
    def issue_tokens(self) -> None:
        """The tokens are rows of IssuedToken; the transition only records they exist."""

    @transition(field=state, source=RequestState.TOKENS_ISSUED, target=RequestState.ASSIGNED)
    def assign(self, *, officer) -> None:
        self.assigned_to = officer

    @transition(field=state, source=RequestState.ASSIGNED, target=RequestState.INSTALLED)
    def install(self, *, on, by) -> None:
        self.installed_on, self.installed_by = on, by

    @transition(field=state, source=RequestState.INSTALLED, target=RequestState.COMPLETED)
    def complete(self, *, at) -> None:
        self.completed_at = at


def kwh_for(amount: Decimal, *, price_per_kwh: Decimal, ppj_percent: Decimal) -> Decimal:
    """kWh bought with ``amount`` rupiah that include PPJ, rounded up to 0.1 (as STS does)."""
    if price_per_kwh <= 0:
        return Decimal(0)
    net = amount * 100 / (100 + ppj_percent)
    return (net / price_per_kwh).quantize(Decimal("0.1"), rounding=ROUND_UP)


class Payment(TimeStampedModel):
    """Pelunasan of an application: one per application, unique on the channel's reference."""

    request = models.OneToOneField(ServiceRequest, models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("jumlah"), **RUPIAH)
    channel = models.CharField(_("kanal"), max_length=30)
    reference = models.CharField(_("referensi / no kuitansi"), max_length=60)
    paid_at = models.DateTimeField(_("waktu bayar"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-paid_at"]
        verbose_name = _("pelunasan")
        verbose_name_plural = _("pelunasan")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "reference"], name="prepaid_payment_unique_channel_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}"


class IssuedToken(models.Model):
    """A token an application needs: KCTs first (in order), then the stroom awal credit."""

    request = models.ForeignKey(ServiceRequest, models.CASCADE, related_name="tokens")
    sequence = models.PositiveSmallIntegerField(_("urutan"))
    kind = models.CharField(_("jenis token"), max_length=12, choices=TokenKind.choices)
    token = models.CharField(_("token"), max_length=20)
    kwh = models.DecimalField(_("kWh"), null=True, blank=True, **KWH)
    status = models.CharField(
        _("status"), max_length=10, choices=TokenStatus.choices, default=TokenStatus.ISSUED
    )
    issued_at = models.DateTimeField(_("terbit"))

    class Meta:
        ordering = ["request", "sequence"]
        verbose_name = _("token permohonan")
        verbose_name_plural = _("token permohonan")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "sequence"], name="prepaid_token_unique_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} #{self.sequence}"

    def display(self) -> str:
        return " ".join(self.token[i : i + 4] for i in range(0, 20, 4))


class LoadProfileRecord(models.Model):
    """One month of an NFC meter's history as its card carried it (seed 002, Tabel 3-1)."""

    meter = models.ForeignKey("customers.Meter", models.PROTECT, related_name="load_profile")
    period = models.CharField(_("BLTH"), max_length=6)
    register_kwh = models.DecimalField(_("stand (kWh)"), max_digits=9, decimal_places=0)
    credit_kwh = models.DecimalField(_("sisa kWh"), max_digits=9, decimal_places=0)
    voltage = models.PositiveSmallIntegerField(_("tegangan (V)"))
    tamper_status = models.PositiveSmallIntegerField(_("status tamper"))
    # Arus: Bab 3 lists it, Tabel 3-1 has no field for it; empty from a 23-digit record.
    current_amp = models.DecimalField(
        _("arus (A)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    received_at = models.DateTimeField(_("diterima"))

    class Meta:
        ordering = ["meter", "period"]
        verbose_name = _("load profile NFC")
        verbose_name_plural = _("load profile NFC")
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "period"], name="prepaid_loadprofile_one_per_meter_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.period}"

    @property
    def is_tampered(self) -> bool:
        return self.tamper_status == TAMPER


class NfcTransaction(models.Model):
    """An NFC top-up at a PPOB counter; it brings the card's load profile along (seed 002, 1.4)."""

    meter = models.ForeignKey("customers.Meter", models.PROTECT, related_name="nfc_transactions")
    channel = models.CharField(_("kanal"), max_length=30)
    reference = models.CharField(_("referensi"), max_length=60)
    at = models.DateTimeField(_("waktu transaksi"))
    amount = models.DecimalField(_("nominal (Rp)"), **RUPIAH)
    records_kept = models.PositiveSmallIntegerField(_("record diterima"), default=0)
    rejections = models.TextField(_("record ditolak"), blank=True)
    # The token sold with it at our NFC counter (Loket NFC); empty when a PPOB sold it.
    sale = models.OneToOneField(
        "TokenSale",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="nfc_transaction",
        verbose_name=_("penjualan token"),
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("transaksi prabayar dua arah NFC")
        verbose_name_plural = _("transaksi prabayar dua arah NFC")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "reference"], name="prepaid_nfctransaction_unique_reference"
            )
        ]
        indexes = [models.Index(fields=["meter", "-at"], name="prepaid_nfctx_meter_at")]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}"


class NfcCardRecord(models.Model):
    """A load-profile record as one purchase's card carried it: which purchase brought which
    month (seed 002, 1.4 "informasi load profile ... akan terkirim"), arus included."""

    transaction = models.ForeignKey(
        NfcTransaction, models.CASCADE, related_name="card_records", verbose_name=_("transaksi")
    )
    position = models.PositiveSmallIntegerField(_("record ke"))
    period = models.CharField(_("BLTH"), max_length=6)
    register_kwh = models.DecimalField(_("stand (kWh)"), max_digits=9, decimal_places=0)
    credit_kwh = models.DecimalField(_("sisa kWh"), max_digits=9, decimal_places=0)
    voltage = models.PositiveSmallIntegerField(_("tegangan (V)"))
    tamper_status = models.PositiveSmallIntegerField(_("status tamper"))
    current_amp = models.DecimalField(
        _("arus (A)"), max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta:
        ordering = ["transaction", "position"]
        verbose_name = _("record kartu NFC")
        verbose_name_plural = _("record kartu NFC")
        constraints = [
            models.UniqueConstraint(
                fields=["transaction", "position"], name="prepaid_nfccardrecord_one_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.transaction} #{self.position} {self.period}"


class TokenSale(models.Model):
    """A prepaid token sold for a meter: rupiah in, kWh and a 20-digit STS token out."""

    meter = models.ForeignKey("customers.Meter", models.PROTECT, related_name="token_sales")
    channel = models.CharField(_("kanal"), max_length=30)
    reference = models.CharField(_("referensi"), max_length=60)
    amount = models.DecimalField(_("dibayar (Rp)"), **RUPIAH)
    admin_fee = models.DecimalField(_("biaya admin"), **RUPIAH)
    street_lighting_tax = models.DecimalField(_("PPJ"), **RUPIAH)
    energy_amount = models.DecimalField(_("rupiah untuk energi"), **RUPIAH)
    price_per_kwh = models.DecimalField(_("harga per kWh"), **RUPIAH)
    kwh = models.DecimalField(_("kWh"), **KWH)
    token = models.CharField(_("token"), max_length=20)
    sold_at = models.DateTimeField(_("waktu"))
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sold_at"]
        verbose_name = _("penjualan token")
        verbose_name_plural = _("penjualan token")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "reference"], name="prepaid_tokensale_unique_reference"
            )
        ]
        indexes = [models.Index(fields=["meter", "-sold_at"], name="prepaid_sale_meter_at")]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}"

    def display(self) -> str:
        return " ".join(self.token[i : i + 4] for i in range(0, 20, 4))

    def card_payload(self) -> str:
        """What an NFC card reader writes to the customer's card for this token."""
        return card_payload(self.meter.meter_number, self.token)


class PaymentChannel(TimeStampedModel):
    """A bank or PPOB allowed to post payments; it signs in with a token kept only as a digest."""

    code = models.CharField(_("kode kanal"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    token_digest = models.CharField(_("SHA-256 token"), max_length=64, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True)
    admin_fee = models.DecimalField(_("biaya admin per token"), default=0, **RUPIAH)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kanal pembayaran")
        verbose_name_plural = _("kanal pembayaran")

    def __str__(self) -> str:
        return self.code

    def set_token(self, token: str) -> None:
        self.token_digest = hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def authenticate(cls, token: str) -> "PaymentChannel | None":
        digest = hashlib.sha256(token.encode()).hexdigest()
        return cls.objects.filter(token_digest=digest, is_active=True).first()
