from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.core.choices import UnitLevel
from meterops.core.forms import BootstrapMixin
from meterops.core.models import Unit
from meterops.core.scoping import scoped
from meterops.customers.models import Route

from .choices import ReadingFlag, ReadingState
from .models import ReadingDay, ReadingSettings, period_validator


def current_period() -> str:
    return timezone.localdate().strftime("%Y%m")


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("BLTH"),
            max_length=6,
            validators=[period_validator],
            widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "YYYYMM"}),
            **kwargs,
        )


class ReadingDayForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ReadingDay
        fields = ["unit", "code", "day_of_month", "name"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit, actor).filter(level=UnitLevel.SERVICE_POINT)

    def _post_clean(self):
        # The service validates and saves (it checks the actor's reach first).
        pass


class ScheduleRouteForm(BootstrapMixin, forms.Form):
    route = forms.ModelChoiceField(label=_("RBM"), queryset=Route.objects.none())
    reading_day = forms.ModelChoiceField(label=_("Hari baca"), queryset=ReadingDay.objects.none())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = scoped(Route, actor).select_related("unit")
        self.fields["reading_day"].queryset = scoped(ReadingDay, actor).select_related("unit")
        self.fields["reading_day"].label_from_instance = lambda d: f"{d.unit} · {d}"


class MoveCustomerForm(BootstrapMixin, forms.Form):
    customer_id = forms.CharField(label=_("IDPEL"), max_length=12)
    route = forms.ModelChoiceField(label=_("RBM tujuan"), queryset=Route.objects.none())
    sequence = forms.IntegerField(label=_("Urutan baca"), min_value=1)

    def __init__(self, *args, routes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes


class DayPeriodForm(BootstrapMixin, forms.Form):
    """Choose a reading day and a BLTH (Pengesahan, Verifikasi)."""

    reading_day = forms.ModelChoiceField(label=_("Hari baca"), queryset=ReadingDay.objects.none())
    period = PeriodField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reading_day"].queryset = scoped(ReadingDay, actor).select_related("unit")
        self.fields["reading_day"].label_from_instance = lambda d: f"{d.unit} · {d}"


class VerificationFilterForm(DayPeriodForm):
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *ReadingState.choices]
    )
    flag = forms.ChoiceField(
        label=_("Tanda"), required=False, choices=[("", _("Semua")), *ReadingFlag.choices]
    )


class ApprovalFilterForm(VerificationFilterForm):
    """Pengesahan: the reading day and BLTH, and what of them the approver looks at."""

    route = forms.ModelChoiceField(label=_("RBM"), required=False, queryset=Route.objects.none())
    customer_id = forms.RegexField(
        label=_("IDPEL"),
        required=False,
        regex=r"^\d{1,12}$",
        error_messages={"invalid": _("IDPEL hanya angka, paling banyak 12.")},
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["route"].queryset = scoped(Route, actor).filter(schedule__isnull=False)
        self.fields["state"].label = _("Status verifikasi")

    def clean(self):
        data = super().clean()
        day, route = data.get("reading_day"), data.get("route")
        if day and route and route.schedule.reading_day_id != day.pk:
            self.add_error("route", _("RBM %(r)s tidak ada di hari baca ini.") % {"r": route})
        return data


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=255)


class RecapFilterForm(BootstrapMixin, forms.Form):
    period = PeriodField()


class ReadingSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ReadingSettings
        fields = [
            "average_factor",
            "window_days",
            "register_digits",
            "approval_scope",
            "supervisor_verification_required",
            "billing_pulls_postings",
        ]
