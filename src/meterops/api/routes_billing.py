"""The billing system (AP2T) pulls approved postings and acknowledges them (seed 001: "Data
sudah posting 1 pada fungsi 2"); the file format is in docs/API.md.

AP2T logs in like the field app, as a user with the role ``billing_system`` in a unit: it sees
the postings of that unit and the units below. ``reading.services`` decides (fetching records
the first pull; a confirmation needs a pull and is answered the same when repeated); this
module only shapes the answers.
"""

from datetime import datetime

from django.http import StreamingHttpResponse
from ninja import Router, Schema

from meterops.reading import exports
from meterops.reading import services as reading

from . import schemas as s
from .responses import ERRORS

router = Router(tags=["AP2T"])


class PostingOut(Schema):
    number: str
    unit_code: str
    period: str
    reading_day: str
    route: str
    created_at: datetime
    pulled_at: datetime | None
    taken_at: datetime | None


class PostingListOut(Schema):
    postings: list[PostingOut]


def _posting_out(posting) -> dict:
    approval = posting.approval
    return {
        "number": posting.number,
        "unit_code": posting.unit.code,
        "period": approval.period,
        "reading_day": approval.reading_day.code,
        "route": approval.route.code if approval.route_id else "",
        "created_at": posting.created_at,
        "pulled_at": posting.pulled_at,
        "taken_at": posting.taken_at,
    }


@router.get("/billing/postings", response={200: PostingListOut, **ERRORS})
def billing_postings(request):
    """The approved postings of the user's units AP2T has not confirmed yet, oldest first."""
    postings = reading.postings_for_billing(request.user)[:500]
    return {"postings": [_posting_out(p) for p in postings]}


@router.get(
    "/billing/postings/{number}/file",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"content": {"text/plain": {"schema": {"type": "string"}}}}}},
)
def billing_posting_file(request, number: s.Text(40, 1)):
    """The posting's fixed-width file (docs/API.md); the first fetch is recorded, after which
    the approver can no longer cancel its approvals."""
    posting = reading.pull_posting(actor=request.user, number=number)
    response = StreamingHttpResponse(
        exports.posting_lines(posting), content_type="text/plain; charset=ascii"
    )
    response["Content-Disposition"] = f'attachment; filename="{posting.number}.txt"'
    return response


@router.post("/billing/postings/{number}/ack", response={200: PostingOut, **ERRORS})
def billing_posting_ack(request, number: s.Text(40, 1)):
    """AP2T confirms it took a posting it fetched; the same again answers the same time."""
    return _posting_out(reading.acknowledge_posting(actor=request.user, number=number))
