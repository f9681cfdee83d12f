from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class P2tlConfig(AppConfig):
    name = "meterops.p2tl"
    label = "p2tl"
    verbose_name = "P2TL"

    def ready(self):
        from meterops.core.choices import RoleCode as R
        from meterops.core.menu import MenuEntry, register_menu
        from meterops.core.scoping import register_scope

        register_scope("p2tl.P2tlSettings", "unit")
        register_scope("p2tl.SuspectScore", "unit")
        register_scope("p2tl.SuspectTally", "unit")
        register_menu(
            MenuEntry(
                _("Daftar Suspect P2TL"),
                "p2tl:suspect_list",
                "shield-exclamation",
                (R.ADMIN, R.UNIT_ADMIN, R.SUPERVISOR),
            ),
            MenuEntry(_("Parameter P2TL"), "p2tl:settings", "sliders", (R.ADMIN, R.UNIT_ADMIN)),
            section=self.verbose_name,
        )
