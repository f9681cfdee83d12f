"""Checking and shrinking uploaded photos and scanned documents, by their content.

The file name and the browser's content type are not trusted: a photo must open as a JPEG or PNG
image, a BA must start like a PDF or a JPEG. Photos are resized to a sane size with a thumbnail;
the EXIF time and GPS position are read out and the EXIF block kept in the stored JPEG.
"""

import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import FileRejected

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
THUMBNAIL_SIDE = 320
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME = 0x9003, 0x0132


@dataclass
class PreparedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def _check_size(upload) -> None:
    if upload.size > MAX_UPLOAD_BYTES:
        raise FileRejected(
            _("Berkas %(name)s terlalu besar (%(mb).1f MB); maksimal 10 MB.")
            % {"name": upload.name, "mb": upload.size / 1024 / 1024}
        )


def kept_photo(upload, *, unit, stem: str) -> ContentFile:
    """The copy of a field photo that is kept (checked and resized by ``prepare_photo``, EXIF
    time read in the unit's zone), named ``stem``.jpg."""
    prepared = prepare_photo(upload, zone=ZoneInfo(unit.settings_or_default().time_zone))
    return ContentFile(prepared.image.read(), name=f"{stem}.jpg")


def prepare_photo(upload, *, zone: tzinfo) -> PreparedPhoto:
    """Open an uploaded photo, refuse anything but JPEG/PNG, return resized copies and EXIF data.

    EXIF times carry no zone: a phone shows local time, so they are read in the unit's ``zone``.
    """
    _check_size(upload)
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
            kind = probe.format
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise FileRejected(
            _("Berkas %(name)s bukan foto JPEG/PNG yang valid.") % {"name": upload.name}
        ) from exc
    if kind not in {"JPEG", "PNG"}:
        raise FileRejected(
            _("Berkas %(name)s berformat %(kind)s; hanya JPEG atau PNG yang diterima.")
            % {"name": upload.name, "kind": kind}
        )
    exif = image.getexif()
    taken_at = _exif_time(exif, zone)
    latitude, longitude = _exif_position(exif)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    stem = upload.name.rsplit("/", 1)[-1].rsplit(".", 1)[0][:60] or "foto"
    return PreparedPhoto(
        image=_jpeg(upright, PHOTO_MAX_SIDE, f"{stem}.jpg", exif),
        thumbnail=_jpeg(upright, THUMBNAIL_SIDE, f"{stem}_thumb.jpg", None),
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )


def _jpeg(image: Image.Image, side: int, name: str, exif) -> ContentFile:
    copy = image.copy()
    copy.thumbnail((side, side))
    buffer = io.BytesIO()
    options = {"quality": 85, "optimize": True}
    if exif:
        exif[0x0112] = 1  # the pixels are upright now; keep the rest of the EXIF block
        options["exif"] = exif.tobytes()
    copy.save(buffer, "JPEG", **options)
    return ContentFile(buffer.getvalue(), name=name)


def _exif_time(exif, zone: tzinfo) -> datetime | None:
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    try:
        local = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _exif_position(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(GPS_IFD)
    try:
        latitude = _degrees(gps[2], gps[1])
        longitude = _degrees(gps[4], gps[3])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    return latitude, longitude


def _degrees(dms, ref) -> Decimal:
    degrees, minutes, seconds = (Decimal(str(float(part))) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    if str(ref).strip("\x00 ").upper() in {"S", "W"}:
        value = -value
    return value.quantize(Decimal("0.000001"))


def check_ba_document(upload) -> str:
    """The content type of a scanned BA: a PDF or a JPEG, told by its first bytes."""
    _check_size(upload)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    raise FileRejected(
        _("Berkas BA %(name)s harus PDF atau JPEG hasil pindai.") % {"name": upload.name}
    )
