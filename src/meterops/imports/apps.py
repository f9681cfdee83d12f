from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "meterops.imports"
    label = "imports"
    verbose_name = "Upload Data"
