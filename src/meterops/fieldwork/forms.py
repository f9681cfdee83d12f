import re

from django import forms
from django.utils.translation import gettext_lazy as _

from meterops.core.choices import UnitLevel
from meterops.core.forms import BootstrapMixin, ImageUploadField
from meterops.core.models import Unit
from meterops.core.scoping import scoped
from meterops.customers.models import Customer, Route, Substation
from meterops.reading.models import AnomalyCode, period_validator

from .choices import (
    NOTICE_NOTE_MAX,
    DisconnectionMethod,
    InspectionFinding,
    NoticeMaterial,
    NoticeOutcome,
    OrderKind,
    SignerRole,
)
from .services.plans import MAX_DAILY_TARGET


def _units(user):
    return scoped(Unit, user).filter(level=UnitLevel.SERVICE_POINT).order_by("path")


class IdpelListField(forms.CharField):
    """IDPELs one per line (or separated by spaces/commas)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def clean(self, value):
        value = super().clean(value)
        ids = [v for v in re.split(r"[\s,;]+", value or "") if v]
        bad = [v for v in ids if not re.fullmatch(r"\d{12}", v)]
        if bad:
            raise forms.ValidationError(
                _("IDPEL harus 12 digit: %(bad)s") % {"bad": ", ".join(bad[:10])}
            )
        return ids


def customers_from(user, ids: list[str]):
    found = scoped(Customer, user).filter(customer_id__in=ids)
    missing = set(ids) - set(found.values_list("customer_id", flat=True))
    return found, sorted(missing)


class DrawSampleForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("ULP"), queryset=Unit.objects.none())
    period = forms.CharField(label=_("BLTH (YYYYMM)"), max_length=6, validators=[period_validator])
    seed = forms.IntegerField(
        label=_("Seed (kosongkan: otomatis)"), required=False, min_value=0, max_value=2**31 - 1
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


class ScorecardFilterForm(BootstrapMixin, forms.Form):
    period = forms.CharField(label=_("BLTH"), max_length=6, validators=[period_validator])
    unit = forms.ModelChoiceField(
        label=_("ULP"), queryset=Unit.objects.none(), required=False, empty_label=_("Semua ULP")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


class RegisterPhotoForm(BootstrapMixin, forms.Form):
    register_kwh = forms.DecimalField(
        label=_("Stan kWh"), min_value=0, max_digits=12, decimal_places=2
    )
    photo = ImageUploadField(label=_("Foto kWh meter"))


LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]


def _moment_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=LOCAL_DATETIME_FORMATS,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "aria-label": label}, format="%Y-%m-%dT%H:%M"
        ),
    )


class ReconnectionForm(RegisterPhotoForm):
    at = _moment_field(_("Waktu penyambungan (kosongkan: sekarang)"))


class DisconnectionForm(RegisterPhotoForm):
    """Pemutusan sementara: "meng Off kan sakelar MCB dan di segel" (seed 004 §VI). The
    forbidden method is offered so that choosing it is answered with the seed's reason."""

    method = forms.ChoiceField(
        label=_("Cara pemutusan"),
        choices=[("", "---------"), *DisconnectionMethod.choices],
        initial=DisconnectionMethod.MCB_SEALED,
    )
    seal_number = forms.CharField(label=_("Nomor segel"), max_length=30)
    at = _moment_field(_("Waktu pemutusan (kosongkan: sekarang)"))


class PrepaidSamplingForm(BootstrapMixin, forms.Form):
    credit_kwh = forms.DecimalField(
        label=_("Sisa kWh (token)"), min_value=0, max_digits=12, decimal_places=2
    )
    photo = ImageUploadField(label=_("Foto sisa token"))
    anomaly = forms.ModelChoiceField(
        label=_("Kelainan APP (LBKB)"),
        required=False,
        queryset=AnomalyCode.objects.filter(is_active=True),
    )
    latitude = forms.DecimalField(
        label=_("Koordinat Y (lintang)"),
        min_value=-90,
        max_value=90,
        decimal_places=6,
        max_digits=9,
    )
    longitude = forms.DecimalField(
        label=_("Koordinat X (bujur)"),
        min_value=-180,
        max_value=180,
        decimal_places=6,
        max_digits=9,
    )


