from django.apps import AppConfig


class ReplacementConfig(AppConfig):
    name = "meterops.replacement"
    label = "replacement"
    verbose_name = "Ganti Meter (HOME)"

    def ready(self):
        from meterops.core.scoping import register_scope

        for label, lookup in {
            "replacement.ReplacementTarget": "unit",
            "replacement.Photo": "target__unit",
            "replacement.Document": "target__unit",
            "replacement.WorkOrder": "unit",
            "replacement.Replacement": "unit",
        }.items():
            register_scope(label, lookup)
