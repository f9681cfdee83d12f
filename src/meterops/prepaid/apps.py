from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrepaidConfig(AppConfig):
    name = "meterops.prepaid"
    label = "prepaid"
    verbose_name = "Layanan Prabayar"

    def ready(self) -> None:
        from meterops.core.choices import RoleCode
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.events import register_event_labels
        from meterops.core.menu import MenuEntry, register_menu
        from meterops.core.scoping import register_scope
        from meterops.core.worklist import register_work_source
        from meterops.imports.registry import register_template

        from . import demo
        from .choices import EVENT_LABELS
        from .uploads import STOCK_UPLOAD
        from .worklist import INSTALLATIONS, prepaid_installations

        register_event_labels(self.label, EVENT_LABELS)

        register_demo_builder(DemoBuilder(40, demo.build_demo))
        register_work_source("prepaid", prepaid_installations, query=INSTALLATIONS)
        register_template(STOCK_UPLOAD)

        for label, lookup in {
            "prepaid.MeterStock": "unit",
            "prepaid.ServiceRequest": "unit",
            "prepaid.Payment": "request__unit",
            "prepaid.IssuedToken": "request__unit",
            "prepaid.LoadProfileRecord": "meter__customer__unit",
            "prepaid.NfcTransaction": "meter__customer__unit",
            "prepaid.NfcCardRecord": "transaction__meter__customer__unit",
            "prepaid.TokenSale": "meter__customer__unit",
        }.items():
            register_scope(label, lookup)
        office = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
        register_menu(
            MenuEntry(_("Permohonan Prabayar"), "prepaid:request_list", "lightning", office),
            MenuEntry(_("Pelunasan"), "prepaid:payment_entry", "cash-coin", office),
            MenuEntry(_("Aktivasi Meter"), "prepaid:activation", "cpu", office),
            MenuEntry(_("Monitoring Token"), "prepaid:token_monitor", "key", office),
            MenuEntry(_("Penjualan Token"), "prepaid:token_sale", "receipt", office),
            MenuEntry(_("Loket NFC"), "prepaid:nfc_counter", "credit-card-2-front", office),
            MenuEntry(
                _("Pemasangan Prabayar"),
                "prepaid:installation_list",
                "wrench",
                (*office, RoleCode.FIELD_OFFICER),
            ),
            MenuEntry(
                _("Load Profile NFC"),
                "prepaid:load_profile",
                "graph-up",
                (*office, RoleCode.HELPDESK),
            ),
            section=self.verbose_name,
        )
