"""KRN-2 key-change targets (seed 003) on the officer's work list: the outcome and the 0 kWh
test token.

The officer enters the KCT pair on the meter and reports one of: the "04 enter" display (checked
against the brand's Lampiran I row by ``confirm_key_change``), the meter's answer to the zero-value
test token (``confirm_by_zero_token``), or a failure with its reason
(``report_key_change_failure``). The keychange services decide; this module only checks the input.
"""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from meterops.core.errors import InvalidInput
from meterops.core.scoping import scoped

from . import schemas as s
from .responses import ERRORS, changed_since, conflict, write_once

router = Router()

FailureCode = Literal["invalid", "parameters_changed", "meter_not_found", "customer_refused"]


class KctOutcomeIn(Schema):
    """What happened at the meter. ``result`` says which of the other fields count."""

    client_id: uuid.UUID
    version: datetime
    result: Literal["display", "zero_token", "failed"]
    display: s.Text(40) = ""
    zero_token_answer: Literal["accepted", "used", "invalid"] | None = None
    reason: FailureCode | None = None
    note: s.Text(500) = ""
    supply_group: Annotated[str, Field(pattern=r"^(\d{6})?$")] = ""
    tariff_index: Annotated[str, Field(pattern=r"^(\d{2})?$")] = ""


class KctOutcomeOut(Schema):
    id: int
    reference: str
    state: str
    state_label: str
    proof: str
    failure_reason: str
    replayed: bool = False


class ZeroTokenOut(Schema):
    id: int
    reference: str
    test_token: str
    formatted: str
    issued_at: datetime | None


def _target(user, target_id: int):
    from meterops.keychange.models import CampaignTarget

    if not 1 <= target_id <= s.MAX_ID:
        raise Http404
    return get_object_or_404(
        scoped(CampaignTarget, user).select_related("customer", "meter"),
        pk=target_id,
        assigned_to=user,
    )


def _record(user, target, payload: KctOutcomeIn):
    """Call the keychange service of the officer's answer."""
    from meterops.keychange import services as keychange

    if payload.result == "display":
        if not payload.display:
            raise InvalidInput("display", _("Isi tampilan meter setelah 04 enter."))
        return keychange.confirm_key_change(actor=user, target=target, display=payload.display)
    if payload.result == "zero_token":
        if payload.zero_token_answer is None:
            raise InvalidInput("zero_token_answer", _("Pilih jawaban meter atas token uji 0 kWh."))
        return keychange.confirm_by_zero_token(
            actor=user, target=target, answer=payload.zero_token_answer
        )
    if payload.reason is None:
        raise InvalidInput("reason", _("Pilih alasan gagal."))
    return keychange.report_key_change_failure(
        actor=user,
        target=target,
        reason=payload.reason,
        note=payload.note,
        supply_group=payload.supply_group,
        tariff_index=payload.tariff_index,
    )


@router.post(
    "/kct-targets/{target_id}/outcome",
    response={201: KctOutcomeOut, 200: KctOutcomeOut, **ERRORS, 409: s.ConflictOut},
    tags=["pekerjaan"],
)
def kct_target_outcome(request, target_id: int, payload: KctOutcomeIn):
    """Berhasil (display or test-token answer) or Gagal with a reason, for a KCT target of the
    work list. ``version`` is the item's ``version``: a changed target answers 409 with both;
    a display that does not match the brand's is refused (409, the keychange error)."""
    user = request.user

    def write():
        target = _target(user, target_id)
        if changed_since(target, payload.version):
            return conflict(target, payload, reference=target.reference)
        target = _record(user, target, payload)
        return 201, {
            "id": target.pk,
            "reference": target.reference,
            "state": target.state,
            "state_label": str(target.get_state_display()),
            "proof": target.proof,
            "failure_reason": target.failure_reason,
        }

    return write_once(
        user=user,
        payload=payload,
        operation="kct_target_outcome",
        subject=f"target KCT {target_id}",
        write=write,
    )


@router.post(
    "/kct-targets/{target_id}/zero-token",
    response={200: ZeroTokenOut, **ERRORS},
    tags=["pekerjaan"],
)
def kct_zero_token(request, target_id: int):
    """The 0 kWh test token made with the new key, to prove the meter took the KCT. Made once
    per KCT pair: asking again answers the same token, so a resend is harmless."""
    from meterops.keychange import services as keychange

    target = _target(request.user, target_id)
    kct = keychange.issue_zero_token(actor=request.user, target=target)
    return {
        "id": target.pk,
        "reference": target.reference,
        "test_token": kct.test_token,
        "formatted": kct.formatted_test_token,
        "issued_at": kct.test_token_at,
    }
