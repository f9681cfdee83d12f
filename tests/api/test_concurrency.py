"""The phone sends the same damage report twice at the same moment (a retry racing the first
try): one write, and both answers name the same target.

Runs on PostgreSQL (CI's second leg), where concurrent writers really meet on the unique
constraint; SQLite serialises whole transactions.
"""

import threading
import uuid

import pytest
from django.db import connection

from meterops.api import services
from meterops.replacement.models import ReplacementTarget

from .conftest import upload_photo

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers"
)


@pytest.mark.django_db(transaction=True)
def test_same_client_id_twice_at_once_writes_once(api_client, field_officer, customer, damage_type):
    photo_id = upload_photo(api_client(field_officer))
    client_id = uuid.uuid4()
    barrier = threading.Barrier(2)
    answers = []

    def write():
        from meterops.replacement.services import DamageReport, report_damage

        files = services.photos_for_write(user=field_officer, ids=[photo_id])
        report = DamageReport(damage_type=damage_type)
        return 201, {
            "id": report_damage(
                actor=field_officer, customer=customer, report=report, photos=files
            ).pk
        }

    def send():
        barrier.wait()
        try:
            answers.append(
                services.idempotent(
                    user=field_officer,
                    client_id=client_id,
                    operation="damage_report",
                    subject="IDPEL x",
                    write=write,
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2
    assert answers[0][1]["id"] == answers[1][1]["id"]
    assert sorted(bool(body.get("replayed")) for _status, body in answers) == [False, True]
    assert ReplacementTarget.objects.filter(customer=customer).count() == 1
