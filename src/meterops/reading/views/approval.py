"""Pengesahan Stan Meter, its postings, and the recap (seed 001)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.choices import RoleCode
from meterops.core.errors import DomainError, InvalidInput
from meterops.core.services import require_role
from meterops.customers.queries import get_customer_for

from .. import exports, queries, services
from ..choices import MAX_HOURS_ON, ReadingState
from ..forms import DayPeriodForm, ReasonForm, RecapFilterForm, current_period
from .readings import _day_period_url

RECAP_ROLES = (
    RoleCode.ADMIN,
    RoleCode.UNIT_ADMIN,
    RoleCode.SUPERVISOR,
    RoleCode.READING_APPROVER,
    RoleCode.CONTRACTOR_ADMIN,
)


@login_required
def approval(request):
    """Choose a reading day; see its counts; Sah/Setuju; cancel; download postings."""
    require_role(request.user, (RoleCode.READING_APPROVER,))
    form = DayPeriodForm(request.GET or None, actor=request.user)
    context = {"form": form, "reason_form": ReasonForm()}
    if form.is_valid():
        day, period = form.cleaned_data["reading_day"], form.cleaned_data["period"]
        readings = queries.day_readings(request.user, day, period)
        context.update(
            reading_day=day,
            period=period,
            counts=queries.reading_day_counts(day, period),
            blocked=readings.filter(state=ReadingState.SENT, hours_on__gt=MAX_HOURS_ON),
            approved=Paginator(readings.filter(state=ReadingState.APPROVED), 100).get_page(
                request.GET.get("page")
            ),
            postings=queries.postings_of(day, period),
            can_approve=services.can_approve(request.user, day),
            max_hours_on=MAX_HOURS_ON,
        )
    return render(request, "reading/approval.html", context)


def _posted_day(request):
    form = DayPeriodForm(request.POST, actor=request.user)
    if not form.is_valid():
        raise Http404  # a reading day outside the user's units

    return form.cleaned_data["reading_day"], form.cleaned_data["period"]


@require_POST
@login_required
def approval_approve(request):
    """Sah/Setuju: every reading in "belum disahkan" not held back by its jam nyala."""
    day, period = _posted_day(request)
    if not services.can_approve(request.user, day):
        raise PermissionDenied
    try:
        result = services.approve_reading_day(actor=request.user, reading_day=day, period=period)
        messages.success(
            request,
            _("Sukses: %(n)s pelanggan disahkan (posting %(p)s); %(b)s tertahan jam nyala.")
            % {
                "n": result.approval.approved_count,
                "p": result.approval.posting.number,
                "b": result.approval.blocked_count,
            },
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_day_period_url("reading:approval", day, period))


@require_POST
@login_required
def approval_cancel(request):
    """Pembatalan pengesahan of one customer (``reading``) or of the whole reading day."""
    day, period = _posted_day(request)
    if not services.can_approve(request.user, day):
        raise PermissionDenied
    reason = ReasonForm(request.POST)
    try:
        if not reason.is_valid():
            raise InvalidInput("reason", _("Isi alasan pembatalan."))
        text = reason.cleaned_data["reason"]
        if request.POST.get("reading"):
            reading = get_object_or_404(
                queries.readings_for(request.user).filter(reading_day=day, period=period),
                pk=request.POST["reading"],
            )
            services.cancel_approval(actor=request.user, reading=reading, reason=text)
            count = 1
        else:
            count = services.cancel_reading_day_approval(
                actor=request.user, reading_day=day, period=period, reason=text
            )
        messages.success(request, _("Pengesahan %(n)s pelanggan dibatalkan.") % {"n": count})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_day_period_url("reading:approval", day, period))


@login_required
def posting_download(request, pk):
    """The posting 1 fungsi 2 file for billing, in the fixed format of docs/READING.md."""
    posting = queries.get_posting_for(request.user, pk)
    require_role(request.user, (RoleCode.READING_APPROVER,))
    response = StreamingHttpResponse(
        exports.posting_lines(posting), content_type="text/plain; charset=ascii"
    )
    response["Content-Disposition"] = f'attachment; filename="{posting.number}.txt"'
    return response


@require_POST
@login_required
def posting_taken(request, pk):
    """Record that AP2T took the posting: its approvals can no longer be cancelled."""
    posting = queries.get_posting_for(request.user, pk)
    reading_day = posting.approval.reading_day
    if not services.can_approve(request.user, reading_day):
        raise PermissionDenied
    services.mark_posting_taken(actor=request.user, posting=posting)
    messages.success(request, _("Posting %(p)s ditandai sudah diambil AP2T.") % {"p": posting})
    return redirect(_day_period_url("reading:approval", reading_day, posting.approval.period))


# --- Rekap ---------------------------------------------------------------------------------


@login_required
def recap(request):
    """Per unit and reading day of a BLTH: sudah vs belum disahkan, with drill-down."""
    require_role(request.user, RECAP_ROLES)
    form = RecapFilterForm(request.GET or {"period": current_period()})
    rows = queries.recap_rows(request.user, form.cleaned_data["period"]) if form.is_valid() else []
    if form.is_valid() and request.GET.get("format") == "xlsx":
        return exports.recap_xlsx(rows, form.cleaned_data["period"])
    return render(request, "reading/recap.html", {"form": form, "rows": rows})


@login_required
def recap_detail(request, pk):
    """Drill-down: the customers of one reading day and BLTH with their reading status."""
    require_role(request.user, RECAP_ROLES)
    day = queries.get_reading_day_for(request.user, pk)
    form = RecapFilterForm(request.GET or {"period": current_period()})
    period = form.cleaned_data["period"] if form.is_valid() else current_period()
    customers = queries.recap_customers(day, period)
    state = request.GET.get("state", "")
    if state == "approved":
        customers = customers.filter(reading_state=ReadingState.APPROVED)
    elif state == "not_approved":
        customers = customers.filter(
            Q(reading_state__isnull=True) | ~Q(reading_state=ReadingState.APPROVED)
        )
    page = Paginator(customers, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "reading/recap_detail.html",
        {
            "reading_day": day,
            "period": period,
            "page": page,
            "state": state,
            "states": dict(ReadingState.choices),
        },
    )


@login_required
def customer_readings(request, pk):
    """One customer's readings by BLTH, each with its history: its status in the process."""
    customer = get_customer_for(request.user, pk)
    readings = list(queries.customer_readings(customer)[:12])
    return render(
        request,
        "reading/customer_readings.html",
        {"customer": customer, "readings": readings},
    )
