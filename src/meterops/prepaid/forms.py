import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.core.choices import UnitLevel
from meterops.core.forms import BootstrapMixin, ImageUploadField, ScanUploadField
from meterops.core.models import Unit, User
from meterops.core.scoping import scoped
from meterops.core.services import field_officers_for
from meterops.customers.choices import STANDARD_POWERS_VA, TARIFFS

from .cards import split_card_text
from .choices import NEW_CUSTOMER_KINDS, Product, RequestKind, RequestState


class RequestFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("No agenda, IDPEL, atau nama"), required=False)
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *RequestState.choices]
    )
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *RequestKind.choices]
    )
    late = forms.BooleanField(label=_("Hanya yang terlambat"), required=False)


class RequestForm(BootstrapMixin, forms.Form):
    """Entri permohonan: PB needs the applicant's data, the others an IDPEL."""

    # A new key each time the form is opened; kept when it comes back with errors (issue #17).
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
    kind = forms.ChoiceField(label=_("Jenis permohonan"), choices=RequestKind.choices)
    product = forms.ChoiceField(
        label=_("Produk"), choices=Product.choices, initial=Product.PREPAID_NFC
    )
    unit = forms.ModelChoiceField(label=_("ULP"), queryset=Unit.objects.none())
    customer_id = forms.CharField(
        label=_("IDPEL (PD/Paskem/Migrasi)"), max_length=12, required=False
    )
    ends_on = forms.DateField(
        label=_("Tanggal berakhir (PS)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Hanya untuk Penyambungan Sementara: hari terakhir sambungan dipakai."),
    )
    applicant_name = forms.CharField(label=_("Nama pemohon"), max_length=120)
    address = forms.CharField(label=_("Alamat"), max_length=255)
    phone = forms.CharField(label=_("No. HP"), max_length=20, required=False)
    tariff = forms.ChoiceField(label=_("Tarif"), choices=[(t, t) for t in TARIFFS], initial="R1")
    power_va = forms.TypedChoiceField(
        label=_("Daya (VA)"),
        coerce=int,
        choices=[(p, f"{p:,}".replace(",", ".")) for p in STANDARD_POWERS_VA],
        initial=1300,
    )
    previous_deposit = forms.DecimalField(
        label=_("UJL pascabayar lama (Migrasi, Rp)"), min_value=0, required=False
    )
    last_postpaid_bill = forms.DecimalField(
        label=_("Tagihan pascabayar terakhir (Migrasi, Rp)"), min_value=0, required=False
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        units = scoped(Unit, actor).filter(level=UnitLevel.SERVICE_POINT)
        self.fields["unit"].queryset = units
        if actor.unit_id and actor.unit.level == UnitLevel.SERVICE_POINT:
            self.fields["unit"].initial = actor.unit_id

    def clean(self):
        data = super().clean()
        if not data.get("submission"):
            self.add_error(
                None, _("Formulir ini tidak lengkap atau kedaluwarsa: muat ulang halaman.")
            )
        needs_customer = data.get("kind") not in (None, *NEW_CUSTOMER_KINDS)
        if needs_customer and not data.get("customer_id"):
            self.add_error("customer_id", _("IDPEL wajib untuk PD, Paskem, dan Migrasi."))
        return data


class PaymentForm(BootstrapMixin, forms.Form):
    request_number = forms.CharField(label=_("No agenda / no registrasi"), max_length=20)
    amount = forms.DecimalField(label=_("Jumlah dibayar (Rp)"), min_value=0, decimal_places=2)
    receipt_number = forms.CharField(label=_("No kuitansi"), max_length=60)


class ActivationForm(BootstrapMixin, forms.Form):
    request_number = forms.CharField(label=_("No agenda"), max_length=20)
    meter_number = forms.CharField(label=_("No meter"), max_length=13)
    change_product = forms.BooleanField(
        label=_("Lanjutkan dengan produk sesuai meter (bila meter tidak sesuai)"), required=False
    )


class AssignForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(label=_("Petugas pasang"), queryset=User.objects.none())

    def __init__(self, *args, actor: User, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = field_officers_for(unit, actor=actor)


class InstallationForm(BootstrapMixin, forms.Form):
    installed_on = forms.DateField(
        label=_("Tanggal pasang"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    report_scan = ScanUploadField(label=_("Scan BA pasang (ditandatangani)"))
    contract_scan = ScanUploadField(label=_("Scan SPJBTL (ditandatangani)"))
    photo = ImageUploadField(label=_("Foto pemasangan"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installed_on"].initial = timezone.localdate()


class MeterNumberForm(BootstrapMixin, forms.Form):
    meter_number = forms.CharField(
        label=_("No meter"),
        max_length=13,
        error_messages={"required": _("Masukkan nomor meter.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "11 digit"}),
    )


class LoadProfileUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("File load profile (CSV/XLSX)"),
        help_text=_("Kolom: No Meter, Blth, Stand, Sisa kWh, Tegangan, Status Tamper."),
    )


class TransactionFilterForm(BootstrapMixin, forms.Form):
    meter_number = forms.CharField(label=_("No meter"), max_length=13, required=False)
    day = forms.DateField(
        label=_("Tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class TokenSaleForm(BootstrapMixin, forms.Form):
    meter_number = forms.CharField(
        label=_("No meter"), max_length=13, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    amount = forms.DecimalField(label=_("Nominal (Rp)"), min_value=0, decimal_places=0)
    reference = forms.CharField(label=_("No kuitansi"), max_length=60)


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Alasan batal"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Wajib, minimal 10 karakter; tercatat di riwayat permohonan."),
    )


class NfcCounterForm(BootstrapMixin, forms.Form):
    """Loket NFC: the card's text as the reader hands it over, the amount and the receipt."""

    card_text = forms.CharField(
        label=_("Isi kartu NFC"),
        max_length=2000,
        widget=forms.Textarea({"rows": 8, "spellcheck": "false", "class": "font-monospace"}),
        help_text=_(
            "Tempel teks dari pembaca kartu: baris pertama no meter, lalu satu record load "
            "profile per baris (23 angka, atau 27 angka dengan arus)."
        ),
    )
    amount = forms.DecimalField(
        label=_("Nominal (Rp)"), min_value=1, max_digits=12, decimal_places=0
    )
    receipt_number = forms.CharField(
        label=_("No kuitansi"),
        max_length=60,
        help_text=_("Kuitansi yang sama dikirim lagi menampilkan token yang sama."),
    )

    def clean_card_text(self):
        try:
            meter_number, records = split_card_text(self.cleaned_data["card_text"])
        except ValueError as exc:
            raise forms.ValidationError(_("Kartu: %(reason)s.") % {"reason": exc}) from None
        self.cleaned_data["meter_number"], self.cleaned_data["records"] = meter_number, records
        return self.cleaned_data["card_text"]
