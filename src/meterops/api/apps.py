from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "meterops.api"
    label = "api"
    verbose_name = "API Perangkat"

    def ready(self):
        from . import worklist  # noqa: F401 - registers the HOME work orders as a work source
