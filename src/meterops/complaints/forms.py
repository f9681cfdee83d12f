import uuid
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.core.choices import TimeZoneName
from meterops.core.errors import InvalidInput
from meterops.core.forms import BootstrapMixin
from meterops.replacement.models import DamageType

from .choices import PowerState, TicketCause, TicketKind, TicketState
from .models import KWH, ComplaintSettings
from .services import token_number_from

YES_NO = [("yes", _("Ya")), ("no", _("Tidak"))]


class LookupForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("IDPEL atau no meter"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autofocus": True}),
    )

    def clean_q(self):
        value = self.cleaned_data["q"].replace(" ", "")
        if not value.isdigit():
            raise forms.ValidationError(_("Masukkan IDPEL (12 digit) atau nomor meter."))
        return value


class ProbingForm(BootstrapMixin, forms.Form):
    checked = forms.MultipleChoiceField(
        label=_("Probing yang sudah dilakukan"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked"].choices = [(step, step) for step in steps]


class TokenCallForm(BootstrapMixin, forms.Form):
    """The CSO's questions for a VKRN 43 meter, in the seed's order (7.c.1-3, 7.d).

    ``zone`` is the customer's unit's (``services.call_zone``): the purchase time is typed as
    P2APST shows it there, and read in that zone whatever the agent's own.
    """

    # A new key each time the form is opened; kept when it comes back with errors.
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
    right_token = forms.BooleanField(
        label=_("1. Pelanggan sudah menginput nomor token yang sesuai"),
        error_messages={"required": _("Pastikan dulu pelanggan menginput token yang sesuai.")},
    )
    officer_visited = forms.ChoiceField(
        label=_("2. Petugas sudah datang ke lokasi untuk pembaruan VKRN 43"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    power_state = forms.ChoiceField(
        label=_("3. Kondisi listrik di lokasi pelanggan"),
        choices=PowerState.choices,
        widget=forms.RadioSelect,
    )
    remaining_kwh = forms.DecimalField(
        label=_("Sisa kWh di meter"), required=False, min_value=0, max_digits=10, decimal_places=1
    )
    token = forms.CharField(
        label=_("Nomor token yang tidak bisa masuk (20 digit)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    purchased_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%d-%m-%Y %H:%M"],
    )
    note = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.zone_label = TimeZoneName(zone.key).label
        self.fields["purchased_at"].label = _(
            "Waktu beli token (P2APST), waktu setempat pelanggan: %(zone)s"
        ) % {"zone": self.zone_label}
        for name in ("officer_visited", "power_state"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def full_clean(self):
        # Django reads a typed time in the active zone, the agent's; the customer's is meant.
        with timezone.override(self.zone):
            super().full_clean()

    def clean_token(self):
        text = self.cleaned_data["token"]
        if not text.strip():
            return ""
        try:
            return token_number_from(text)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("power_state") == PowerState.ON and cleaned.get("remaining_kwh") is None:
            self.add_error("remaining_kwh", _("Tanyakan sisa kWh di meter pelanggan."))
        if not cleaned.get("submission"):
            self.add_error(
                None, _("Formulir ini tidak lengkap atau kedaluwarsa: muat ulang halaman.")
            )
        return cleaned


class ReplacementForm(BootstrapMixin, forms.Form):
    """Which call of the ticket, and the purchased kWh from the receipt when the token number
    was not given (``services.receipt_kwh`` holds the limits)."""

    call = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    quantity = forms.DecimalField(
        label=_("kWh pembelian (dari struk, bukan rupiah)"),
        required=False,
        max_digits=KWH["max_digits"],
        decimal_places=KWH["decimal_places"],
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "inputmode": "decimal"}),
    )

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls


class AssignTicketForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(label=_("Petugas"), queryset=None)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class ResolveTicketForm(BootstrapMixin, forms.Form):
    # A broken meter is resolved by BrokenMeterForm, which makes its HOME target too.
    cause = forms.ChoiceField(
        label=_("Penyebab"),
        choices=[c for c in TicketCause.choices if c[0] != TicketCause.BROKEN_METER],
    )
    resolution = forms.CharField(label=_("Penanganan"), widget=forms.Textarea({"rows": 2}))


class BrokenMeterForm(BootstrapMixin, forms.Form):
    """Meter rusak → buat target HOME (issue #23): the damage, as Tambah Ex DG asks it."""

    damage_type = forms.ModelChoiceField(
        label=_("Jenis kerusakan"), queryset=DamageType.objects.filter(is_active=True)
    )
    notes = forms.CharField(
        label=_("Keterangan"), required=False, widget=forms.Textarea({"rows": 2})
    )


class TicketFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Jenis"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Semua status")), *TicketState.choices]
        self.fields["kind"].choices = [("", _("Semua jenis")), *TicketKind.choices]


class SettingsForm(BootstrapMixin, forms.ModelForm):
    probing = forms.CharField(
        label=_("Checklist probing VKRN 41/42 (satu pertanyaan per baris)"),
        widget=forms.Textarea({"rows": 6}),
    )

    class Meta:
        model = ComplaintSettings
        fields = ["outage_sla_hours", "complaint_sla_hours"]
