from django.apps import AppConfig


class ReplacementConfig(AppConfig):
    name = "meterops.replacement"
    label = "replacement"
    verbose_name = "Ganti Meter (HOME)"
