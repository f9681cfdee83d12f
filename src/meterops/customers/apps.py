from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "meterops.customers"
    label = "customers"
    verbose_name = "Pelanggan (DIL)"
