from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "meterops.mobile"
    label = "mobile"
    verbose_name = "HOME Mode Mobile"
