"""The left menu: the HOME application's menus in the seed's order (seed 000, "Halaman Utama").

An entry whose page is not built yet (its URL name does not resolve) is left out, so the menu
never shows a dead link; a later domain only has to add its URL for its entry to appear.
"""

from dataclasses import dataclass, replace

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .choices import RoleCode

EVERYONE: tuple[str, ...] = ()


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...] = EVERYONE
    section: str = ""  # the heading it sits under; the HOME menus have none


MENU: tuple[MenuEntry, ...] = (
    MenuEntry(_("Dashboard"), "core:dashboard", "speedometer2"),
    MenuEntry(_("Cek Status Terakhir"), "core:status", "search"),
    MenuEntry(_("Pelanggan (DIL)"), "customers:customer_list", "people"),
    MenuEntry(_("Upload"), "imports:upload_list", "upload"),
    MenuEntry(_("Data APP Rusak"), "replacement:target_list", "exclamation-triangle"),
    MenuEntry(_("Verifikasi APP Rusak"), "replacement:verification_list", "check2-square"),
    MenuEntry(_("Verifikasi Ulang TO"), "replacement:reverification_list", "arrow-repeat"),
    MenuEntry(_("Cetak PK"), "replacement:workorder_print_list", "printer"),
    MenuEntry(_("Monitoring Cetak PK"), "replacement:workorder_list", "clipboard-data"),
    MenuEntry(_("Distribusi PK"), "replacement:workorder_distribution", "send"),
    MenuEntry(_("Data APP Ganti"), "replacement:replacement_list", "tools"),
)
ADMIN_MENU: tuple[MenuEntry, ...] = (
    MenuEntry(
        _("Manajemen Pengguna"),
        "core:user_list",
        "person-gear",
        (RoleCode.ADMIN, RoleCode.UNIT_ADMIN),
        _("Administrasi"),
    ),
    MenuEntry(
        _("Setting"),
        "core:unit_settings",
        "gear",
        (RoleCode.ADMIN, RoleCode.UNIT_ADMIN),
        _("Administrasi"),
    ),
)


# Menus of the other domains (reading, prepaid, ...), added by their AppConfig.ready() between
# the HOME menus and the administration menus: sections in the order they first appear, each
# section's entries in the order they were added (a domain may add to another's section).
EXTRA_MENU: list[MenuEntry] = []


# url name -> roles, set by the domain that owns the page, so the menu and the view agree on
# who may open it without core repeating the domain's role lists.
MENU_ROLES: dict[str, tuple[str, ...]] = {}


def restrict_menu(url_name: str, roles: tuple[str, ...]) -> None:
    MENU_ROLES[url_name] = tuple(roles)


def register_menu(*entries: MenuEntry, section: str) -> None:
    """Add a domain's entries under the heading ``section`` (its own, or another domain's)."""
    for entry in entries:
        entry = replace(entry, section=section)
        if entry not in EXTRA_MENU:
            EXTRA_MENU.append(entry)


def _entries():
    """The HOME menus first, then the domains' grouped by section, then administration."""
    sections: dict[str, list[MenuEntry]] = {}
    for entry in EXTRA_MENU:
        sections.setdefault(str(entry.section), []).append(entry)
    yield from MENU
    for entries in sections.values():
        yield from entries
    yield from ADMIN_MENU


def menu_for(user, current_path: str) -> list[dict]:
    """The entries this user may open, with their URLs; the closest match is the current one."""
    entries = []
    for entry in _entries():
        roles = MENU_ROLES.get(entry.url_name, entry.roles)
        if roles and not user.has_role(*roles):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        entries.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "active": False,
                "section": entry.section,
            }
        )
    matches = [
        e
        for e in entries
        if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return entries
