import io
import logging

import orjson
import pytest

from meterops.core import logs


@pytest.fixture
def log_lines():
    """The JSON lines every logger writes during the test, as settings' json handler would."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [orjson.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
