from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, Meter, Route, Substation


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["customer_id", "name", "tariff", "power_va", "payment_mode", "unit"]
    search_fields = ["customer_id", "name"]
    list_filter = ["payment_mode", "unit"]
    raw_id_fields = ["substation", "route"]


@admin.register(Meter)
class MeterAdmin(SimpleHistoryAdmin):
    list_display = ["meter_number", "brand", "model", "customer", "installed_at", "removed_at"]
    search_fields = ["meter_number", "customer__customer_id"]
    raw_id_fields = ["customer"]


admin.site.register(Substation, SimpleHistoryAdmin)
admin.site.register(Route, SimpleHistoryAdmin)
