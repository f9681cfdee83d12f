from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FeeSchedule, MeterStock, PaymentChannel


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["tariff", "power_va", "connection_fee", "deposit", "initial_credit"]
    list_filter = ["tariff"]


@admin.register(MeterStock)
class MeterStockAdmin(SimpleHistoryAdmin):
    list_display = ["meter_number", "brand", "model", "is_nfc", "unit", "vkrn", "key_revision"]
    list_filter = ["is_nfc", "brand"]
    search_fields = ["meter_number", "serial_number"]


class PaymentChannelForm(forms.ModelForm):
    new_token = forms.CharField(
        label="Token baru", required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = PaymentChannel
        fields = ["code", "name", "is_active"]

    def save(self, commit=True):
        if self.cleaned_data.get("new_token"):
            self.instance.set_token(self.cleaned_data["new_token"])
        return super().save(commit)


@admin.register(PaymentChannel)
class PaymentChannelAdmin(admin.ModelAdmin):
    form = PaymentChannelForm
    list_display = ["code", "name", "is_active"]
