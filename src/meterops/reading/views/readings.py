"""Pages of the reading domain: thin; each calls one query or service (STYLE.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.choices import RoleCode
from meterops.core.errors import DomainError
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.core.views import unit_parameters_page
from meterops.customers.models import Customer

from .. import queries, services
from ..forms import (
    MoveCustomerForm,
    ReadingDayForm,
    ReadingSettingsForm,
    ScheduleRouteForm,
    VerificationFilterForm,
)
from ..models import Reading, ReadingSettings


def _day_period_url(name: str, reading_day, period: str) -> str:
    return f"{reverse(name)}?reading_day={reading_day.pk}&period={period}"


# --- RBM & Hari Baca -----------------------------------------------------------------------


@login_required
def reading_day_list(request):
    """Reading days with their routes; editors add days and move routes between them."""
    can_edit = request.user.has_role(*services.ROUTE_EDITORS)
    day_form = ReadingDayForm(actor=request.user, prefix="day")
    schedule_form = ScheduleRouteForm(actor=request.user, prefix="schedule")
    if request.method == "POST":
        require_role(request.user, services.ROUTE_EDITORS)
        day_form, schedule_form = _save_route_forms(request, day_form, schedule_form)
        if day_form is None:
            return redirect("reading:reading_day_list")
    routes = Paginator(queries.routes_for(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reading/reading_day_list.html",
        {
            "days": queries.reading_days_for(request.user),
            "page": routes,
            "can_edit": can_edit,
            "day_form": day_form,
            "schedule_form": schedule_form,
        },
    )


def _save_route_forms(request, day_form, schedule_form):
    """Save whichever of the two forms was posted; (None, None) once saved."""
    try:
        if "day-code" in request.POST:
            day_form = ReadingDayForm(request.POST, actor=request.user, prefix="day")
            if day_form.is_valid():
                day = services.save_reading_day(actor=request.user, **day_form.cleaned_data)
                messages.success(request, _("Hari baca %(d)s disimpan.") % {"d": day})
                return None, None
        else:
            schedule_form = ScheduleRouteForm(request.POST, actor=request.user, prefix="schedule")
            if schedule_form.is_valid():
                schedule = services.schedule_route(actor=request.user, **schedule_form.cleaned_data)
                messages.success(request, _("RBM %(s)s dijadwalkan.") % {"s": schedule})
                return None, None
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:  # e.g. a reading-day code already used in the ULP
        messages.error(request, " ".join(exc.messages))
    return day_form, schedule_form


@login_required
def route_detail(request, pk):
    """An RBM's customers in reading order; editors move a customer here or reorder."""
    route = queries.get_route_for(request.user, pk)
    routes = queries.routes_for(request.user).filter(unit=route.unit)
    form = MoveCustomerForm(request.POST or None, routes=routes, initial={"route": route})
    if request.method == "POST":
        require_role(request.user, services.ROUTE_EDITORS)
        if form.is_valid():
            customer = (
                scoped(Customer, request.user)
                .filter(customer_id=form.cleaned_data["customer_id"])
                .first()
            )
            if customer is None:
                form.add_error("customer_id", _("IDPEL tidak ditemukan di unit Anda."))
            else:
                try:
                    services.move_customer(
                        actor=request.user,
                        customer=customer,
                        route=form.cleaned_data["route"],
                        sequence=form.cleaned_data["sequence"],
                    )
                    messages.success(request, _("Pelanggan %(c)s dipindah.") % {"c": customer})
                    return redirect("reading:route_detail", pk=route.pk)
                except DomainError as exc:
                    form.add_error(None, exc.message)
    customers = Paginator(queries.route_customers(route), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "reading/route_detail.html",
        {
            "route": route,
            "page": customers,
            "form": form,
            "can_edit": request.user.has_role(*services.ROUTE_EDITORS),
        },
    )


# --- Unggah Stan Meter ---------------------------------------------------------------------


@login_required
def upload(request):
    """Unggah Stan Meter lives on the shared upload pipeline (reading.uploads); old links land
    on its page."""
    require_role(request.user, services.UPLOADERS)
    return redirect("imports:template_stan_meter")


