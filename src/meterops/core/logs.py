"""Log lines that can be followed from a request into the background jobs it started (issue #21).

Every line carries the id of the request (or job) it was written in: ``RequestIdMiddleware`` sets
it per request, ``meterops.core.jobs`` per job, ``RequestIdFilter`` puts it on each record.
``LOG_FORMAT=json`` (settings.LOGGING) writes each record as one JSON object per line with
``JsonFormatter``; development keeps plain text.
"""

import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

request_id: ContextVar[str] = ContextVar("request_id", default="")

# nginx's $request_id is 32 hex digits; anything else a client sends could forge or flood the
# field that ties lines together, so it is replaced.
_SANE_REQUEST_ID = re.compile(r"[0-9a-f]{32}")

# What every LogRecord has; anything else on a record came through ``extra=`` and is logged.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str:
    """``value`` when it has the shape of nginx's ids, else a fresh one."""
    value = (value or "").lower()
    return value if _SANE_REQUEST_ID.fullmatch(value) else new_request_id()


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (empty outside requests and jobs), for the
    formatters to show."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the fields
    given with ``extra=``, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
        }
        entry.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RECORD_ATTRIBUTES and key != "request_id"
        )
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()
