"""Starting an apply is idempotent: Apply pressed three times (or by three people at once)
queues one job, and a second job for the same upload does nothing (issue #17: three presses
queued three jobs, two of which failed)."""

import os
import threading

import pytest
from django.db import connections

from meterops.imports import services
from meterops.imports.models import Upload, UploadState
from meterops.replacement.models import ReplacementTarget
from tests.factories import CustomerFactory

from .conftest import checked, xlsx
from .test_views import WORKER_DB, run_worker


def _checked_upload(cast, damage, count=2):
    customers = [CustomerFactory(unit=cast.sp_a) for _ in range(count)]
    rows = [[c.customer_id, damage.name, "", "", "", ""] for c in customers]
    return checked(cast.supervisor, "to-ex-dg", xlsx(rows))


def _damage():
    from meterops.replacement.models import DamageType

    return DamageType.objects.get_or_create(code="terbakar", defaults={"name": "Terbakar"})[0]


@WORKER_DB
def test_three_presses_queue_one_job(cast, client_for, enqueued):
    upload = _checked_upload(cast, _damage())
    client = client_for(cast.supervisor)
    for _ in range(3):
        response = client.post(f"/imports/uploads/{upload.pk}/apply/")
        assert response.status_code == 302
    assert enqueued == ["apply_upload_task"]
    run_worker()
    upload.refresh_from_db()
    assert (upload.state, upload.error) == (UploadState.APPLIED, "")
    assert ReplacementTarget.objects.count() == 2


def test_a_second_job_for_the_same_upload_does_nothing(cast, damage_type):
    upload = _checked_upload(cast, damage_type)
    services.start_apply(upload=upload, actor=cast.supervisor)
    assert services.apply_upload(upload_id=upload.pk).state == UploadState.APPLIED
    again = services.apply_upload(upload_id=upload.pk)
    assert (again.state, again.error) == (UploadState.APPLIED, "")
    assert ReplacementTarget.objects.count() == 2


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="three presses at once on three connections: PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_three_people_pressing_at_once_queue_one_job(enqueued):
    from tests.conftest import build_cast

    cast = build_cast()
    upload = _checked_upload(cast, _damage())
    users = [cast.supervisor, cast.unit_admin, cast.area_user]
    everyone = threading.Barrier(len(users))
    failures = []

    def press(user):
        try:
            everyone.wait()
            services.start_apply(upload=Upload.objects.get(pk=upload.pk), actor=user)
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and enqueued == ["apply_upload_task"]
    run_worker()
    assert Upload.objects.get(pk=upload.pk).state == UploadState.APPLIED
    assert ReplacementTarget.objects.count() == 2
