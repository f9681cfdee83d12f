from django.apps import AppConfig


class KeychangeConfig(AppConfig):
    name = "meterops.keychange"
    label = "keychange"
    verbose_name = "Upgrade KRN"
