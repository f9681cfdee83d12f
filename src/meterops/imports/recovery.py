"""Checks and applies whose worker died are queued again at once (issue #21), not after
IMPORT_STALLED_AFTER: every run_worker calls ``resume_interrupted_uploads`` when it starts and
at each heartbeat (core.workers). The time-based ``services.fail_if_stalled`` stays the fallback
for a task that had no run_worker or was never delivered.
"""

import logging

from django.db import transaction
from django.db.models.functions import Now

from meterops.core.workers import live_worker_ids

from .models import Upload, UploadState

logger = logging.getLogger(__name__)

TASKS = {UploadState.CHECKING: "check_upload_task", UploadState.APPLYING: "apply_upload_task"}


def resume_interrupted_uploads() -> int:
    """Queue again, once, each check or apply whose worker's heartbeat stopped; the count."""
    orphans = (
        Upload.objects.filter(state__in=list(TASKS))
        .exclude(worker_id="")
        .exclude(worker_id__in=live_worker_ids())
        .only("pk", "state", "worker_id")
    )
    return sum(_resume(orphan) for orphan in list(orphans))


def _resume(orphan: Upload) -> bool:
    """Under the upload's row lock, so of two workers resuming at once only the first queues
    it; the second finds the upload no longer held by the dead worker. A check starts over,
    an apply continues after its last applied batch."""
    from . import tasks  # tasks calls the services, imported when a job is queued

    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update()
            .filter(pk=orphan.pk, state=orphan.state, worker_id=orphan.worker_id)
            .first()
        )
        if upload is None:
            return False
        Upload.objects.filter(pk=upload.pk).update(worker_id="", progress_at=Now())
        task = getattr(tasks, TASKS[upload.state])
        transaction.on_commit(lambda: task.enqueue(upload.pk))
    logger.warning("upload %s: worker %s died; queued again", upload.pk, orphan.worker_id)
    return True
