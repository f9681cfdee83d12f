from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "meterops.core"
    label = "core"
    verbose_name = "Inti"
