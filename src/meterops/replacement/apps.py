from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplacementConfig(AppConfig):
    name = "meterops.replacement"
    label = "replacement"
    verbose_name = "Ganti Meter (HOME)"

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
        from meterops.customers.broken_meters import BrokenMeterSink, register_broken_meter_sink
        from meterops.customers.meter_swaps import register_swap_source
        from meterops.imports.registry import register_template

        from . import damage_types, demo, findings, services
        from .billing_upload import BILLING_REVIEW_ROLES, PEREMAJAAN_KUMULATIF
        from .choices import EVENT_LABELS
        from .dashboard import home_panel
        from .meter_swaps import BILLING_SWAPS, HOME_SWAPS
        from .status_panel import replacement_status
        from .uploads import TO_EX_DG, TO_NON_EX_DG
        from .worklist import WORK_ORDERS, replacement_work_orders

        register_event_labels(self.label, EVENT_LABELS)

        for template in (TO_EX_DG, TO_NON_EX_DG, PEREMAJAAN_KUMULATIF):
            register_template(template)

        restrict_menu("replacement:verification_list", services.VERIFIER_ROLES)
        restrict_menu("replacement:reverification_list", services.VERIFIER_ROLES)
        restrict_menu("replacement:workorder_print_list", services.PRINTER_ROLES)
        restrict_menu("replacement:workorder_distribution", services.DISTRIBUTOR_ROLES)

        register_panel(DashboardPanel("replacement/_dashboard_panel.html", home_panel))
        # The reading of the period takes its meter swap from these (issue #23).
        register_swap_source(HOME_SWAPS)
        register_swap_source(BILLING_SWAPS)
        register_status_panel(StatusPanel("replacement/_status_panel.html", replacement_status))
        # ACMT readings with a broken-meter LBKB code open HOME targets (issue #23).
        register_broken_meter_sink(
            BrokenMeterSink(
                codes=findings.broken_meter_codes,
                report=findings.report_broken_meter_readings,
                links=findings.target_links_of_readings,
            )
        )
        register_demo_builder(DemoBuilder(20, demo.build_demo))
        register_work_source("replacement", replacement_work_orders, query=WORK_ORDERS)
        register_menu(
            MenuEntry(
                _("Konflik Peremajaan"),
                "replacement:billing_list",
                "exclamation-diamond",
                BILLING_REVIEW_ROLES,
            ),
            section=self.verbose_name,
        )
        register_menu(
            MenuEntry(
                _("Jenis Kerusakan"),
                "replacement:damage_type_list",
                "list-check",
                damage_types.READER_ROLES,
            ),
            section=self.verbose_name,
        )

        for label, lookup in {
            "replacement.ReplacementTarget": "unit",
            "replacement.Photo": "target__unit",
            "replacement.Document": "target__unit",
            "replacement.WorkOrder": "unit",
            "replacement.Replacement": "unit",
            "replacement.BillingReplacement": "unit",
            "replacement.TargetOrigin": "target__unit",
        }.items():
            register_scope(label, lookup)
