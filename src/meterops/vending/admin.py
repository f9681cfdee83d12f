"""The vending keys in the admin: key material is write-only and sealed before it is saved."""

from django import forms
from django.contrib import admin

from .choices import key_revision_of
from .errors import VendingKeyInvalid
from .models import VendingKey
from .services import key_material_from_hex


class VendingKeyForm(forms.ModelForm):
    key_hex = forms.CharField(
        label="Vending key (hex)",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Tidak pernah ditampilkan kembali; disimpan terenkripsi. Isi untuk mengganti.",
    )

    class Meta:
        model = VendingKey
        fields = [
            "unit",
            "vkrn",
            "key_revision",
            "algorithm",
            "encryption",
            "base_date",
            "is_test_key",
            "label",
        ]

    def clean(self):
        data = super().clean()
        vkrn, key_revision = data.get("vkrn"), data.get("key_revision")
        if vkrn and key_revision is not None and key_revision != key_revision_of(vkrn):
            self.add_error(
                "key_revision", f"VKRN {vkrn} memakai KRN {key_revision_of(vkrn)} (seed 003)."
            )
        text = (data.get("key_hex") or "").replace(" ", "")
        if not text and not self.instance.pk:
            self.add_error("key_hex", "Vending key wajib diisi untuk kunci baru.")
        if text:
            try:
                material = key_material_from_hex(text, algorithm=data.get("algorithm"))
            except VendingKeyInvalid as exc:
                self.add_error("key_hex", exc.message)
            else:
                self.instance.set_material(material)
        return data


@admin.register(VendingKey)
class VendingKeyAdmin(admin.ModelAdmin):
    """Key material is never listed nor shown back; the column holds it sealed (crypto.py)."""

    form = VendingKeyForm
    list_display = ["unit", "vkrn", "key_revision", "algorithm", "base_date", "is_test_key"]
    list_filter = ["vkrn", "is_test_key"]
