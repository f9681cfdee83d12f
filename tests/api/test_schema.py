"""schemathesis against the served OpenAPI schema: no input makes the API answer 5xx."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from meterops.api.services import issue_token
from meterops.core.choices import RoleCode
from tests.factories import UserFactory


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
