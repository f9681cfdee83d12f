from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AnomalyCode


@admin.register(AnomalyCode)
class AnomalyCodeAdmin(SimpleHistoryAdmin):
    """The LBKB list is reference data for every unit; an administrator keeps it here."""

    list_display = ["code", "label", "is_active"]
    list_filter = ["is_active"]
