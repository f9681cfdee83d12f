from django import forms
from django.utils.translation import gettext_lazy as _

from meterops.core.forms import BootstrapMixin


class CustomerSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("IDPEL, no meter, atau nama"),
        max_length=120,
        error_messages={"required": _("Masukkan IDPEL, nomor meter, atau nama pelanggan.")},
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": _("mis. 535510000123")}),
    )

    def clean_q(self):
        value = " ".join(self.cleaned_data["q"].split())
        if not value.isdigit() and len(value) < 3:
            raise forms.ValidationError(_("Nama yang dicari minimal 3 huruf."))
        return value
