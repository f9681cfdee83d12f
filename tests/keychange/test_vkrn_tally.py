"""The KRN dashboard's meters per VKRN: kept in a tally, counted again in the background."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meterops.core.choices import RoleCode
from meterops.keychange.models import VkrnTally
from meterops.keychange.services import count_meters_by_vkrn
from meterops.keychange.tasks import count_meters_by_vkrn_task
from tests.factories import UserFactory
from tests.keychange.helpers import old_key_meter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_queue(settings):
    """Recounts wait in the database queue, as with a worker (keychange's tests run them
    immediately otherwise)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_recounts() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="count_meters_by_vkrn_task").count()


def by_vkrn(client):
    response = client.get(reverse("keychange:dashboard"))
    assert response.status_code == 200
    return response, {row["code"]: row for row in response.context["by_vkrn"]}


def age(minutes: int) -> None:
    VkrnTally.objects.update(counted_at=timezone.now() - timedelta(minutes=minutes))


def test_the_page_reads_the_tally_not_the_meters(cast, client_for):
    old_key_meter(cast.sp_a)
    old_key_meter(cast.sp_a, vkrn=43, key_revision=2)
    count_meters_by_vkrn()
    old_key_meter(cast.sp_a)  # after the count: shown at the next one
    with CaptureQueriesContext(connection) as queries:
        response, rows = by_vkrn(client_for(cast.unit_admin))
    assert (rows[cast.sp_a.code]["vkrn_41"], rows[cast.sp_a.code]["vkrn_43"]) == (1, 1)
    assert not [q for q in queries if "customers_meter" in q["sql"]]
    counted = VkrnTally.objects.get(unit=cast.sp_a).counted_at
    assert timezone.localtime(counted).strftime("%d-%m-%Y %H:%M") in response.content.decode()
    assert queued_recounts() == 0  # fresh: nothing to do

    count_meters_by_vkrn()
    assert by_vkrn(client_for(cast.unit_admin))[1][cast.sp_a.code]["vkrn_41"] == 2


def test_a_stale_tally_is_counted_again_once(cast, client_for):
    """Two views of a stale tally queue two recounts; the second finds it fresh and skips."""
    meter = old_key_meter(cast.sp_a)
    count_meters_by_vkrn()
    meter.vkrn, meter.key_revision = 43, 2
    meter.save()
    age(minutes=6)
    by_vkrn(client_for(cast.unit_admin))
    by_vkrn(client_for(cast.supervisor))
    assert queued_recounts() == 2

    assert count_meters_by_vkrn_task.call() > 0
    assert count_meters_by_vkrn_task.call() == 0
    _response, rows = by_vkrn(client_for(cast.unit_admin))
    assert (rows[cast.sp_a.code]["vkrn_41"], rows[cast.sp_a.code]["vkrn_43"]) == (0, 1)
    assert queued_recounts() == 2


def test_before_the_first_tally_the_reach_is_counted_live(cast, client_for):
    old_key_meter(cast.sp_a)
    response, rows = by_vkrn(client_for(cast.unit_admin))
    assert rows[cast.sp_a.code]["to_upgrade"] == 1
    assert "Dihitung saat ini" in response.content.decode()
    assert queued_recounts() == 1
    assert VkrnTally.objects.count() == 0


def test_a_unit_whose_last_prepaid_meter_left_drops_off(cast, client_for):
    meter = old_key_meter(cast.sp_a2)
    count_meters_by_vkrn()
    assert cast.sp_a2.code in by_vkrn(client_for(cast.unit_admin))[1]
    meter.removed_at = timezone.localdate()
    meter.save()
    count_meters_by_vkrn()
    assert VkrnTally.objects.get(unit=cast.sp_a2).vkrn_41 == 0
    assert cast.sp_a2.code not in by_vkrn(client_for(cast.unit_admin))[1]


@pytest.mark.parametrize("counted", [True, False], ids=["tally", "live"])
def test_another_unit_or_contractor_gets_nothing(cast, client_for, counted):
    old_key_meter(cast.sp_a)
    if counted:
        count_meters_by_vkrn()
    other_unit = UserFactory(unit=cast.sp_b, roles=[RoleCode.UNIT_ADMIN])
    assert by_vkrn(client_for(other_unit))[1] == {}
    assert by_vkrn(client_for(cast.vendor_b))[1] == {}  # works for sp_b only
