from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "meterops.customers"
    label = "customers"
    verbose_name = "Pelanggan (DIL)"

    def ready(self):
        from meterops.imports.registry import register_template

        from .uploads import DIL_UPLOAD

        register_template(DIL_UPLOAD)
