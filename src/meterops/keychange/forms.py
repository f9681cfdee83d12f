from django import forms
from django.utils.translation import gettext_lazy as _

from meterops.core.forms import BootstrapMixin
from meterops.core.models import Contractor, Unit
from meterops.core.scoping import scoped
from meterops.customers.models import Route

from .choices import FailureReason, ZeroTokenAnswer
from .models import DisplayExpectation


class CampaignForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Nama kampanye"), max_length=120)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    brand = forms.CharField(label=_("Merk meter"), required=False, max_length=40)
    tariff = forms.CharField(label=_("Tarif"), required=False, max_length=10)
    route = forms.ModelChoiceField(label=_("RBM"), queryset=Route.objects.none(), required=False)
    contractor = forms.ModelChoiceField(
        label=_("Vendor pelaksana"), queryset=Contractor.objects.none(), required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit, actor)
        self.fields["route"].queryset = scoped(Route, actor).select_related("unit")
        self.fields["contractor"].queryset = scoped(Contractor, actor).filter(is_active=True)


class AssignForm(BootstrapMixin, forms.Form):
    officer = forms.ModelChoiceField(label=_("Petugas"), queryset=None)
    targets = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.MultipleHiddenInput, required=False
    )

    def __init__(self, *args, officers, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["targets"].queryset = targets


class ConfirmSuccessForm(BootstrapMixin, forms.Form):
    display = forms.CharField(
        label=_("Tampilan meter setelah menekan 04 enter"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ZeroTokenForm(BootstrapMixin, forms.Form):
    answer = forms.ChoiceField(
        label=_("Jawaban meter setelah token uji dimasukkan"),
        choices=ZeroTokenAnswer.choices,
        widget=forms.RadioSelect,
    )


class CorrectionForm(ZeroTokenForm):
    note = forms.CharField(
        label=_("Catatan (siapa memasukkan token uji, kapan)"),
        required=False,
        max_length=500,
        widget=forms.Textarea({"rows": 2}),
    )


class ConfirmFailureForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Alasan gagal"), choices=FailureReason.choices)
    supply_group = forms.RegexField(
        label=_("SGC di meter (bila berbeda)"), regex=r"^\d{6}$", required=False
    )
    tariff_index = forms.RegexField(
        label=_("TI di meter (bila berbeda)"), regex=r"^\d{2}$", required=False
    )
    note = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea({"rows": 2}))


class BankSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("IDPEL / no meter"), required=False)


class DisplayForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = DisplayExpectation
        fields = ["brand", "model_hint", "expected_display"]
