"""What each event on a customer's timeline is called on screen.

An event keeps its code (``replacement.verified``) so the timelines can be filtered and counted;
people read its label. Each domain names its own events from its AppConfig.ready();
``tests/core/test_event_labels.py`` checks every code the source writes has one, and the
timelines show no code at all, only the label or nothing.
"""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, str] = {}

# open_process writes "<domain>.opened" for every domain.
OPENED = _("Proses dibuka")


def register_event_labels(domain: str, labels: dict[str, str]) -> None:
    """Name the events of ``domain``: ``{"verified": _("Diverifikasi"), ...}``."""
    for suffix, label in labels.items():
        EVENT_LABELS[f"{domain}.{suffix}"] = label


def event_label(verb: str) -> str:
    """The label people read for an event code, or "" for a code without one."""
    if verb in EVENT_LABELS:
        return EVENT_LABELS[verb]
    return OPENED if verb.endswith(".opened") else ""
