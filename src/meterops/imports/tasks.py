"""Background work of the pipeline, through the Tasks API only (any configured backend).

Each upload task first fails the uploads whose worker died mid-way (services.fail_stalled_uploads),
so a worker coming back clears what the one before it left running.
"""

from django_tasks import task

from meterops.core.jobs import traced

from . import services
from .models import UploadState


@task()
@traced
def check_upload_task(upload_id: int) -> None:
    services.fail_stalled_uploads(except_id=upload_id)
    upload = services.check_upload(upload_id=upload_id)
    if upload.state == UploadState.CHECKED:
        services.request_error_report(upload=upload)


@task()
@traced
def apply_upload_task(upload_id: int) -> None:
    services.fail_stalled_uploads(except_id=upload_id)
    upload = services.apply_upload(upload_id=upload_id)
    if upload.state == UploadState.APPLIED:
        services.request_error_report(upload=upload)


@task()
@traced
def build_error_report_task(upload_id: int) -> None:
    services.build_error_report(upload_id=upload_id)