class InspectionForm(BootstrapMixin, forms.Form):
    finding = forms.ChoiceField(label=_("Temuan"), choices=InspectionFinding.choices)
    photo = ImageUploadField(label=_("Foto APP"))
    note = forms.CharField(
        label=_("Uraian temuan"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )


class NoticeForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Keterangan"),
        choices=[c for c in NoticeOutcome.choices if c[0] != NoticeOutcome.NOT_YET],
    )
    photo = ImageUploadField(label=_("Foto penyampaian"))
    initials = forms.CharField(label=_("Paraf / nama penerima"), max_length=60, required=False)
    signature = ImageUploadField(label=_("Foto tanda tangan (opsional)"), required=False)
    note = forms.CharField(
        label=_("Informasi dari pelanggan / catatan (wajib untuk Dll)"),
        max_length=NOTICE_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SurveyForm(BootstrapMixin, forms.Form):
    route = forms.ModelChoiceField(
        label=_("RBM hasil survey"), queryset=Route.objects.none(), required=False
    )
    sequence = forms.IntegerField(label=_("Urutan baca"), min_value=1, required=False)
    substation = forms.ModelChoiceField(
        label=_("Gardu hasil survey"), queryset=Substation.objects.none(), required=False
    )
    note = forms.CharField(label=_("Catatan"), required=False, max_length=500)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = Route.objects.filter(unit=unit)
        self.fields["substation"].queryset = Substation.objects.filter(unit=unit)


class FailForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Alasan gagal"), max_length=500)


class IssueOrdersForm(BootstrapMixin, forms.Form):
    customer_ids = IdpelListField(label=_("Daftar IDPEL (satu per baris)"))


class CampaignForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("ULP"), queryset=Unit.objects.none())
    name = forms.CharField(label=_("Nama kampanye"), max_length=120)
    material = forms.ChoiceField(label=_("Jenis informasi"), choices=NoticeMaterial.choices)
    route = forms.ModelChoiceField(
        label=_("Semua pelanggan RBM"), required=False, queryset=Route.objects.none()
    )
    customer_ids = IdpelListField(label=_("atau daftar IDPEL"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        self.fields["route"].queryset = scoped(Route, user).order_by("code")

    def clean(self):
        data = super().clean()
        if not data.get("route") and not data.get("customer_ids"):
            raise forms.ValidationError(_("Pilih RBM atau isi daftar IDPEL."))
        return data


class PaymentForm(BootstrapMixin, forms.Form):
    customer_id = forms.CharField(label=_("IDPEL"), max_length=12)
    paid_at = _moment_field(_("Waktu bayar (kosongkan: sekarang)"))


class SignerForm(BootstrapMixin, forms.Form):
    """A TUL VI-01 signer of a unit: its Manajer Unit or an official he designated."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    role = forms.ChoiceField(label=_("Sebagai"), choices=SignerRole.choices)
    name = forms.CharField(label=_("Nama"), max_length=80)
    position = forms.CharField(label=_("Jabatan"), max_length=80)
    employee_number = forms.CharField(label=_("NIP"), max_length=20, required=False)
    designation_letter = forms.CharField(
        label=_("Nomor surat penunjukan (untuk pejabat yang ditunjuk)"),
        max_length=60,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit, user).order_by("path")


def _day_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AssignForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(label=_("Petugas"), queryset=None)
    planned_on = _day_field(_("Tanggal kunjungan"), required=False)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class RouteChoiceForm(BootstrapMixin, forms.Form):
    route = forms.ModelChoiceField(label=_("RBM"), queryset=Route.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = scoped(Route, user).order_by("code")


class PeriodForm(BootstrapMixin, forms.Form):
    period = forms.CharField(label=_("BLTH"), max_length=6, validators=[period_validator])


class PlanFilterForm(BootstrapMixin, forms.Form):
    """Which ULP and days the schedule page shows (seed 004 §IV)."""

    unit = forms.ModelChoiceField(label=_("ULP"), queryset=Unit.objects.none())
    first_day = _day_field(_("Dari tanggal"))
    last_day = _day_field(_("Sampai tanggal"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


class OfficerTargetForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(label=_("Petugas"), queryset=None)
    kind = forms.ChoiceField(label=_("Jenis order"), choices=OrderKind.choices)
    first_day = _day_field(_("Dari tanggal"))
    last_day = _day_field(_("Sampai tanggal"))
    target = forms.IntegerField(
        label=_("Target per hari (0 = hapus)"), min_value=0, max_value=MAX_DAILY_TARGET
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class VisitListForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(label=_("Petugas"), queryset=None)
    day = _day_field(_("Tanggal kunjungan"))

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
