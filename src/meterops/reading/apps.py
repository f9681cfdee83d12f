from django.apps import AppConfig


class ReadingConfig(AppConfig):
    name = "meterops.reading"
    label = "reading"
    verbose_name = "Baca Meter (ACMT)"
