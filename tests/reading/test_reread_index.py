"""The field app's re-reads come from a partial index on PostgreSQL (issue #22): every
officer's poll asked for them, and the state is not indexed (bulk transitions stay HOT), so
PostgreSQL read the whole reading table, 60 million rows at 5,000,000 customers."""

import pytest
from django.db import connection, transaction

from meterops.core.choices import RoleCode
from meterops.core.worklist import WORK_SOURCES
from meterops.reading import services
from meterops.reading.choices import ReadingState
from meterops.reading.models import Reading
from tests.factories import UserFactory

from .helpers import make_customer, make_day, make_reading, make_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast):
    return UserFactory(username="petugas.baca", unit=cast.sp_a, roles=[RoleCode.FIELD_OFFICER])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan")
def test_the_rereads_of_an_officer_are_read_from_the_partial_index(cast, officer):
    route = make_route(make_day(cast.sp_a))
    make_reading(make_customer(route), state=ReadingState.REREAD_REQUESTED)
    rereads = WORK_SOURCES["reading"].query.open(officer).order_by()
    with transaction.atomic(), connection.cursor() as cursor:
        # The table is tiny here: forbid the sequential scan to see which index can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rereads.explain()
    assert "reading_open_reread" in plan, plan


def test_a_reading_sent_back_and_read_again_enters_and_leaves_the_list(cast, officer):
    route = make_route(make_day(cast.sp_a))
    reading = make_reading(make_customer(route), state=ReadingState.VERIFIED)
    source = WORK_SOURCES["reading"].query
    assert not source.open(officer).exists()

    services.request_rereads(
        actor=cast.supervisor, readings=Reading.objects.filter(pk=reading.pk), reason="Foto buram"
    )
    assert list(source.open(officer)) == [reading]

    reading.refresh_from_db()
    reading.reread()
    reading.save()
    assert reading.reread_reason == ""
    assert not source.open(officer).exists()
