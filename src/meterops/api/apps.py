from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "meterops.api"
    label = "api"
    verbose_name = "API Perangkat"
