from django.apps import AppConfig


class PrepaidConfig(AppConfig):
    name = "meterops.prepaid"
    label = "prepaid"
    verbose_name = "Layanan Prabayar"
