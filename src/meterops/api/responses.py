"""What every part of the device API answers: the error responses, the JSON of a user or
customer, and the answer of a write the app may race (a 409 with both versions, a resend kept
once)."""

import zoneinfo
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.responses import Status

from . import schemas as s
from . import services

ERRORS = {401: s.ErrorOut, 403: s.ErrorOut, 404: s.ErrorOut, 409: s.ErrorOut, 422: s.ErrorOut}


def user_out(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name() or user.username,
        "roles": sorted(user.role_codes),
        "unit": user.unit.name if user.unit_id else "",
        "contractor": user.contractor.name if user.contractor_id else "",
    }


def customer_out(customer) -> dict:
    meter = getattr(customer, "current_meter_row", None)
    if meter is None and not hasattr(customer, "current_meter_row"):
        meter = customer.current_meter
    return {
        "id": customer.pk,
        "customer_id": customer.customer_id,
        "name": customer.name,
        "address": customer.address,
        "tariff": customer.tariff,
        "power_va": customer.power_va,
        "latitude": customer.latitude,
        "longitude": customer.longitude,
        "meter_number": meter.meter_number if meter else None,
        "meter_brand": meter.brand if meter else None,
    }


def aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, zoneinfo.ZoneInfo("UTC"))
    return moment


def changed_since(record, version: datetime) -> bool:
    """The record was written after the app fetched it (``version`` is its ``updated_at`` then)."""
    return abs((record.updated_at - aware(version)).total_seconds()) > 0.001


def conflict(record, payload, *, reference: str, server: dict | None = None) -> tuple[int, dict]:
    """The 409 answer: the officer's entry and the server's record, side by side."""
    state = record.get_state_display()
    server = server or {
        "id": record.pk,
        "reference": reference,
        "state": record.state,
        "state_label": str(state),
        "version": record.updated_at.isoformat(),
    }
    message = _("%(ref)s sudah berubah di server (%(state)s) sejak daftar kerja diambil.") % {
        "ref": reference,
        "state": state,
    }
    return 409, {
        "code": "conflict",
        "message": message,
        "yours": payload.model_dump(mode="json"),
        "server": server,
    }


def write_once(*, user, payload, operation: str, subject: str, write) -> Status:
    """Run ``write`` for a work-list entry at most once per client id (``services.idempotent``).

    A conflict (409) is not stored as the answer: after reloading, the same entry may go again.
    A resend of a stored 201 answers 200 with the first answer.
    """
    status, body = services.idempotent(
        user=user, client_id=payload.client_id, operation=operation, subject=subject, write=write
    )
    if status == 409:
        services.forget_write(user=user, client_id=payload.client_id)
    return Status(200 if body.get("replayed") and status == 201 else status, body)