# --- Verifikasi Baca Meter -----------------------------------------------------------------


@login_required
def verification(request):
    """A reading day's readings with flags; vendor and supervisor accept or send back in bulk."""
    form = VerificationFilterForm(request.GET or None, actor=request.user)
    context = {"form": form}
    if form.is_valid():
        day, period = form.cleaned_data["reading_day"], form.cleaned_data["period"]
        readings = queries.day_readings(request.user, day, period)
        if form.cleaned_data["state"]:
            readings = readings.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["flag"]:
            readings = readings.filter(**{form.cleaned_data["flag"]: True})
        user = request.user
        context.update(
            reading_day=day,
            period=period,
            page=Paginator(readings, 100).get_page(request.GET.get("page")),
            counts=queries.reading_day_counts(day, period),
            can_vendor=user.has_role(*services.VENDOR_VERIFIERS),
            can_supervise=user.has_role(*services.SUPERVISOR_VERIFIERS),
            can_reread=user.has_role(*services.REREAD_REQUESTERS),
            to_send=services.readings_to_send(reading_day=day, period=period).count(),
        )
    return render(request, "reading/verification.html", context)


@require_POST
@login_required
def verification_action(request):
    """Apply a bulk action to the ticked readings, or to all with the current filter."""
    form = VerificationFilterForm(request.POST, actor=request.user)
    if not form.is_valid():
        raise Http404
    day, period = form.cleaned_data["reading_day"], form.cleaned_data["period"]
    readings = Reading.objects.filter(reading_day=day, period=period)
    if request.POST.get("scope") == "filtered":
        if form.cleaned_data["state"]:
            readings = readings.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["flag"]:
            readings = readings.filter(**{form.cleaned_data["flag"]: True})
    else:
        readings = readings.filter(pk__in=request.POST.getlist("reading"))
    action = request.POST.get("action")
    if action not in VERIFICATION_ROLES:
        raise Http404
    # Checked before the refusals below turn into messages: without the role, a 403 page.
    require_role(request.user, VERIFICATION_ROLES[action])
    try:
        count = _verification_count(request, action, readings, day, period)
        messages.success(request, _("%(n)s stan diproses.") % {"n": count})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_day_period_url("reading:verification", day, period))


VERIFICATION_ROLES = {
    "vendor": services.VENDOR_VERIFIERS,
    "supervisor": services.SUPERVISOR_VERIFIERS,
    "reread": services.REREAD_REQUESTERS,
    "send": services.SENDERS,
    "estimate": (*services.UPLOADERS, RoleCode.SUPERVISOR),
}


def _verification_count(request, action, readings, day, period) -> int:
    user = request.user
    if action == "vendor":
        return services.verify_readings_as_vendor(actor=user, readings=readings)
    if action == "supervisor":
        return services.verify_readings_as_supervisor(actor=user, readings=readings)
    if action == "reread":
        reason = request.POST.get("reason", "")
        return services.request_rereads(actor=user, readings=readings, reason=reason)
    if action == "send":
        return services.send_reading_day(actor=user, reading_day=day, period=period)
    return services.estimate_missing_readings(actor=user, reading_day=day, period=period)


# --- Parameter Baca Meter --------------------------------------------------------------------


@login_required
def reading_settings(request):
    """The unit's reading parameters, inherited from above until the unit saves its own."""
    require_role(request.user, services.SETTINGS_EDITORS)
    return unit_parameters_page(
        request,
        title=_("Parameter Baca Meter"),
        form_class=ReadingSettingsForm,
        current_for=ReadingSettings.for_unit,
        save=services.update_reading_settings,
        summary=lambda row: (
            _("%(f)s× rata-rata · ±%(w)s hari · %(d)s digit · pengesahan %(s)s%(v)s%(a)s")
            % {
                "f": row.average_factor,
                "w": row.window_days,
                "d": row.register_digits,
                "s": row.get_approval_scope_display().lower(),
                "v": "" if row.supervisor_verification_required else _(", tanpa pengawas"),
                "a": _(", AP2T lewat API") if row.billing_pulls_postings else "",
            }
        ),
        saved=_("Setting baca meter %(unit)s disimpan."),
    )
