"""Dashboard panels: each domain adds its own, the core dashboard shows those the user may see."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    context: Callable[..., dict]
    roles: tuple[str, ...] = ()


PANELS: list[DashboardPanel] = []


def register_panel(panel: DashboardPanel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def panels_for(user) -> list[dict]:
    return [
        {"template": panel.template, "data": panel.context(user)}
        for panel in PANELS
        if not panel.roles or user.has_role(*panel.roles)
    ]
