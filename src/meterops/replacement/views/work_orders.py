"""Cetak PK, Monitoring Cetak PK, Distribusi PK, Data APP Ganti (seed 000)."""

import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.forms import CustomerIdForm
from meterops.core.models import User, unit_time_zone
from meterops.core.replica import reads_from_replica
from meterops.core.services import field_officers_for, require_role
from meterops.customers.meter_readings import latest_readings
from meterops.documents.work_orders import render_work_orders

from .. import exports, printing, queries, services
from ..choices import OPEN_WORK_ORDER, TargetState, WorkOrderStatus
from ..forms import AssignForm, ReplacementForm, WorkOrderFilterForm
from .targets import _page


def _overdue_days(user) -> int:
    return user.unit_settings().overdue_work_order_days


# The service names the new meter's fields as the field app does; the form as HOME's page does.
NEW_METER_FIELDS = {"new_meter_number": "meter_number", "new_meter_vkrn": "vkrn"}


@login_required
def workorder_print_list(request):
    """Cetak PK: verified targets waiting for their work order, and the batch just printed."""
    require_role(request.user, services.PRINTER_ROLES)
    targets = queries.targets_in_state(request.user, TargetState.VERIFIED)
    return render(
        request,
        "replacement/workorder_print_list.html",
        {"page": _page(request, targets, 100), **_print_context(request)},
    )


def _print_context(request) -> dict:
    """A fresh key for the page's print forms, and the batch named by ``?printed=`` with its
    work orders, for the download link."""
    context = {"print_key": uuid.uuid4().hex}
    printed = request.GET.get("printed", "")
    # An id too long for the column is no batch of theirs, not an error.
    known = printed.isdigit() and len(printed) <= 18
    batch = printing.batch_for(request.user, int(printed)) if known else None
    if batch is not None:
        numbers = printing.batch_work_orders(request.user, batch).values_list("number", flat=True)
        context.update(printed_batch=batch, printed_numbers=list(numbers))
    return context


