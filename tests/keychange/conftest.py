import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Campaign jobs run at once in tests; test_campaign_job.py checks the database queue."""
    settings.TASKS = IMMEDIATE
