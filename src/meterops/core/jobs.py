"""Background jobs that log with the id of the request that queued them (issue #21).

Every task is queued through ``enqueue`` (or ``enqueue_on_commit``), which passes the current
request id as the ``request_id`` keyword (a string: JSON for the database queue and RQ alike);
every task function is decorated with ``traced`` under ``@task()``, which takes that keyword
off, logs with it while the job runs, and writes a started and a finished line with the job's
duration.
"""

import functools
import logging
import time

from django.db import transaction

from . import logs

logger = logging.getLogger("meterops.jobs")


def enqueue(task, *args):
    """Queue ``task`` with ``args`` on its backend, tagged with the current request's id."""
    return task.enqueue(*args, request_id=logs.request_id.get())


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task`` once the current transaction commits, with the request id of now: the
    commit callbacks may run after the request's id is unset (a test runs them after the
    request has answered)."""
    request_id = logs.request_id.get()
    transaction.on_commit(lambda: task.enqueue(*args, request_id=request_id))


def traced(func):
    """Run the task function under the request id it was queued with (a new one when it has
    none, so the job's own lines still belong together), between a started and a finished (or
    failed) line."""

    @functools.wraps(func)
    def run(*args, request_id: str = "", **kwargs):
        token = logs.request_id.set(logs.sane_request_id(request_id))
        fields = {"task": func.__name__}
        started = time.monotonic()
        logger.info("job %(task)s started", fields, extra=fields)
        try:
            result = func(*args, **kwargs)
        except BaseException:
            fields["duration_ms"] = _elapsed_ms(started)
            logger.exception("job %(task)s failed after %(duration_ms)sms", fields, extra=fields)
            raise
        else:
            fields["duration_ms"] = _elapsed_ms(started)
            logger.info("job %(task)s finished in %(duration_ms)sms", fields, extra=fields)
            return result
        finally:
            logs.request_id.reset(token)

    return run


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
