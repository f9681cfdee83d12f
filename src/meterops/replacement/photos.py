"""Shrinking checked photos and reading their EXIF time and place.

``core.images`` decides what is accepted, from the file's header (kind, bytes, pixels), before
anything here decodes it. Photos are resized to a sane size with a thumbnail; the EXIF time and
GPS position are read out and the EXIF block kept in the stored JPEG: the position is field
evidence, kept with the photo, which only the scoped views serve (issue #17).
"""

import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from meterops.core.errors import FileRejected
from meterops.core.images import check_image
from meterops.core.models import unit_time_zone

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


def kept_photo(upload, *, unit, field: str = "photo") -> ContentFile:
    """The copy of a field photo that is kept (checked and resized by ``prepare_photo``, EXIF
    time read in the unit's zone)."""
    prepared = prepare_photo(upload, zone=ZoneInfo(unit_time_zone(unit.pk)), field=field)
    return prepared.image


def prepare_photo(upload, *, zone: tzinfo, field: str = "photos") -> PreparedPhoto:
    """Check an uploaded photo (``core.images.check_image``), return resized copies and EXIF data.

    EXIF times carry no zone: a phone shows local time, so they are read in the unit's ``zone``.
    """
    checked = check_image(upload, field=field)
    try:
        upload.seek(0)
        image = Image.open(upload, formats=[checked.kind])
        # A JPEG decodes straight at about the kept size (DCT scaling), not at full resolution.
        scale = PHOTO_MAX_SIDE / max(checked.width, checked.height)
        if scale < 1:
            image.draft(None, (int(checked.width * scale), int(checked.height * scale)))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise FileRejected(
            _('Foto "%(name)s" bukan foto JPEG/PNG yang valid.') % {"name": upload.name},
            field=field,
        ) from exc
    exif = image.getexif()
    taken_at = _exif_time(exif, zone)
    latitude, longitude = _exif_position(exif)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    return PreparedPhoto(
        image=_jpeg(upright, PHOTO_MAX_SIDE, "foto.jpg", exif),
        thumbnail=_jpeg(upright, THUMBNAIL_SIDE, "foto.jpg", None),
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
