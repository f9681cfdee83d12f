from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "meterops.imports"
    label = "imports"
    verbose_name = "Upload"

    def ready(self):
        from meterops.core.scoping import register_scope

        register_scope("imports.Upload", "unit")
