"""Background work of the pipeline, through the Tasks API only (any configured backend)."""

from django_tasks import task

from . import services


@task()
def check_upload_task(upload_id: int) -> None:
    services.check_upload(upload_id=upload_id)


@task()
def apply_upload_task(upload_id: int) -> None:
    services.apply_upload(upload_id=upload_id)
