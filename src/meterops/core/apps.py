from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "meterops.core"
    label = "core"
    verbose_name = "Inti"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow's guard against decompression bombs, at our limit instead of its 89 MP: any
        # decoding that did not go through core.images still stops (issue #17).
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
