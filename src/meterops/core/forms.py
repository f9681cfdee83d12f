from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .choices import RoleCode
from .errors import FileRejected, InvalidInput, LockedOut
from .images import check_image, check_scan
from .models import Unit, UnitSettings, User
from .queries import placeable_contractors
from .scoping import scoped
from .services import check_current_password
from .validators import customer_id_validator


class BootstrapMixin:
    """Give every widget Bootstrap's class and its label as accessible name (filter bars show
    fields without a visible label), and mark invalid fields for screen and screen reader."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            # Radios and ticks name each choice by its own label: the field's would hide them.
            if field.label and not isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("aria-label", str(field.label))
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid"
                attrs["aria-invalid"] = "true"


class ImageUploadField(forms.FileField):
    """A photo, checked by ``core.images.check_image`` from its header before any view or
    service decodes it (issue #17); the error names the field by its label."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"})
    check = staticmethod(check_image)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            try:
                self.check(upload, field="file", label=str(self.label))
            except FileRejected as exc:
                raise forms.ValidationError(exc.message) from exc
        return upload


class ScanUploadField(ImageUploadField):
    """A signed scan: a PDF or a JPEG (``core.images.check_scan``, issue #17)."""

    widget = forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg"})
    check = staticmethod(check_scan)


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    """Username, password and a math captcha, as on the old HOME login (seed 000)."""

    captcha = CaptchaField(
        label=_("Hitung hasilnya"),
        error_messages={"invalid": _("Jawaban captcha salah. Silakan hitung ulang.")},
    )

    error_messages = {
        "invalid_login": _("Username atau password salah."),
        "inactive": _("Akun ini tidak aktif. Hubungi admin unit Anda."),
    }

    def clean(self):
        # A wrong captcha must not reach authenticate(): that would count as a failed login.
        if "captcha" in self.errors:
            return self.cleaned_data
        return super().clean()


class CustomerIdForm(BootstrapMixin, forms.Form):
    customer_id = forms.CharField(
        label=_("ID Pelanggan (IDPEL)"),
        max_length=20,
        error_messages={"required": _("Masukkan IDPEL yang akan dicek.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autofocus": True, "placeholder": "12 digit"}
        ),
    )

    def clean_customer_id(self):
        value = self.cleaned_data["customer_id"].replace(" ", "")
        customer_id_validator(value)
        return value


class UserFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Cari"), required=False)
    role = forms.ChoiceField(
        label=_("Peran"), required=False, choices=[("", _("Semua peran")), *RoleCode.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua")), ("active", _("Aktif")), ("inactive", _("Nonaktif"))],
    )


class UserForm(BootstrapMixin, forms.ModelForm):
    """Create or edit a user; the unit and role choices are limited to the actor's reach."""

    roles = forms.MultipleChoiceField(
        label=_("Peran"),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Pilih minimal satu peran.")},
    )
    password = forms.CharField(
        label=_("Password awal"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        required=False,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "unit",
            "contractor",
            "placed_units",
        ]
        labels = {
            "first_name": _("Nama depan"),
            "last_name": _("Nama belakang"),
            "placed_units": _("Unit penempatan (pengguna vendor)"),
        }
        help_texts = {
            "placed_units": _(
                "Wajib untuk pengguna vendor: ia hanya melihat data unit-unit ini dan di "
                "bawahnya, di dalam unit kerja vendornya. Kosongkan untuk pegawai PLN."
            ),
        }

    def __init__(self, *args, actor: User, grantable: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        self.fields["unit"].queryset = scoped(Unit, actor)
        self.fields["contractor"].queryset = placeable_contractors(actor)
        self.fields["placed_units"].queryset = scoped(Unit, actor)
        self.fields["roles"].choices = [
            (code, label) for code, label in RoleCode.choices if code in grantable
        ]
        self.fields["password"].required = creating
        if creating:
            self.fields["password"].help_text = _("Minimal 8 karakter, tidak hanya angka.")
        else:
            del self.fields["password"]
            self.fields["username"].disabled = True
            self.initial["roles"] = sorted(self.instance.role_codes & grantable)

    def clean(self):
        cleaned = super().clean()
        unit, contractor = cleaned.get("unit"), cleaned.get("contractor")
        if unit and contractor:
            raise forms.ValidationError(_("Isi salah satu: unit ATAU vendor, tidak keduanya."))
        if not (unit or contractor or self.has_error("unit") or self.has_error("contractor")):
            self.add_error(
                "unit", _("Pilih unit pengguna PLN, atau vendor untuk pengguna dari vendor.")
            )
        return cleaned

    def _post_clean(self):
        # The service validates and saves; the model's own full_clean would run before the
        # password and roles are set, so only the username uniqueness is checked here.
        if self.instance.pk is None and "username" in self.cleaned_data:
            username = self.cleaned_data["username"]
            if User.objects.filter(username__iexact=username).exists():
                self.add_error("username", _("Username ini sudah dipakai."))


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    """Ganti Password: the current password is checked through the login's lockout."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            check_current_password(request=self.request, user=self.user, password=old_password)
        except (InvalidInput, LockedOut) as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return old_password


class PasswordResetByAdminForm(BootstrapMixin, forms.Form):
    password1 = forms.CharField(label=_("Password baru"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Ulangi password baru"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            raise forms.ValidationError(_("Kedua password tidak sama."))
        return cleaned


class UnitSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = UnitSettings
        fields = [
            "time_zone",
            "contact_phone",
            "contact_email",
            "contact_address",
            "overdue_work_order_days",
            "overdue_application_days",
            "voltage_low",
            "voltage_high",
            "low_hours_on",
            "audit_sample_percent",
            "audit_sample_minimum",
            "audit_schedule_tolerance_days",
            "audit_accuracy_tolerance_kwh",
            "map_tile_url",
        ]


class UnitChoiceForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit, actor)
