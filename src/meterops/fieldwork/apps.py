from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "meterops.fieldwork"
    label = "fieldwork"
    verbose_name = "Pengawasan Lapangan"
