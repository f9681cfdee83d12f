"""Panels other domains add to core pages: the dashboard, and Cek Status Terakhir.

A domain registers its panels in its AppConfig.ready(); core renders those the user may see,
so core never imports a domain.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    context: Callable[..., dict]  # (user) -> dict
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusPanel:
    """A block of Cek Status Terakhir: one domain's status of the customer."""

    template: str
    context: Callable[..., dict]  # (user, customer) -> dict
    roles: tuple[str, ...] = ()


PANELS: list[DashboardPanel] = []
STATUS_PANELS: list[StatusPanel] = []


def register_panel(panel: DashboardPanel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def register_status_panel(panel: StatusPanel) -> None:
    if panel not in STATUS_PANELS:
        STATUS_PANELS.append(panel)


def panels_for(user) -> list[dict]:
    return [
        {"template": panel.template, "data": panel.context(user)}
        for panel in PANELS
        if not panel.roles or user.has_role(*panel.roles)
    ]


def status_panels_for(user, customer) -> list[dict]:
    return [
        {"template": panel.template, "data": panel.context(user, customer)}
        for panel in STATUS_PANELS
        if not panel.roles or user.has_role(*panel.roles)
    ]
