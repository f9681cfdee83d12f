"""Two approvers pressing Sah/Setuju on the same reading day at once (PostgreSQL only)."""

import threading

import pytest
from django.db import connection, connections

from meterops.reading.choices import ReadingState
from meterops.reading.errors import NothingToDo
from meterops.reading.models import Approval, Reading
from meterops.reading.services import approve_reading_day
from tests.conftest import build_cast

from .helpers import PERIOD, make_approver, make_customer, make_day, make_reading, make_route


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")
def test_two_approvers_at_once_post_each_reading_exactly_once(transactional_db):
    cast = build_cast()
    day = make_day(cast.sp_a)
    route = make_route(day)
    for n in range(1, 51):
        make_reading(make_customer(route, n), state=ReadingState.SENT)
    approvers = [make_approver(cast.sp_a, "spvte.1"), make_approver(cast.sp_a, "spvte.2")]
    barrier = threading.Barrier(2)
    outcomes = []

    def press(actor):
        try:
            barrier.wait()
            approve_reading_day(actor=actor, reading_day=day, period=PERIOD)
            outcomes.append("sukses")
        except NothingToDo:
            outcomes.append("nothing")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(a,)) for a in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["nothing", "sukses"]
    assert Approval.objects.get().approved_count == 50
    assert Reading.objects.filter(posting__isnull=False).count() == 50