def _print(request, targets, back: str):
    """Print ``targets`` once per submitted form, then back to the list (refreshed), which
    offers the batch's PDF."""
    key = printing.request_key(request.POST.get("print_key", ""), targets)
    try:
        batch, fresh = printing.print_batch(targets=targets, actor=request.user, key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if fresh:
        count = batch.prints.count()
        messages.success(request, _("%(n)d PK dicetak.") % {"n": count})
    return redirect(f"{reverse(back)}?printed={batch.pk}")


@require_POST
@login_required
def workorders_print(request):
    """Cetak PK for the ticked targets (a reprint keeps the numbers)."""
    require_role(request.user, services.PRINTER_ROLES)
    ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    targets = list(queries.targets_for(request.user).filter(pk__in=ids))
    if not targets:
        messages.error(request, _("Pilih minimal satu target untuk dicetak PK-nya."))
        return redirect("replacement:workorder_print_list")
    return _print(request, targets, "replacement:workorder_print_list")


@login_required
def print_batch_pdf(request, pk):
    """The PDF of one press of Cetak PK, as it was printed: fetching it again is no reprint."""
    batch = printing.batch_for(request.user, pk)
    work_orders = printing.batch_work_orders(request.user, batch) if batch else []
    if not work_orders:
        raise Http404
    name = "pk.pdf" if len(work_orders) > 1 else f"{work_orders[0].number.replace('/', '-')}.pdf"
    response = HttpResponse(render_work_orders(work_orders), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@reads_from_replica
def workorder_list(request):
    """Monitoring Cetak PK: every work order with its state; overdue ones in red."""
    form = WorkOrderFilterForm(request.GET or None, user=request.user)
    overdue_days = _overdue_days(request.user)
    work_orders = queries.work_orders_for(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["unit"]:
            work_orders = work_orders.filter(unit__path__startswith=data["unit"].path)
        if data["q"]:
            work_orders = work_orders.filter(
                Q(number__icontains=data["q"])
                | Q(target__customer__customer_id__startswith=data["q"])
            )
        if data["status"]:
            work_orders = work_orders.in_status(data["status"], overdue_days)
    work_orders = work_orders.with_status(overdue_days)
    if request.GET.get("export") == "xlsx":
        return exports.work_orders_xlsx(work_orders)
    counts = _counts_per_unit(work_orders)
    page = _page(request, work_orders.order_by("-printed_at", "-id"), 50)
    return render(
        request,
        "replacement/workorder_list.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "overdue_days": overdue_days,
            "statuses": WorkOrderStatus.choices,
            **_print_context(request),
        },
    )


def _counts_per_unit(work_orders) -> list[dict]:
    """Work orders per unit and status; a single grouped query over the filtered rows."""
    rows = work_orders.order_by().values("unit__name", "current_status").annotate(n=Count("pk"))
    per_unit: dict[str, Counter] = {}
    for row in rows:
        per_unit.setdefault(row["unit__name"], Counter())[row["current_status"]] += row["n"]
    return [
        {
            "unit": unit,
            **{status: counter[status] for status in WorkOrderStatus.values},
            "total": sum(counter.values()),
        }
        for unit, counter in sorted(per_unit.items())
    ]


@require_POST
@login_required
def workorder_reprint(request, pk):
    """Monitoring Cetak PK: reprint one work order (same number; the reprint is counted)."""
    work_order = queries.work_orders_for(request.user).filter(pk=pk).first()
    if work_order is None:
        raise Http404
    require_role(request.user, services.PRINTER_ROLES)
    return _print(request, [work_order.target], "replacement:workorder_list")


@login_required
def workorder_distribution(request):
    """Distribusi PK: hand printed work orders to field officers, several at once."""
    require_role(request.user, services.DISTRIBUTOR_ROLES)
    work_orders = (
        queries.work_orders_for(request.user)
        .filter(target__state__in=OPEN_WORK_ORDER)
        .order_by("printed_at", "id")
    )
    page = _page(request, work_orders, 50)
    officers = _officers(request.user, page.object_list)
    form = AssignForm(request.POST or None, officers=officers)
    if request.method == "POST" and form.is_valid():
        ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
        chosen = list(work_orders.filter(pk__in=ids))
        if not chosen:
            messages.error(request, _("Pilih minimal satu PK untuk didistribusikan."))
        else:
            try:
                services.assign_work_orders(
                    work_orders=chosen, actor=request.user, officer=form.cleaned_data["officer"]
                )
                messages.success(
                    request,
                    _("%(n)d PK diberikan kepada %(who)s.")
                    % {"n": len(chosen), "who": _person(form.cleaned_data["officer"])},
                )
                return redirect("replacement:workorder_distribution")
            except DomainError as exc:
                messages.error(request, exc.message)
    return render(request, "replacement/workorder_distribution.html", {"page": page, "form": form})


def _person(user: User) -> str:
    return user.get_full_name() or user.username


def _officers(user, work_orders):
    units = {w.unit for w in work_orders} or ({user.unit} if user.unit_id else set())
    officers = User.objects.none()
    for unit in units:
        officers = officers | field_officers_for(unit, actor=user)
    return officers.distinct().order_by("username")


@login_required
def replacement_list(request):
    """Data APP Ganti: every recorded replacement of the user's units."""
    replacements = queries.replacements_for(request.user).order_by("-replaced_on", "-id")
    query = request.GET.get("q", "").strip()
    if query:
        replacements = replacements.filter(
            Q(target__customer__customer_id__startswith=query) | Q(new_meter__meter_number=query)
        )
    return render(
        request,
        "replacement/replacement_list.html",
        {
            "page": _page(request, replacements),
            "q": query,
            "can_record": request.user.has_role(*services.REPLACER_ROLES),
        },
    )


@login_required
def replacement_create(request):
    """Tambah Baru: find the customer's open work order by IDPEL, record the new meter."""
    require_role(request.user, services.REPLACER_ROLES)
    lookup = CustomerIdForm(request.GET or None)
    target = None
    if lookup.is_valid():
        target = (
            queries.targets_in_state(request.user, *OPEN_WORK_ORDER)
            .filter(customer__customer_id=lookup.cleaned_data["customer_id"])
            .first()
        )
        if target is None:
            lookup.add_error(
                "customer_id",
                _("Tidak ada PK terbuka (sudah dicetak, belum diganti) untuk IDPEL ini."),
            )
    officers = field_officers_for(target.unit, actor=request.user) if target else None
    form = ReplacementForm(
        request.POST or None,
        request.FILES or None,
        officers=officers if officers is not None else User.objects.none(),
    )
    if target is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_replacement(
                target=target,
                actor=request.user,
                officer=data["officer"],
                new_meter=services.NewMeter(
                    brand=data["brand"],
                    model=data["model"],
                    meter_number=data["meter_number"],
                    serial_number=data["serial_number"],
                    initial_reading=data["initial_reading"],
                    seal_numbers=data["seal_numbers"],
                    vkrn=data["vkrn"],
                ),
                old_final_reading=data["old_final_reading"],
                replaced_on=data["replaced_on"],
                photos=data["photos"],
                low_reading_reason=data["low_reading_reason"],
            )
        except DomainError as exc:
            field = NEW_METER_FIELDS.get(getattr(exc, "field", None), getattr(exc, "field", None))
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Penggantian meter %(idpel)s tersimpan; proses selesai.")
                % {"idpel": target.customer.customer_id},
            )
            return redirect("replacement:target_detail", pk=target.pk)
    if target is not None and not request.POST and getattr(target, "work_order", None):
        form.initial["officer"] = target.work_order.assigned_to_id
    return render(
        request,
        "replacement/replacement_form.html",
        {"lookup": lookup, "target": target, "form": form, **_entry_facts(target)},
    )


def _entry_facts(target) -> dict:
    """The PK's print date and the old meter's last stan, which the entry is checked against."""
    if target is None:
        return {}
    zone = ZoneInfo(unit_time_zone(target.unit_id))
    latest = latest_readings([target.customer_id]).get(target.customer_id)
    return {
        "printed_on": timezone.localtime(target.work_order.printed_at, zone).date(),
        "last_reading": services.last_reading_of(target, latest, zone),
    }
