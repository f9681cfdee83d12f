"""Three admins create "budi", "Budi" and "BUDI" at the same moment (a double submit in three
tabs): one account, and the other two are told the username is taken.

Runs on PostgreSQL, where concurrent writers really meet on the unique constraint; SQLite
serialises whole transactions.
"""

import threading

import pytest
from django.db import connection

from meterops.core.choices import RoleCode
from meterops.core.errors import InvalidInput
from meterops.core.models import User
from meterops.core.services import create_user
from tests.conftest import build_cast

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers"
)


@pytest.mark.django_db(transaction=True)
def test_usernames_differing_only_in_case_created_at_once_make_one_account():
    cast = build_cast()
    barrier = threading.Barrier(3)
    outcomes = []

    def create(username):
        barrier.wait()
        try:
            create_user(
                actor=cast.admin,
                username=username,
                password="kuat-sekali-2026",
                roles={RoleCode.SUPERVISOR},
                unit=cast.sp_a,
            )
            outcomes.append("created")
        except InvalidInput as error:
            outcomes.append(f"{error.field}: {error.message}")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("budi", "Budi", "BUDI")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert User.objects.filter(username__iexact="budi").count() == 1
    assert outcomes.count("created") == 1
    refused = [outcome for outcome in outcomes if outcome != "created"]
    assert len(refused) == 2
    assert all(o.startswith("username: ") and "sudah dipakai" in o for o in refused)
