"""Pengesahan Stan Meter, its postings, and the recap (seed 001)."""

from django.conf import settings
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
from meterops.core.replica import reads_from_replica
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.models import Route
from meterops.customers.queries import get_customer_for

from .. import exports, queries, services
from ..choices import ApprovalScope, ReadingState
from ..forms import ApprovalFilterForm, DayPeriodForm, ReasonForm, RecapFilterForm, current_period
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
    """The readings of a reading day (or RBM) with their flags and both verifications, the
    customers still waiting and why; Sah/Setuju; cancel; postings. Opens on the oldest BLTH
    with readings waiting (seed 001)."""
    require_role(request.user, (RoleCode.READING_APPROVER,))
    form = ApprovalFilterForm(_opening(request), actor=request.user)
    context = {
        "form": form,
        "reason_form": ReasonForm(),
        "pending_days": queries.pending_days(request.user),
    }
    if form.is_valid():
        day, period = form.cleaned_data["reading_day"], form.cleaned_data["period"]
        route = form.cleaned_data["route"]
        pattern = services.approval_pattern(day)
        readings = _filtered(form, queries.day_readings(request.user, day, period))
        if request.GET.get("format") == "xlsx":
            return exports.approval_xlsx(
                queries.readings_with_verifications(readings), pattern, day, period
            )
        page = Paginator(queries.readings_with_verifications(readings), 50).get_page(
            request.GET.get("page")
        )
        by_route = pattern.approval_scope == ApprovalScope.ROUTE
        can_press = route is not None or not by_route
        if can_press:
            check = services.approvable(
                reading_day=day, period=period, route=route if by_route else None
            )
        else:
            check = services.reading_day_overview(reading_day=day, period=period)
        waiting = list(check.waiting[:WAITING_SHOWN])
        to_approve = check.pending.count() if can_press else 0
        for customer in waiting:
            customer.step = check.step(customer.reading_state)
        context.update(
            reading_day=day,
            period=period,
            route=route,
            pattern=pattern,
            by_route=by_route,
            can_press=can_press,
            counts=queries.reading_day_counts(day, period, route if by_route else None),
            waiting=waiting,
            to_approve=to_approve,
            page=page,
            rows=queries.verification_rows(
                page.object_list, supervisor_required=pattern.supervisor_verification_required
            ),
            filter_query=_filter_query(form.data),
            postings=queries.postings_of(day, period),
            can_approve=services.can_approve(request.user, day),
        )
    return render(request, "reading/approval.html", context)


WAITING_SHOWN = 100


def _opening(request):
    """The filter as asked, or else the reading day and BLTH with readings waiting longest,
    or else the user's first reading day in the current BLTH."""
    data = request.GET.copy()
    data.pop("page", None)
    if data.get("reading_day") and data.get("period"):
        return data
    day_id = data.get("reading_day")
    if day_id and not day_id.isdigit():
        return data  # the form refuses it
    found = queries.pending_approval(request.user, reading_day_id=day_id or None)
    if found is None:
        day_id = day_id or getattr(queries.first_reading_day(request.user), "pk", None)
        if day_id is None:
            return None
        # The middleware made the unit's zone current: its month, not the server's.
        found = (day_id, current_period())
    data["reading_day"], data["period"] = found
    return data


def _filtered(form, readings):
    data = form.cleaned_data
    if data["route"]:
        readings = readings.filter(customer__route=data["route"])
    if data["state"]:
        readings = readings.filter(state=data["state"])
    if data["flag"]:
        readings = readings.filter(**{data["flag"]: True})
    if data["customer_id"]:
        readings = readings.filter(customer__customer_id__startswith=data["customer_id"])
    return readings


def _filter_query(data) -> str:
    """The filter in force (the opening one too) as a query string, for the export link."""
    query = data.copy()
    query.pop("format", None)
    return query.urlencode()


def _posted_day(request):
    form = DayPeriodForm(request.POST, actor=request.user)
    if not form.is_valid():
        raise Http404  # a reading day outside the user's units
    return form.cleaned_data["reading_day"], form.cleaned_data["period"]


def _posted_route(request):
    """The RBM a per-RBM approval names; one outside the user's units does not exist (404)."""
    value = request.POST.get("route", "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(scoped(Route, request.user), pk=value)


def _back(day, period, route=None) -> str:
    url = _day_period_url("reading:approval", day, period)
    return f"{url}&route={route.pk}" if route else url


@require_POST
@login_required
def approval_approve(request):
    """Sah/Setuju: the readings in "belum disahkan" of the day or RBM, by the unit's pattern."""
    day, period = _posted_day(request)
    route = _posted_route(request)
    if not services.can_approve(request.user, day):
        raise PermissionDenied
    try:
        result = services.approve_reading_day(
            actor=request.user, reading_day=day, period=period, route=route
        )
        messages.success(
            request,
            _("Sukses: %(n)s pelanggan disahkan (posting %(p)s); %(b)s tertahan.")
            % {
                "n": result.approval.approved_count,
                "p": result.approval.posting.number,
                "b": result.approval.blocked_count,
            },
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_back(day, period, route))


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
@reads_from_replica
def recap(request):
    """Per unit and reading day of a BLTH: sudah vs belum disahkan, with drill-down."""
    require_role(request.user, RECAP_ROLES)
    form = RecapFilterForm(request.GET or {"period": current_period()})
    rows, counted_at = [], None
    if form.is_valid():
        rows, counted_at = queries.recap_rows(request.user, form.cleaned_data["period"])
    if form.is_valid() and request.GET.get("format") == "xlsx":
        return exports.recap_xlsx(rows, form.cleaned_data["period"])
    return render(
        request,
        "reading/recap.html",
        {
            "form": form,
            "rows": rows,
            "counted_at": counted_at,
            "minutes": settings.TALLY_MAX_AGE // 60,
        },
    )


@login_required
@reads_from_replica
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
