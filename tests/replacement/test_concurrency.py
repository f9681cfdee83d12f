"""Two supervisors verify the same target at the same moment: one wins, the other is told.

Runs on PostgreSQL (CI's second leg), where the row lock is real; SQLite serialises whole
transactions and has no concurrent writers to race.
"""

import threading

import pytest
from django.db import connection

from meterops.core.errors import WrongState
from meterops.replacement.choices import TargetState
from meterops.replacement.models import ReplacementTarget
from meterops.replacement.services import verify_target

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"
)


@pytest.mark.django_db(transaction=True)
def test_two_verifiers_at_once_one_wins(cast, customer, make_target):
    target = make_target(customer)
    barrier = threading.Barrier(2)
    outcomes = []

    def verify(actor):
        barrier.wait()
        try:
            verify_target(target=target, actor=actor)
            outcomes.append("verified")
        except WrongState as exc:
            outcomes.append(str(exc.message))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=verify, args=(user,)) for user in (cast.supervisor, cast.area_user)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "verified"
    assert "statusnya sekarang Siap cetak PK" in sorted(outcomes)[0]
    target.refresh_from_db()
    assert target.state == TargetState.VERIFIED
    assert target.process.events.filter(verb="replacement.verified").count() == 1
    assert ReplacementTarget.objects.count() == 1
