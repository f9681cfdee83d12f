from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeychangeConfig(AppConfig):
    name = "meterops.keychange"
    label = "keychange"
    verbose_name = "Upgrade KRN"

    def ready(self) -> None:
        from meterops.core.choices import RoleCode
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.events import register_event_labels
        from meterops.core.menu import MenuEntry, register_menu
        from meterops.core.scoping import register_scope
        from meterops.core.workers import register_resumer
        from meterops.core.worklist import register_work_source
        from meterops.customers.meter_swaps import register_rekey_handler, register_swap_handler

        from . import demo
        from .choices import EVENT_LABELS
        from .services import (
            resume_interrupted_campaigns,
            settle_targets_of_rekeyed_meters,
            settle_targets_of_swapped_meters,
        )
        from .worklist import TARGETS, keychange_targets

        register_event_labels(self.label, EVENT_LABELS)

        register_work_source("keychange", keychange_targets, query=TARGETS)
        register_resumer("keychange", resume_interrupted_campaigns)
        register_swap_handler("keychange", settle_targets_of_swapped_meters)
        register_rekey_handler("keychange", settle_targets_of_rekeyed_meters)
        # After the vending keys (50) its Bank KCT is made with.
        register_demo_builder(DemoBuilder(55, demo.build_demo))

        register_scope("keychange.Campaign", "unit")
        register_scope("keychange.CampaignTarget", "unit")
        register_scope("keychange.KeyChangeToken", "target__unit")
        register_scope("keychange.VkrnTally", "unit")
        planners = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
        register_menu(
            MenuEntry(
                _("Kampanye KRN"),
                "keychange:campaign_list",
                "key",
                (*planners, RoleCode.CONTRACTOR_ADMIN),
            ),
            MenuEntry(
                _("Dashboard KRN"),
                "keychange:dashboard",
                "bar-chart",
                (*planners, RoleCode.CONTRACTOR_ADMIN),
            ),
            MenuEntry(
                _("Bank KCT"),
                "keychange:kct_list",
                "safe",
                (*planners, RoleCode.CONTRACTOR_ADMIN),
            ),
            MenuEntry(
                _("Konfirmasi KCT"),
                "keychange:confirmation_list",
                "check2-circle",
                (RoleCode.FIELD_OFFICER,),
            ),
            MenuEntry(
                _("Tampilan KRN-2 per Merk"),
                "keychange:display_list",
                "display",
                (RoleCode.ADMIN, RoleCode.UNIT_ADMIN),
            ),
            section=self.verbose_name,
        )
