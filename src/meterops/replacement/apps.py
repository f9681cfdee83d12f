from django.apps import AppConfig


class ReplacementConfig(AppConfig):
    name = "meterops.replacement"
    label = "replacement"
    verbose_name = "Ganti Meter (HOME)"

    def ready(self):
        from meterops.core.dashboard import DashboardPanel, register_panel
        from meterops.core.scoping import register_scope

        from .dashboard import home_panel

        register_panel(DashboardPanel("replacement/_dashboard_panel.html", home_panel))

        for label, lookup in {
            "replacement.ReplacementTarget": "unit",
            "replacement.Photo": "target__unit",
            "replacement.Document": "target__unit",
            "replacement.WorkOrder": "unit",
            "replacement.Replacement": "unit",
        }.items():
            register_scope(label, lookup)
