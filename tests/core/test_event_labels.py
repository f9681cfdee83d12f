"""Every event the source writes onto a customer's timeline has a label people read; the
timelines never show the code (issue #20: "replacement.opened" on Cek Status Terakhir)."""

import ast
import re
from pathlib import Path

import pytest
from django.core.management import call_command

import meterops
from meterops.core.events import EVENT_LABELS, event_label
from meterops.core.models import ProcessEvent

SOURCE = Path(meterops.__file__).parent
DOMAINS = "replacement|reading|prepaid|keychange|fieldwork|complaints"
# The domains' helpers that write "<domain>.<suffix>" from the suffix they are given.
HELPERS = {"_event", "_complete", "_events_for", "_advance"}
SUFFIX = re.compile(r"[a-z]+(_[a-z]+)*")
VERB = re.compile(rf"({DOMAINS})\.[a-z]+(_[a-z]+)*")


def _constants(node):
    return [
        c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
    ]


def verbs_in_source():
    """The event codes written by the domains: given to ``verb=``, assigned to ``verb``, or
    given as a suffix to the domain's event helpers."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        domain = path.relative_to(SOURCE).parts[0]
        if "migrations" in path.parts or path.name == "models.py" or domain not in DOMAINS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, ast.Call):
                if getattr(node.func, "id", None) in HELPERS:
                    values += [a.value for a in node.args if isinstance(a, ast.Constant)]
                values += [
                    k.value.value
                    for k in node.keywords
                    if k.arg == "verb" and isinstance(k.value, ast.Constant)
                ]
            elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "verb" for t in node.targets
            ):
                values += _constants(node.value)
            for value in values:
                if not isinstance(value, str):
                    continue
                if VERB.fullmatch(value):
                    found.add(value)
                elif SUFFIX.fullmatch(value):
                    found.add(f"{domain}.{value}")
    return found


def test_the_scan_finds_the_helpers_suffixes_and_the_full_codes():
    found = verbs_in_source()
    assert {"replacement.verified", "fieldwork.order_failed", "reading.approved"} <= found


def test_every_event_code_in_the_source_has_a_label():
    missing = sorted(verb for verb in verbs_in_source() if not event_label(verb))
    assert not missing, f"without a label in the domain's EVENT_LABELS: {missing}"


def test_an_opened_process_reads_as_opened_in_every_domain():
    assert str(event_label("reading.opened")) == "Proses dibuka"
    assert str(event_label("replacement.opened")) == "Target ganti meter dibuka"


def test_an_unknown_code_shows_nothing_rather_than_itself():
    assert event_label("replacement.something_new") == ""
    assert "replacement.something_new" not in EVENT_LABELS


@pytest.mark.django_db
def test_every_event_of_the_demo_has_a_label():
    call_command("seed_demo", customers=60, targets=4, verbosity=0)
    verbs = set(ProcessEvent.objects.values_list("verb", flat=True).distinct())
    assert len(verbs) > 20
    assert not sorted(v for v in verbs if not event_label(v))
