"""Issue #22: which reads go to the replica (core.replica), and, against a real streaming replica
(.ci/replica, METEROPS_REAL_REPLICA=1), that they really do and that a user sees their own write."""

import os
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from django.core import signing
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meterops.core import replica
from meterops.core.models import Unit, User
from meterops.core.replica import (
    PIN_COOKIE,
    ReplicaHealth,
    ReplicaPinMiddleware,
    ReplicaRouter,
    reads_from_replica,
    replica_health,
    replica_reads,
)
from meterops.customers.services import count_customers_by_unit
from tests.factories import UnitFactory

WITH_REPLICA = {"default": {}, "replica": {}}
HAS_REPLICA = "replica" in settings.DATABASES
real_replica = pytest.mark.skipif(
    os.environ.get("METEROPS_REAL_REPLICA") != "1" or not HAS_REPLICA,
    reason="needs a real streaming replica (.ci/replica)",
)


@pytest.fixture
def router():
    return ReplicaRouter(databases=WITH_REPLICA, health=lambda: ReplicaHealth(usable=True))


@pytest.fixture
def fresh_health(monkeypatch):
    """Forget this process's last probe of the replica, before and after the test."""
    monkeypatch.setattr(replica, "_health", None)


# --- The router's decisions ---------------------------------------------------------------


def test_reads_outside_a_report_go_to_the_primary(router):
    assert router.db_for_read(Unit) == "default"


def test_reads_inside_a_report_go_to_the_replica(router):
    with replica_reads():
        assert router.db_for_read(Unit) == "replica"
    assert router.db_for_read(Unit) == "default"


def test_a_replica_down_or_behind_is_not_read():
    down = ReplicaHealth(usable=False, error="OperationalError")
    with replica_reads():
        assert ReplicaRouter(databases=WITH_REPLICA, health=lambda: down).db_for_read(Unit) == (
            "default"
        )


def test_the_replica_is_asked_once_per_check_interval(fresh_health, monkeypatch, settings, caplog):
    answers = iter([ReplicaHealth(usable=False, lag_seconds=95.0), ReplicaHealth(usable=True)])
    probes = []
    monkeypatch.setattr(replica, "probe_replica", lambda: probes.append(1) or next(answers))
    settings.REPLICA_CHECK_SECONDS = 60
    assert not replica_health().usable
    assert not replica_health().usable
    assert len(probes) == 1
    assert "replica not read: 95 s behind" in caplog.text
    settings.REPLICA_CHECK_SECONDS = 0
    assert replica_health().usable and len(probes) == 2


def test_without_a_replica_a_report_reads_the_primary():
    with replica_reads():
        assert ReplicaRouter(databases={"default": {}}).db_for_read(Unit) == "default"


def test_writes_go_to_the_primary_and_keep_the_rest_of_the_report_there(router):
    assert router.db_for_write(Unit) == "default"
    with replica_reads():
        assert router.db_for_read(Unit) == "replica"
        assert router.db_for_write(Unit) == "default"
        # What the view reads next may be the row it just wrote.
        assert router.db_for_read(Unit) == "default"
    with replica_reads():
        assert router.db_for_read(Unit) == "replica"


def test_a_recount_queued_by_a_report_keeps_its_reads_on_the_replica(router):
    """A stale tally queues its recount (a job row on the primary) in the middle of the view;
    the view reads nothing of that row back, so its next reads stay on the replica."""
    from meterops.core.tallies import recount_if_stale

    task = mock.Mock()
    with replica_reads():
        task.enqueue.side_effect = lambda *a, **k: router.db_for_write(Unit)
        assert recount_if_stale(task, None)
        assert task.enqueue.called
        assert router.db_for_read(Unit) == "replica"
        router.db_for_write(Unit)  # a write the view does read back
        with replica.unread_write():
            pass
        assert router.db_for_read(Unit) == "default"


def test_only_the_primary_is_migrated(router):
    assert router.allow_migrate("default", "core", "unit")
    assert not router.allow_migrate("replica", "core", "unit")


