from django import forms
from django.contrib import admin

from .models import FeeSchedule, MeterStock, PaymentChannel, VendingKey


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["tariff", "power_va", "connection_fee", "deposit", "initial_credit"]
    list_filter = ["tariff"]


class VendingKeyForm(forms.ModelForm):
    key_hex = forms.CharField(
        label="Vending key (hex)",
        widget=forms.PasswordInput(render_value=False),
        help_text="Tidak pernah ditampilkan kembali. Isi ulang untuk mengganti.",
    )

    class Meta:
        model = VendingKey
        fields = [
            "unit",
            "label",
            "supply_group",
            "key_revision",
            "key_type",
            "base_date",
            "key_hex",
            "is_current",
            "is_test_key",
        ]


@admin.register(VendingKey)
class VendingKeyAdmin(admin.ModelAdmin):
    """Key material is write-only here: never listed, never shown back."""

    form = VendingKeyForm
    list_display = ["label", "unit", "supply_group", "key_revision", "is_current", "is_test_key"]
    list_filter = ["is_current", "is_test_key"]


@admin.register(MeterStock)
class MeterStockAdmin(admin.ModelAdmin):
    list_display = ["meter_number", "brand", "model", "is_nfc", "unit", "key_revision"]
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
