from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadingConfig(AppConfig):
    name = "meterops.reading"
    label = "reading"
    verbose_name = "Baca Meter (ACMT)"

    def ready(self):
        from meterops.core.choices import RoleCode as R
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.events import register_event_labels
        from meterops.core.menu import MenuEntry, register_menu
        from meterops.core.panels import StatusPanel, register_status_panel
        from meterops.core.scoping import register_scope
        from meterops.core.worklist import register_work_source
        from meterops.customers.meter_readings import ReadingSource, register_reading_source
        from meterops.customers.meter_swaps import register_swap_listener
        from meterops.imports.registry import register_template

        from . import demo
        from .choices import EVENT_LABELS
        from .queries import active_anomaly_codes, latest_readings_of
        from .status_panel import reading_status
        from .uploads import READING_UPLOAD
        from .validation import revalidate_customers
        from .worklist import REREADS, reading_rereads

        register_event_labels(self.label, EVENT_LABELS)

        register_template(READING_UPLOAD)  # menu Upload: Unggah Stan Meter

        register_status_panel(StatusPanel("reading/_status_panel.html", reading_status))
        register_demo_builder(DemoBuilder(30, demo.build_demo))
        register_work_source("reading", reading_rereads, query=REREADS)
        # HOME's LBKB mark and replacement checks read the latest reading (seed 000).
        register_reading_source(ReadingSource(latest_readings_of, active_anomaly_codes))
        # A swap HOME or Peremajaan records later still reaches the period's reading (issue #23).
        register_swap_listener(revalidate_customers)

        register_scope("reading.ReadingSettings", "unit")
        register_scope("reading.ReadingDay", "unit")
        register_scope("reading.RouteSchedule", "reading_day__unit")
        register_scope("reading.Reading", "unit")
        register_scope("reading.Approval", "reading_day__unit")
        register_scope("reading.BillingPosting", "unit")
        register_scope("reading.RecapTally", "unit")
        pln = (R.ADMIN, R.UNIT_ADMIN, R.SUPERVISOR, R.READING_APPROVER)
        register_menu(
            MenuEntry(
                _("RBM & Hari Baca"),
                "reading:reading_day_list",
                "signpost-split",
                (*pln, R.CONTRACTOR_ADMIN),
            ),
            MenuEntry(
                _("Verifikasi Baca Meter"),
                "reading:verification",
                "ui-checks",
                (*pln, R.CONTRACTOR_ADMIN),
            ),
            MenuEntry(
                _("Pengesahan Stan Meter"),
                "reading:approval",
                "patch-check",
                (R.READING_APPROVER,),
            ),
            MenuEntry(
                _("Rekap Baca Meter"), "reading:recap", "bar-chart", (*pln, R.CONTRACTOR_ADMIN)
            ),
            MenuEntry(
                _("Parameter Baca Meter"), "reading:settings", "sliders", (R.ADMIN, R.UNIT_ADMIN)
            ),
            section=self.verbose_name,
        )
