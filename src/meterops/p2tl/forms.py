from django import forms
from django.utils.translation import gettext_lazy as _

from meterops.core.forms import BootstrapMixin
from meterops.core.models import Unit

from .models import WEIGHT_FIELDS, P2tlSettings
from .queries import units_for


class UnitFilterForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("Unit saya")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user)


class P2tlSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = P2tlSettings
        fields = [
            *WEIGHT_FIELDS,
            "lookback_months",
            "drop_percent",
            "token_call_minimum",
            "token_call_days",
            "cleared_months",
        ]
