"""Prepaid installations (seed 002, Bab 2 step 5) on the officer's work list: the realisation.

The officer sends what the web form takes (``prepaid.forms.InstallationForm``): the installation
date and, as photos from the phone's camera, the signed BA pasang, the signed SPJBTL and an
optional photo of the work, in that order in ``photo_ids``. ``prepaid.services
.record_installation`` decides, as for the web (who, state, scans, date), and marks the tokens
entered; PDL stays with the office. This module only finds the application and maps the photos.
"""

import uuid
from datetime import date, datetime

from django.http import Http404
from ninja import Field, Router, Schema

from meterops.prepaid import queries as prepaid_queries
from meterops.prepaid import services as prepaid
from meterops.prepaid.choices import RequestState, TokenStatus

from . import schemas as s
from . import services
from .responses import ERRORS, changed_since, conflict, write_once

router = Router()
# photo_ids[0], [1], [2]: the arguments of record_installation they fill, and the names its
# refusals give the field (report_scan, contract_scan, photo).
PHOTO_ROLES = ("report_scan", "contract_scan", "photo")


class InstallationIn(Schema):
    """The realisation: ``photo_ids`` are the BA pasang, the SPJBTL, then an optional photo."""

    client_id: uuid.UUID
    version: datetime
    installed_on: date
    photo_ids: list[s.Id] = Field(default_factory=list, max_length=len(PHOTO_ROLES))


class InstallationOut(Schema):
    id: int
    reference: str
    state: str
    state_label: str
    installed_on: date
    tokens_entered: int
    replayed: bool = False


@router.post(
    "/prepaid-requests/{application_id}/installation",
    response={201: InstallationOut, 200: InstallationOut, **ERRORS, 409: s.ConflictOut},
    tags=["pekerjaan"],
)
def prepaid_installation(request, application_id: int, payload: InstallationIn):
    """Realisasi pemasangan of a prepaid PK of the work list. ``version`` is the item's
    ``version``: an application still waiting but changed since answers 409 with both; one
    cancelled or already installed meanwhile is refused by the service with its reason (409)."""
    user = request.user
    if not 1 <= application_id <= s.MAX_ID:
        raise Http404

    def write():
        application = prepaid_queries.get_installation_for(user, application_id)
        if application.state == RequestState.ASSIGNED and changed_since(
            application, payload.version
        ):
            return conflict(application, payload, reference=application.request_number)
        files = (
            services.photos_for_write(user=user, ids=payload.photo_ids) if payload.photo_ids else []
        )
        named = dict(zip(PHOTO_ROLES, files, strict=False))
        try:
            application = prepaid.record_installation(
                request=application,
                actor=user,
                installed_on=payload.installed_on,
                report_scan=named.get("report_scan"),
                contract_scan=named.get("contract_scan"),
                photo=named.get("photo"),
            )
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, {
            "id": application.pk,
            "reference": application.request_number,
            "state": application.state,
            "state_label": str(application.get_state_display()),
            "installed_on": application.installed_on.isoformat(),
            "tokens_entered": application.tokens.filter(status=TokenStatus.ENTERED).count(),
        }

    return write_once(
        user=user,
        payload=payload,
        operation="prepaid_installation",
        subject=f"permohonan {application_id}",
        write=write,
    )
