from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "meterops.core"
    label = "core"
    verbose_name = "Inti"

    def ready(self) -> None:
        from django.conf import settings
        from django_tasks.signals import task_finished, task_started
        from PIL import Image

        from . import metrics

        # Pillow's guard against decompression bombs, at our limit instead of its 89 MP: any
        # decoding that did not go through core.images still stops (issue #17).
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

        # Every Tasks backend sends these in the process that runs the job (issue #21).
        task_started.connect(metrics.job_started, dispatch_uid="meterops.metrics.job_started")
        task_finished.connect(metrics.job_finished, dispatch_uid="meterops.metrics.job_finished")
