"""Rows of p2tl's scoped models in a unit, for the matrix in tests/core/test_scoping.py."""

from datetime import date

from django.utils import timezone

from meterops.p2tl.models import P2tlSettings, SuspectScore, SuspectTally
from tests.factories import CustomerFactory


def _score(unit):
    customer = CustomerFactory(unit=unit)
    return SuspectScore.objects.create(
        customer=customer, unit=unit, score=30, tamper=1, cleared_since=date(2026, 1, 1)
    )


ROW_IN_UNIT = {
    "p2tl.P2tlSettings": lambda unit: P2tlSettings.objects.create(unit=unit),
    "p2tl.SuspectScore": _score,
    "p2tl.SuspectTally": lambda unit: SuspectTally.objects.create(
        unit=unit, suspects=1, counted_at=timezone.now()
    ),
}
