"""Issue #22: reports, exports and dashboards may read from a streaming replica.

A read goes to the replica only inside a view marked ``@reads_from_replica``, and even there not
when the user wrote a moment ago (``ReplicaPinMiddleware``), not inside a transaction, and not
after the view itself wrote: the replica replays the primary's changes a little later, and a user
must never miss what they just did. Everything else, writes and migrations first, stays on the
primary. A replica that cannot be reached or lags too far behind is not read at all: the reports
read the primary until it is back (``replica_health``). docs/DEPLOY.md "Read replica" tells how
to run one.
"""

import functools
import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "meterops_primary"
_PIN_SALT = "meterops.core.replica.pin"
SAFE_METHODS = frozenset({"GET", "HEAD"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _ReplicaReads:
    # Set by the router on the view's first write: its later reads must see that write.
    wrote: bool = False


_reads: ContextVar[_ReplicaReads | None] = ContextVar("meterops_replica_reads", default=None)


class replica_reads:
    """Let the reads of the block go to the replica (the router still decides each one)."""

    def __enter__(self):
        self._token = _reads.set(_ReplicaReads())
        return self

    def __exit__(self, *exc_info):
        _reads.reset(self._token)


class unread_write:
    """A write that no later read of the view looks at (a job queued for the worker): the
    view's reads may stay on the replica after it."""

    def __enter__(self):
        state = _reads.get()
        self._wrote = state.wrote if state is not None else None
        return self

    def __exit__(self, *exc_info):
        state = _reads.get()
        if state is not None and self._wrote is not None:
            state.wrote = self._wrote


def reads_from_replica(view):
    """Mark a report, export or dashboard view: its GETs may read from the replica, unless its
    user is pinned to the primary. A POST to the same view reads the primary: it acts on what it
    reads. Goes under ``@login_required``, so the login check reads the primary."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS or getattr(request, "pinned_to_primary", False):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper


# How far behind the primary the replica is: nothing when it has replayed all it received,
# else the age of the last transaction it replayed (an idle primary sends no new ones).
LAG_QUERY = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
    " THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


@dataclass(frozen=True)
class ReplicaHealth:
    usable: bool
    lag_seconds: float | None = None
    in_recovery: bool | None = None
    error: str = ""


_health: tuple[float, ReplicaHealth] | None = None
_health_lock = threading.Lock()


def probe_replica() -> ReplicaHealth:
    """Ask the replica how far behind it is; unusable when it does not answer or lags more
    than REPLICA_MAX_LAG_SECONDS."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_QUERY)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        connections[REPLICA].close()  # the next probe connects afresh
        return ReplicaHealth(usable=False, error=exc.__class__.__name__)
    lag = float(lag or 0)
    return ReplicaHealth(
        usable=lag <= settings.REPLICA_MAX_LAG_SECONDS, lag_seconds=lag, in_recovery=in_recovery
    )


def replica_health() -> ReplicaHealth:
    """The replica's health, probed at most every REPLICA_CHECK_SECONDS per process."""
    global _health
    with _health_lock:
        now = time.monotonic()
        if _health is None or now - _health[0] >= settings.REPLICA_CHECK_SECONDS:
            health = probe_replica()
            if not health.usable and (_health is None or _health[1].usable):
                logger.warning(
                    "replica not read: %s", health.error or f"{health.lag_seconds:.0f} s behind"
                )
            _health = (now, health)
        return _health[1]


class ReplicaRouter:
    """In settings.DATABASE_ROUTERS; inert without a ``replica`` database."""

    def __init__(self, databases: dict | None = None, health=replica_health):
        databases = settings.DATABASES if databases is None else databases
        self.replica = REPLICA if REPLICA in databases else None
        self.health = health

    def db_for_read(self, model, **hints):
        state = _reads.get()
        if self.replica is None or state is None or state.wrote:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # A transaction reads its own writes; and what it reads, it may be about to change.
            return DEFAULT_DB_ALIAS
        return self.replica if self.health().usable else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        state = _reads.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """After a user's POST, PUT, PATCH or DELETE that did not fail, keep that user's reads on the
    primary for REPLICA_PIN_SECONDS (a signed cookie with the user's id, so it costs the database
    nothing); the replica has then replayed the write. Below AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.pinned_to_primary = self._pinned(request)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method in UNSAFE_METHODS
            and response.status_code < 400
            and user is not None
            and user.is_authenticated
        ):
            response.set_signed_cookie(
                PIN_COOKIE,
                str(user.pk),
                salt=_PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _pinned(request) -> bool:
        value = request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
        )
        if value is None:
            return False
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated and value == str(user.pk)
