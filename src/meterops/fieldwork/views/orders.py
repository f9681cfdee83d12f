"""Pages of the supervision of contractors' field work (seed 004): orders of every kind and
prepaid sampling (§III). Thin: parse, call, render. The other sections' pages are beside this
module (reading supervision §I, routes §IV, notices §V, arrears §VI)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError, InvalidInput
from meterops.core.media import serve_file
from meterops.core.services import field_officers_for, require_role

from .. import forms, queries, services
from ..choices import OPEN_STATES, OrderKind, OrderState
from ..models import FieldOrder

SUPERVISORS = services.ISSUERS
PAGE_SIZE = 25


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _current_period() -> str:
    return timezone.localdate().strftime("%Y%m")


def _selected(request, queryset):
    ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    return queryset.filter(pk__in=ids)


# --- Orders of every kind -----------------------------------------------------------------


@login_required
def order_list(request):
    """Order Lapangan: every order of the user's units; the officer sees their own."""
    kind, state = request.GET.get("kind", ""), request.GET.get("state", "")
    orders = queries.orders_for(
        request.user,
        kind=kind if kind in OrderKind.values else "",
        state=state if state in OrderState.values else "",
    )
    can_assign = request.user.has_role(*services.ASSIGNERS)
    unit = request.user.home_unit()
    assign_form = (
        forms.AssignForm(officers=field_officers_for(unit, actor=request.user))
        if can_assign and unit
        else None
    )
    page = _page(request, orders)
    zones = services.unit_zones(o.unit_id for o in page)
    for o in page:
        o.zone = zones[o.unit_id]  # each deadline in its own unit's zone
    return render(
        request,
        "fieldwork/order_list.html",
        {
            "page": page,
            "kinds": OrderKind.choices,
            "states": OrderState.choices,
            "kind": kind,
            "state": state,
            "assign_form": assign_form,
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def orders_assign(request):
    require_role(request.user, services.ASSIGNERS)
    unit = request.user.home_unit()
    officers = field_officers_for(unit, actor=request.user)
    form = forms.AssignForm(request.POST, officers=officers)
    if form.is_valid():
        try:
            n = services.assign_orders(
                actor=request.user,
                orders=_selected(request, FieldOrder.objects.all()),
                officer=form.cleaned_data["officer"],
                planned_on=form.cleaned_data["planned_on"],
            )
            messages.success(request, _("%(n)d order ditugaskan.") % {"n": n})
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(request.POST.get("next") or "fieldwork:order_list")


RECORD_FORMS = {
    OrderKind.ACCURACY_CHECK: forms.RegisterPhotoForm,
    OrderKind.PREPAID_SAMPLING: forms.PrepaidSamplingForm,
    OrderKind.NOTICE: forms.NoticeForm,
    OrderKind.DISCONNECTION: forms.DisconnectionForm,
    OrderKind.RECONNECTION: forms.ReconnectionForm,
    OrderKind.DISMANTLING: forms.RegisterPhotoForm,
    OrderKind.P2TL_INSPECTION: forms.InspectionForm,
}


def _record_form(order, data=None, files=None):
    if order.kind == OrderKind.SURVEY:
        return forms.SurveyForm(data, files, unit=order.unit)
    return RECORD_FORMS[order.kind](data, files)


def _record(order, actor, data) -> FieldOrder:
    kind = order.kind
    if kind == OrderKind.ACCURACY_CHECK:
        return services.record_accuracy_check(actor=actor, order=order, **data)
    if kind == OrderKind.PREPAID_SAMPLING:
        return services.record_prepaid_sampling(actor=actor, order=order, **data)
    if kind == OrderKind.NOTICE:
        return services.record_notice(actor=actor, order=order, **data)
    if kind == OrderKind.DISCONNECTION:
        return services.record_disconnection(actor=actor, order=order, **data)
    if kind == OrderKind.RECONNECTION:
        return services.record_reconnection(actor=actor, order=order, **data)
    if kind == OrderKind.DISMANTLING:
        return services.record_dismantling(actor=actor, order=order, **data)
    if kind == OrderKind.P2TL_INSPECTION:
        return services.record_p2tl_inspection(actor=actor, order=order, **data)
    return services.record_survey(actor=actor, order=order, **data)


@login_required
def order_detail(request, pk):
    order = queries.get_order_for(request.user, pk)
    # Times are read and shown in the order's unit's zone, whoever looks (issue #19).
    zone = ZoneInfo(services.unit_zones([order.unit_id])[order.unit_id])
    timezone.activate(zone)
    form = _record_form(order, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            _record(order, request.user, form.cleaned_data)
            messages.success(request, _("Hasil %(ref)s tersimpan.") % {"ref": order.reference})
            return redirect("fieldwork:order_detail", pk=order.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    from meterops.replacement.models import DamageType

    return render(
        request,
        "fieldwork/order_detail.html",
        {
            "order": order,
            "form": form,
            "fail_form": forms.FailForm(),
            "can_record": order.state in OPEN_STATES and request.user.has_role(*services.RECORDERS),
            # A cut made before the payment that withdrew its order may still be recorded.
            "can_record_late_cut": order.withdrawn_by_payment
            and request.user.has_role(*services.RECORDERS),
            "can_verify": order.state in (OrderState.DONE, OrderState.FAILED)
            and request.user.has_role(*services.VERIFIERS),
            "damage_types": DamageType.objects.filter(is_active=True),
            "overdue": order.is_overdue(),
            # The last minute of H+1, as people read a deadline.
            "report_due": (
                services.end_of_next_day(order.done_at, str(zone)) - timedelta(minutes=1)
                if order.done_at and order.kind in services.REPORTED_BY_H_PLUS_1
                else None
            ),
            "zone": zone,
            "events": order.customer.events.filter(verb__startswith="fieldwork.")[:20],
        },
    )


@require_POST
@login_required
def order_fail(request, pk):
    order = queries.get_order_for(request.user, pk)
    form = forms.FailForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput("reason", _("Isi alasan order gagal."))
        services.fail_order(actor=request.user, order=order, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(ref)s dicatat gagal.") % {"ref": order.reference})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:order_detail", pk=order.pk)


@require_POST
@login_required
def order_verify(request, pk):
    order = queries.get_order_for(request.user, pk)
    try:
        services.verify_order(actor=request.user, order=order)
        messages.success(request, _("%(ref)s diverifikasi.") % {"ref": order.reference})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:order_detail", pk=order.pk)


@require_POST
@login_required
def order_to_target(request, pk):
    """Jadikan target ganti meter (HOME), in one action."""
    from meterops.replacement.models import DamageType

    order = queries.get_order_for(request.user, pk)
    damage_type = get_object_or_404(
        DamageType, pk=request.POST.get("damage_type") or 0, is_active=True
    )
    try:
        order = services.anomaly_to_replacement_target(
            actor=request.user, order=order, damage_type=damage_type
        )
        messages.success(
            request,
            _("Target %(ref)s dibuat di HOME.") % {"ref": order.replacement_target.reference},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:order_detail", pk=order.pk)


@login_required
def order_photo(request, pk, field):
    """An order's photo or signature, only to users who may see the order (issue #17)."""
    order = queries.get_order_for(request.user, pk)
    file = getattr(order, "signature" if field == "signature" else "photo")
    return serve_file(file, content_type="image/jpeg")


# --- 2. Prepaid sampling ------------------------------------------------------------------


REFUSALS_SHOWN = 20  # one message per refused IDPEL, up to this many


def _issue_sampling_orders(request):
    form = forms.IssueOrdersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customers, missing = forms.customers_from(request.user, form.cleaned_data["customer_ids"])
        if missing:
            messages.error(
                request,
                _("IDPEL tidak ditemukan di unit Anda: %(ids)s") % {"ids": ", ".join(missing[:10])},
            )
        else:
            try:
                outcome = services.issue_prepaid_sampling_orders(
                    actor=request.user, customers=customers
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                label = OrderKind.PREPAID_SAMPLING.label
                messages.success(
                    request,
                    _("%(n)d order %(label)s diterbitkan.") % {"n": outcome.issued, "label": label},
                )
                refused = sorted(outcome.refused.items())
                for idpel, reason in refused[:REFUSALS_SHOWN]:
                    messages.warning(
                        request,
                        _("IDPEL %(idpel)s tidak diterbitkan: %(reason)s.")
                        % {"idpel": idpel, "reason": reason},
                    )
                if len(refused) > REFUSALS_SHOWN:
                    messages.warning(
                        request,
                        _("%(n)d IDPEL lain juga tidak diterbitkan karena alasan yang sama.")
                        % {"n": len(refused) - REFUSALS_SHOWN},
                    )
                return None, True
    return form, False


@login_required
def prepaid_sampling(request):
    """Sampling Prabayar: PLN lists prepaid customers to check (seed 004 §III)."""
    require_role(request.user, SUPERVISORS)
    form, done = _issue_sampling_orders(request)
    if done:
        return redirect("fieldwork:prepaid_sampling")
    orders = queries.orders_for(request.user, kind=OrderKind.PREPAID_SAMPLING).select_related(
        "anomaly", "replacement_target"
    )
    return render(
        request,
        "fieldwork/prepaid_sampling.html",
        {
            "form": form,
            "page": _page(request, orders),
        },
    )
