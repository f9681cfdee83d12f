from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "meterops.complaints"
    label = "complaints"
    verbose_name = "Pengaduan PLN 123"

    def ready(self) -> None:
        from meterops.core.choices import RoleCode
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.events import register_event_labels
        from meterops.core.menu import MenuEntry, register_menu
        from meterops.core.panels import StatusPanel, register_status_panel
        from meterops.core.scoping import register_scope

        from . import demo
        from .choices import EVENT_LABELS
        from .queries import TICKET_ROLES
        from .status_panel import complaint_status

        register_event_labels(self.label, EVENT_LABELS)
        register_status_panel(
            StatusPanel("complaints/_status_panel.html", complaint_status, TICKET_ROLES)
        )

        # After the KRN-2 demo (55), whose upgraded meters the calls are about.
        register_demo_builder(DemoBuilder(70, demo.build_demo))

        for model in (
            "TokenCall",
            "Ticket",
            "ReplacementToken",
            "ProbingStep",
            "ComplaintSettings",
        ):
            register_scope(f"complaints.{model}", "unit")
        register_menu(
            MenuEntry(
                _("Token Tidak Bisa Masuk"),
                "complaints:wizard",
                "telephone",
                (RoleCode.ADMIN, RoleCode.CALL_CENTRE),
            ),
            MenuEntry(
                _("Tiket APKT"),
                "complaints:ticket_list",
                "ticket-detailed",
                (
                    RoleCode.ADMIN,
                    RoleCode.UNIT_ADMIN,
                    RoleCode.SUPERVISOR,
                    RoleCode.FIELD_OFFICER,
                    RoleCode.CALL_CENTRE,
                ),
            ),
            MenuEntry(
                _("Pengaturan Pengaduan"),
                "complaints:settings",
                "sliders",
                (RoleCode.ADMIN, RoleCode.UNIT_ADMIN),
            ),
            section=self.verbose_name,
        )
