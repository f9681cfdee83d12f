from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "meterops.fieldwork"
    label = "fieldwork"
    verbose_name = "Pengawasan Lapangan"

    def ready(self):
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.events import register_event_labels
        from meterops.core.menu import MenuEntry, register_menu, restrict_menu
        from meterops.core.panels import (
            DashboardPanel,
            StatusPanel,
            register_panel,
            register_status_panel,
        )
        from meterops.core.scoping import register_scope
        from meterops.core.worklist import register_work_source
        from meterops.reading.validation import register_disconnection_rule

        from . import demo, services
        from .choices import EVENT_LABELS
        from .dashboard import customer_status, deadline_panel
        from .worklist import FIELD_ORDERS, field_orders

        register_event_labels(self.label, EVENT_LABELS)
        # A disconnected customer's zero consumption is explained, not unexplained (issue #23).
        register_disconnection_rule(services.disconnected_when_read_sql)

        for label, lookup in {
            "fieldwork.AuditMonth": "unit",
            "fieldwork.AuditSample": "audit__unit",
            "fieldwork.Campaign": "unit",
            "fieldwork.Arrears": "unit",
            "fieldwork.FieldOrder": "unit",
            "fieldwork.MoveProposal": "unit",
            "fieldwork.NoticeSigner": "unit",
            "fieldwork.Payment": "unit",
            "fieldwork.OfficerTarget": "unit",
        }.items():
            register_scope(label, lookup)

        register_menu(
            MenuEntry(_("Order Lapangan"), "fieldwork:order_list", "list-task"),
            MenuEntry(_("Jadwal & Target Petugas"), "fieldwork:officer_plan", "calendar-check"),
            MenuEntry(_("Sampling Prabayar"), "fieldwork:prepaid_sampling", "lightning-charge"),
            MenuEntry(_("Updating RBM/Gardu"), "fieldwork:route_update", "diagram-3"),
            MenuEntry(_("Peta RBM"), "fieldwork:route_map", "geo-alt"),
            MenuEntry(_("Penyampaian Informasi"), "fieldwork:campaign_list", "megaphone"),
            MenuEntry(_("Penekanan Tunggakan"), "fieldwork:arrears_list", "cash-coin"),
            MenuEntry(_("Penanda Tangan TUL VI-01"), "fieldwork:signer_list", "pen"),
            section=self.verbose_name,
        )
        # Reading supervision (seed 004 §I) sits in the Baca Meter (ACMT) section, where the
        # users look for it; its pages and rules are fieldwork's.
        register_menu(
            MenuEntry(_("Audit Baca Meter"), "fieldwork:audit_list", "clipboard-check"),
            MenuEntry(_("Scorecard Vendor"), "fieldwork:scorecard", "bar-chart-line"),
            section=apps.get_app_config("reading").verbose_name,
        )
        # The menu shows a page to the roles its view lets in.
        for name in ("audit_list", "scorecard", "prepaid_sampling", "route_update"):
            restrict_menu(f"fieldwork:{name}", services.ISSUERS)
        restrict_menu("fieldwork:arrears_list", services.ARREARS_UPLOADERS)
        restrict_menu("fieldwork:signer_list", services.ARREARS_UPLOADERS)
        restrict_menu("fieldwork:officer_plan", services.ASSIGNERS)
        register_panel(DashboardPanel("fieldwork/_dashboard_panel.html", deadline_panel))
        register_status_panel(StatusPanel("fieldwork/_status_panel.html", customer_status))
        register_demo_builder(DemoBuilder(60, demo.build_demo))
        register_work_source("fieldwork", field_orders, query=FIELD_ORDERS)

        from meterops.imports.registry import register_template

        from .uploads import ARREARS_UPLOAD

        register_template(ARREARS_UPLOAD)  # menu Upload: Unggah Tunggakan
