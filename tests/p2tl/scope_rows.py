"""Rows of p2tl's scoped models in a unit, for the matrix in tests/core/test_scoping.py."""

from meterops.p2tl.models import P2tlSettings

ROW_IN_UNIT = {"p2tl.P2tlSettings": lambda unit: P2tlSettings.objects.create(unit=unit)}
