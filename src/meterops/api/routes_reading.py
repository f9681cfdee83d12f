"""Readings sent back for re-reading (Baca ulang) on the officer's work list: the new stan.

``reading.services.submit_reading`` decides (role, unit, a stan already approved is locked, the
validation of the period runs again); this module only checks the input and keeps the photo.
"""

import uuid
from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema

from meterops.core.scoping import scoped
from meterops.reading.worklist import reading_reference

from . import schemas as s
from . import services
from .responses import ERRORS, changed_since, conflict, write_once

router = Router()


class RereadIn(Schema):
    """The stan read again, with an LBKB code when the meter could not be read normally."""

    client_id: uuid.UUID
    version: datetime
    register_kwh: s.Register
    anomaly_code: s.Text(10) = ""
    latitude: s.Latitude | None = None
    longitude: s.Longitude | None = None
    photo_ids: list[s.Id] = Field(default_factory=list, max_length=1)


class RereadOut(Schema):
    id: int
    reference: str
    state: str
    state_label: str
    register_kwh: str
    replayed: bool = False


def _record(user, reading, payload: RereadIn, photos: list):
    from meterops.reading import services as reading_services
    from meterops.replacement.photos import kept_photo

    anomaly = services.anomaly_for(payload.anomaly_code.upper())
    customer = reading.customer
    return reading_services.submit_reading(
        actor=user,
        customer=customer,
        period=reading.period,
        register_kwh=payload.register_kwh,
        read_at=timezone.now(),
        anomaly=anomaly,
        photo=kept_photo(photos[0], unit=reading.unit, field="photo_ids"),
        latitude=payload.latitude,
        longitude=payload.longitude,
    )


@router.post(
    "/readings/{reading_id}/reread",
    response={201: RereadOut, 200: RereadOut, **ERRORS, 409: s.ConflictOut},
    tags=["pekerjaan"],
)
def reading_reread(request, reading_id: int, payload: RereadIn):
    """The new stan of a reading sent back for re-reading, with its photo. ``version`` is the
    work-list item's ``version``: a reading changed on the server since answers 409 with both."""
    from meterops.reading.models import Reading

    user = request.user
    if not 1 <= reading_id <= s.MAX_ID:
        raise Http404

    def write():
        reading = get_object_or_404(
            scoped(Reading, user).select_related("customer", "unit"), pk=reading_id
        )
        if changed_since(reading, payload.version):
            return conflict(reading, payload, reference=reading_reference(reading))
        files = services.photos_for_write(user=user, ids=payload.photo_ids)
        try:
            reading = _record(user, reading, payload, files)
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, {
            "id": reading.pk,
            "reference": reading_reference(reading),
            "state": reading.state,
            "state_label": str(reading.get_state_display()),
            "register_kwh": str(reading.register_kwh),
        }

    return write_once(
        user=user,
        payload=payload,
        operation="reading_reread",
        subject=f"bacaan {reading_id}",
        write=write,
    )
