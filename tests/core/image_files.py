"""Files the outside security test sent (issue #17): small on disk, huge once decoded."""

import io
import os
import struct
import zlib

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png_bytes(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width``×``height`` grey pixels, with pixel data for its
    first rows only: a few KB that would take width×height bytes to decode."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 8, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def huge_png(width: int = 12000, height: int = 12000, name: str = "besar.png"):
    return SimpleUploadedFile(name, huge_png_bytes(width, height), content_type="image/png")


def huge_jpeg(width: int = 12000, height: int = 12000, name: str = "besar.jpg"):
    """A small JPEG whose frame header (SOF0) is rewritten to declare ``width``×``height``."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 90, 90)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return SimpleUploadedFile(name, bytes(data), content_type="image/jpeg")


def files_in_media() -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
