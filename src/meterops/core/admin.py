from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Contractor, Process, ProcessEvent, Unit, UnitSettings, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Contractor)
class ContractorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "is_active"]
    filter_horizontal = ["units"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "get_full_name", "unit", "contractor", "is_active"]
    list_filter = ["is_active", "roles", "unit__level"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("meterops", {"fields": ("unit", "contractor", "placed_units", "roles", "phone")}),
    )
    filter_horizontal = ["roles", "placed_units", "groups", "user_permissions"]


@admin.register(UnitSettings)
class UnitSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "time_zone"]


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["customer", "domain", "kind", "reference", "state", "is_open", "opened_at"]
    list_filter = ["domain", "is_open"]
    raw_id_fields = ["customer"]


@admin.register(ProcessEvent)
class ProcessEventAdmin(admin.ModelAdmin):
    list_display = ["at", "customer", "domain", "verb", "from_state", "to_state", "actor"]
    list_filter = ["domain"]
    raw_id_fields = ["customer", "process"]
