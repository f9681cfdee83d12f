"""schemathesis against the served OpenAPI schema: no input makes the API answer 5xx."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from meterops.api.services import issue_token
from meterops.core.choices import RoleCode
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler closes the database connection after each request, which would end the
    test's transaction; Django's own test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, cast):
    officer = UserFactory(
        username="petugas.fuzz", contractor=cast.contractor_a, roles=[RoleCode.FIELD_OFFICER]
    )
    _token, raw = issue_token(user=officer)
    return {"Authorization": f"Bearer {raw}"}


# Generating the schema needs no database; the calls run inside each test's transaction.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_every_input_without_server_error(case, bearer):
    response = case.call(headers=bearer)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
    )
