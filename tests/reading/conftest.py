"""Fixtures shared by the reading tests: ULP ALFA SATU's reading day and its approver."""

import pytest

from .helpers import make_approver, make_day


@pytest.fixture
def day(cast):
    return make_day(cast.sp_a)


@pytest.fixture
def approver(cast):
    return make_approver(cast.sp_a)