def test_rows_of_both_aliases_may_be_related(router):
    assert router.allow_relation(Unit(), User())


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(router):
    with replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Unit) == "default"
        assert router.db_for_read(Unit) == "replica"


# --- The decorator and the pin ------------------------------------------------------------


@reads_from_replica
def where_reports_read(request):
    router = ReplicaRouter(databases=WITH_REPLICA, health=lambda: ReplicaHealth(usable=True))
    return HttpResponse(router.db_for_read(Unit))


def test_a_report_reads_the_replica_on_get_only(rf):
    assert where_reports_read(rf.get("/")).content == b"replica"
    assert where_reports_read(rf.head("/")).content == b"replica"
    assert where_reports_read(rf.post("/")).content == b"default"


def test_a_pinned_user_reads_the_primary_in_a_report(rf):
    request = rf.get("/")
    request.pinned_to_primary = True
    assert where_reports_read(request).content == b"default"


def _pin_middleware(status=302):
    return ReplicaPinMiddleware(lambda request: HttpResponse(status=status))


def _request(method, user, cookie=None):
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    if cookie is not None:
        request.COOKIES[PIN_COOKIE] = cookie
    return request


def _pin_cookie(response):
    return response.cookies[PIN_COOKIE].value if PIN_COOKIE in response.cookies else None


def test_a_write_that_succeeds_pins_its_user(cast):
    response = _pin_middleware()(_request("post", cast.admin))
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_PIN_SECONDS
    assert cookie["httponly"]
    request = _request("get", cast.admin, cookie.value)
    _pin_middleware(200)(request)
    assert request.pinned_to_primary


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_unsafe_method_pins(cast, method):
    assert _pin_cookie(_pin_middleware(200)(_request(method, cast.admin)))


def test_reads_refusals_and_anonymous_writes_do_not_pin(cast):
    from django.contrib.auth.models import AnonymousUser

    assert _pin_cookie(_pin_middleware(200)(_request("get", cast.admin))) is None
    assert _pin_cookie(_pin_middleware(403)(_request("post", cast.admin))) is None
    assert _pin_cookie(_pin_middleware(422)(_request("post", cast.admin))) is None
    assert _pin_cookie(_pin_middleware()(_request("post", AnonymousUser()))) is None


def test_the_pin_is_its_users_only_and_wears_off(cast):
    cookie = _pin_cookie(_pin_middleware()(_request("post", cast.admin)))
    other = _request("get", cast.supervisor, cookie)
    _pin_middleware(200)(other)
    assert not other.pinned_to_primary
    forged = _request("get", cast.supervisor, str(cast.supervisor.pk))
    _pin_middleware(200)(forged)
    assert not forged.pinned_to_primary
    with mock.patch.object(signing.time, "time", return_value=time.time() - 60):
        old = _pin_cookie(_pin_middleware()(_request("post", cast.admin)))
    stale = _request("get", cast.admin, old)
    _pin_middleware(200)(stale)
    assert not stale.pinned_to_primary


def test_a_report_answers_with_the_router_in_place(cast, client_for):
    response = client_for(cast.admin).get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert response.context["totals"]["users"] == User.objects.filter(is_active=True).count()


# --- A real streaming replica (.ci/replica) -------------------------------------------------

REPORT_URLS = [
    "core:dashboard",
    "keychange:dashboard",
    "fieldwork:scorecard",
    "reading:recap",
    "replacement:target_list",
    "replacement:workorder_list",
]
EXPORT_URLS = [
    ("keychange:dashboard", "export=xlsx"),
    ("fieldwork:scorecard", "export=xlsx"),
    ("fieldwork:arrears_export", ""),
    ("reading:recap", "format=xlsx"),
    ("replacement:target_list", "export=xlsx"),
    ("replacement:workorder_list", "export=xlsx"),
    ("prepaid:request_export", ""),
]


