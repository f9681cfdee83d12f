"""Issue #22: reports, exports and dashboards may read from a streaming replica.

A read goes to the replica only inside a view marked ``@reads_from_replica``, and even there not
when the user wrote a moment ago (``ReplicaPinMiddleware``), not inside a transaction, and not
after the view itself wrote: the replica replays the primary's changes a little later, and a user
must never miss what they just did. Everything else, writes and migrations first, stays on the
primary. docs/DEPLOY.md "Read replica" tells how to run one.
"""

import functools
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

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


class ReplicaRouter:
    """In settings.DATABASE_ROUTERS; inert without a ``replica`` database."""

    def __init__(self, databases: dict | None = None):
        databases = settings.DATABASES if databases is None else databases
        self.replica = REPLICA if REPLICA in databases else None

    def db_for_read(self, model, **hints):
        state = _reads.get()
        if self.replica is None or state is None or state.wrote:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # A transaction reads its own writes; and what it reads, it may be about to change.
            return DEFAULT_DB_ALIAS
        return self.replica

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
