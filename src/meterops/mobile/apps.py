from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobileConfig(AppConfig):
    name = "meterops.mobile"
    label = "mobile"
    verbose_name = "HOME Mode Mobile"

    def ready(self):
        from meterops.api.services import TOKEN_ADMIN_ROLES
        from meterops.core.menu import MenuEntry, register_menu, restrict_menu

        restrict_menu("mobile:token_list", TOKEN_ADMIN_ROLES)
        register_menu(
            MenuEntry(_("Aplikasi Lapangan"), "mobile:app", "phone-vibrate"),
            MenuEntry(_("Token Perangkat"), "mobile:token_list", "phone", TOKEN_ADMIN_ROLES),
            section=self.verbose_name,
        )