def _on_replica(sql):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_for_replica(seen, timeout=30.0):
    """Poll until the replica has replayed what ``seen`` (a read on the replica) looks for."""
    deadline = time.monotonic() + timeout
    while not seen():
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica did not replay the write within {timeout} s")
        time.sleep(0.05)


@contextmanager
def replay_paused():
    """Hold the replica where it is: what the primary writes meanwhile is not there."""
    _on_replica("select pg_wal_replay_pause()")
    try:
        yield
    finally:
        _on_replica("select pg_wal_replay_resume()")


@pytest.fixture
def replicated_cast(cast):
    wait_for_replica(lambda: User.objects.using("replica").filter(pk=cast.vendor_b.pk).exists())
    return cast


def _dashboard_users(client):
    return client.get(reverse("core:dashboard")).context["totals"]["users"]


@real_replica
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_replica_is_a_streaming_standby():
    assert _on_replica("select pg_is_in_recovery()") is True
    assert _on_replica("select status from pg_stat_wal_receiver") == "streaming"
    server = [
        (connections[alias].settings_dict["HOST"], connections[alias].settings_dict["PORT"])
        for alias in ("default", "replica")
    ]
    assert server[0] != server[1]
    # The mirror reads the default alias's test database, by name, on its own server.
    assert (
        connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    )


@real_replica
@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize(("name", "query"), [(name, "") for name in REPORT_URLS] + EXPORT_URLS)
def test_reports_and_exports_read_the_replica(replicated_cast, client_for, name, query):
    client = client_for(replicated_cast.admin)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 200
    assert len(on_replica) > 0


@real_replica
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_page_right_after_a_write_shows_the_write(
    replicated_cast, client_for, settings, fresh_health
):
    # The pin is under test, not the lag: a replica that replayed nothing for a while counts
    # as far behind the moment a write arrives, and would not be read at all. The customer
    # tally is made first: queueing its first count is a write, and a view that wrote reads
    # the primary from then on.
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    count_customers_by_unit()
    cast = replicated_cast
    client = client_for(cast.admin)
    before = _dashboard_users(client)
    with replay_paused():
        response = client.post(
            reverse("core:user_set_active", args=[cast.officer.pk]), {"active": "0"}
        )
        assert response.status_code == 302
        # Pinned: the primary, where the write is.
        assert _dashboard_users(client) == before - 1
        # The same page unpinned reads the replica, which has not replayed the write yet.
        del client.cookies[PIN_COOKIE]
        assert _dashboard_users(client) == before
    wait_for_replica(lambda: not User.objects.using("replica").get(pk=cast.officer.pk).is_active)
    assert _dashboard_users(client) == before - 1


@real_replica
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_replica_too_far_behind_is_not_read(replicated_cast, client_for, settings, fresh_health):
    """Paused replay with a write waiting: the lag grows past the limit, the primary serves."""
    cast = replicated_cast
    client = client_for(cast.admin)
    before = _dashboard_users(client)
    settings.REPLICA_CHECK_SECONDS = 0
    with replay_paused():
        cast.officer.is_active = False
        cast.officer.save()
        time.sleep(1.1)
        settings.REPLICA_MAX_LAG_SECONDS = 0.5
        health = replica_health()
        assert not health.usable and health.lag_seconds > 0.5 and health.in_recovery
        assert _dashboard_users(client) == before - 1
        ready = client.get(reverse("ready")).json()["checks"]["replica"]
        assert ready["usable"] is False
    settings.REPLICA_MAX_LAG_SECONDS = 30
    wait_for_replica(lambda: replica_health().lag_seconds == 0)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert _dashboard_users(client) == before - 1
    assert len(on_replica) > 0


@real_replica
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_report_reads_back_what_it_wrote_from_the_primary(replicated_cast):
    with replay_paused(), replica_reads():
        unit = UnitFactory(code="51009", name="ULP ALFA BARU", parent=replicated_cast.area_a)
        assert Unit.objects.filter(pk=unit.pk).exists()
