from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.core.forms import BootstrapMixin, ImageUploadField, ScanUploadField
from meterops.core.models import Unit
from meterops.core.scoping import scoped
from meterops.vending.choices import VkrnCode

from .choices import TargetSource, TargetState, WorkOrderStatus
from .models import NOTES_MAX_LENGTH, DamageType, notes_length
from .services import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(ImageUploadField):
    """Several photos in one input (Django's documented pattern for multiple uploads), each
    checked as ``ImageUploadField`` checks one."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            raise forms.ValidationError(_("Lampirkan minimal 1 foto."))
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Maksimal %(n)d foto; Anda memilih %(k)d.") % {"n": MAX_PHOTOS, "k": len(files)}
            )
        return [super(PhotosField, self).clean(item, initial) for item in files]


class DamageReportForm(BootstrapMixin, forms.Form):
    damage_type = forms.ModelChoiceField(
        label=_("Jenis kerusakan"),
        queryset=DamageType.objects.filter(is_active=True),
        empty_label=_("— pilih —"),
    )
    from_reading_anomaly = forms.BooleanField(
        label=_("Data LBKB (kelainan baca)"),
        required=False,
        help_text=_("Target LBKB hanya bisa dihapus dari TO setelah BA verifikasinya diunggah."),
    )
    notes = forms.CharField(
        label=_("Keterangan"),
        required=False,
        validators=[notes_length],
        help_text=_("Paling banyak %(n)d karakter.") % {"n": NOTES_MAX_LENGTH},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX_LENGTH}),
    )
    reading_at_discovery = forms.DecimalField(
        label=_("Stan saat ditemukan (kWh)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    latitude = forms.DecimalField(
        label=_("Koordinat Y (lintang)"),
        required=False,
        min_value=-90,
        max_value=90,
        decimal_places=6,
    )
    longitude = forms.DecimalField(
        label=_("Koordinat X (bujur)"),
        required=False,
        min_value=-180,
        max_value=180,
        decimal_places=6,
    )
    photos = PhotosField(label=_("Foto kondisi meter (1–5, JPEG/PNG)"))


class TargetFilterForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("Semua unit")
    )
    source = forms.ChoiceField(
        label=_("Sumber"),
        required=False,
        choices=[("", _("Ex DG & Non Ex DG")), *TargetSource.choices],
    )
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *TargetState.choices]
    )
    damage_type = forms.ModelChoiceField(
        label=_("Jenis kerusakan"),
        required=False,
        queryset=DamageType.objects.all(),
        empty_label=_("Semua kerusakan"),
    )
    date_from = forms.DateField(
        label=_("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer_id = forms.CharField(label=_("IDPEL"), required=False, max_length=12)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit, user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("Tanggal awal harus sebelum tanggal akhir."))
        return cleaned


class BaDocumentForm(BootstrapMixin, forms.Form):
    document = ScanUploadField(label=_("BA verifikasi (PDF/JPEG)"))


class WorkOrderFilterForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("Semua unit")
    )
    status = forms.ChoiceField(
        label=_("Status PK"),
        required=False,
        choices=[("", _("Semua status")), *WorkOrderStatus.choices],
    )
    q = forms.CharField(label=_("No PK / IDPEL"), required=False, max_length=40)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit, user)


class AssignForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Petugas lapangan"), queryset=None, empty_label=_("— pilih petugas —")
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.organisation})"
        )


class ReplacementForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Petugas yang mengganti"), queryset=None, empty_label=_("— pilih petugas —")
    )
    replaced_on = forms.DateField(
        label=_("Tanggal ganti"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    old_final_reading = forms.DecimalField(
        label=_("Stan akhir meter lama (kWh)"), min_value=0, max_digits=12, decimal_places=2
    )
    low_reading_reason = forms.CharField(
        label=_("Alasan jika stan akhir tidak wajar"),
        help_text=_(
            "Wajib jika stan akhir lebih kecil dari stan terakhir, atau melebihi stan terakhir "
            "ditambah pemakaian maksimum dayanya (daya × 24 jam × jumlah hari)."
        ),
        required=False,
        max_length=255,
    )
    brand = forms.CharField(label=_("Merk meter baru"), max_length=40)
    model = forms.CharField(label=_("Type meter baru"), max_length=40, required=False)
    meter_number = forms.RegexField(
        label=_("No meter baru"),
        regex=r"^\d{6,20}$",
        max_length=20,
        error_messages={"invalid": _("No meter harus 6–20 digit angka.")},
    )
    serial_number = forms.CharField(label=_("No pabrik"), max_length=30, required=False)
    initial_reading = forms.DecimalField(
        label=_("Stan awal meter baru (kWh)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
    )
    seal_numbers = forms.CharField(label=_("Nomor segel"), max_length=120, required=False)
    vkrn = forms.TypedChoiceField(
        label=_("VKRN meter baru (khusus prabayar)"),
        choices=[("", _("— sama dengan meter lama —")), *VkrnCode.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Meter baru dari pabrik pada kunci KRN-2: pilih VKRN 43."),
    )
    photos = PhotosField(label=_("Foto sebelum & sesudah ganti (1–5; yang pertama 'sebelum')"))

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.organisation})"
        )


class DamageTypeForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Jenis kerusakan baru"), max_length=80)
