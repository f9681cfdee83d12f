from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "meterops.imports"
    label = "imports"
    verbose_name = "Upload"

    def ready(self):
        from meterops.core.scoping import register_scope
        from meterops.core.workers import register_resumer

        from .recovery import resume_interrupted_uploads

        register_scope("imports.Upload", "unit")
        register_resumer("imports", resume_interrupted_uploads)
