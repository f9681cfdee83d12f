"""Uploaded photos and scans, checked from their first bytes before anything decodes them.

An outside security test (issue #17) sent a 17 KB PNG declaring 12000×12000 pixels: decoding it
took 1.4 GB in a web worker. So the kind of a file is told by its signature, not by its name or
the browser's content type, and a photo's pixel dimensions are read from its header and
refused over the limits in settings before any caller loads the pixels. Every path that takes a
photo or a scan (web forms, the field app's chunked uploads, services) calls ``check_image`` or
``check_scan``; Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, set by ``CoreConfig.ready``)
stays as the backstop for any other decoding.
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import JpegImagePlugin, PngImagePlugin

from .errors import FileRejected
from .formats import number

JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF_SIGNATURE = b"%PDF-"
# Pillow's classes for the two kinds we keep. Opening through the class reads the header only,
# without Image.open's decompression-bomb check: a 20000×20000 PNG then gets the message with
# its size instead of a DecompressionBombError.
HEADER_READERS = {
    "JPEG": (JPEG_SIGNATURE, JpegImagePlugin.JpegImageFile),
    "PNG": (PNG_SIGNATURE, PngImagePlugin.PngImageFile),
}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "PDF": "application/pdf"}


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # "JPEG", "PNG" or "PDF"
    width: int = 0
    height: int = 0

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return {"JPEG": ".jpg", "PNG": ".png", "PDF": ".pdf"}[self.kind]


def check_image(upload, *, field: str, label: str | None = None) -> CheckedFile:
    """Refuse anything but a JPEG or PNG within the byte and pixel limits of settings, from its
    header only; the pixels are not decoded (issue #17, images finding)."""
    label = label or _("Foto")
    name = _name_of(upload)
    _check_bytes(upload, field=field, label=label, name=name)
    checked = _read_header(upload, field=field, label=label, name=name)
    side, pixels = settings.IMAGE_MAX_SIDE, settings.IMAGE_MAX_PIXELS
    if max(checked.width, checked.height) > side or checked.width * checked.height > pixels:
        raise FileRejected(
            _(
                '%(label)s "%(name)s" terlalu besar: %(width)d×%(height)d piksel; maksimum '
                "%(side)s piksel per sisi dan %(pixels)s piksel seluruhnya."
            )
            % {
                "label": label,
                "name": name,
                "width": checked.width,
                "height": checked.height,
                "side": number(side),
                "pixels": number(pixels),
            },
            field=field,
        )
    return checked


def check_scan(upload, *, field: str, label: str | None = None) -> CheckedFile:
    """A signed scan (BA, SPJBTL) is a PDF, or a JPEG within the photo limits (issue #17)."""
    label = label or _("Scan")
    name = _name_of(upload)
    _check_bytes(upload, field=field, label=label, name=name)
    head = _head(upload, len(PDF_SIGNATURE))
    if head.startswith(PDF_SIGNATURE):
        return CheckedFile("PDF")
    if head.startswith(JPEG_SIGNATURE):
        return check_image(upload, field=field, label=label)
    raise FileRejected(
        _('%(label)s "%(name)s" harus PDF atau JPEG hasil pindai.')
        % {"label": label, "name": name},
        field=field,
    )


def _name_of(upload) -> str:
    return os.path.basename(getattr(upload, "name", "") or "") or _("tanpa nama")


def _size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    return size


def _check_bytes(upload, *, field: str, label: str, name: str) -> None:
    size, limit = _size_of(upload), settings.MEDIA_UPLOAD_MAX_BYTES
    if size > limit:
        raise FileRejected(
            _('%(label)s "%(name)s" terlalu besar (%(mb)s MB); maksimal %(max)s MB.')
            % {
                "label": label,
                "name": name,
                "mb": number(size / 2**20, 1),
                "max": number(limit / 2**20, 1),
            },
            field=field,
        )


def _head(upload, length: int) -> bytes:
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def _read_header(upload, *, field: str, label: str, name: str) -> CheckedFile:
    head = _head(upload, len(PNG_SIGNATURE))
    for kind, (signature, reader) in HEADER_READERS.items():
        if head.startswith(signature):
            try:
                header = reader(upload)
                width, height = header.size
            except (OSError, SyntaxError, ValueError):
                break
            finally:
                upload.seek(0)
            return CheckedFile(kind, width, height)
    raise FileRejected(
        _('%(label)s "%(name)s" bukan foto JPEG/PNG yang valid.') % {"label": label, "name": name},
        field=field,
    )
