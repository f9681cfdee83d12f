from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "meterops.complaints"
    label = "complaints"
    verbose_name = "Pengaduan PLN 123"
