"""Pages of route and substation updating and the route map (seed 004 §IV)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.middleware import allow_images_from
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.models import Customer, Route
from meterops.reading.models import Reading

from .. import forms, queries, services
from ..choices import ProposalState
from .orders import SUPERVISORS, _current_period, _selected


@login_required
def route_update(request):
    """Updating RBM/Gardu: mismatches, surveys, proposals, apply, kWh per RBM per gardu."""
    require_role(request.user, SUPERVISORS)
    customers = scoped(Customer, request.user)
    unit_form = forms.ScorecardFilterForm(
        {
            "period": request.GET.get("period") or _current_period(),
            "unit": request.GET.get("unit", ""),
        },
        user=request.user,
    )
    if unit_form.is_valid() and unit_form.cleaned_data["unit"]:
        customers = customers.filter(unit=unit_form.cleaned_data["unit"])
    mismatches = services.route_substation_mismatches(customers)
    period_form = forms.PeriodForm(request.GET or {"period": _current_period()})
    period = period_form.cleaned_data["period"] if period_form.is_valid() else _current_period()
    report = services.kwh_per_route_substation(scoped(Reading, request.user).filter(period=period))
    proposals = queries.proposals_for(request.user).exclude(state=ProposalState.APPLIED)
    units_with_verified = sorted(
        {p.unit for p in proposals if p.state == ProposalState.VERIFIED}, key=lambda u: u.path
    )
    return render(
        request,
        "fieldwork/route_update.html",
        {
            "mismatches": mismatches,
            "report": report,
            "period": period,
            "period_form": period_form,
            "unit_form": unit_form,
            "proposals": proposals[:200],
            "apply_units": units_with_verified,
        },
    )


@require_POST
@login_required
def route_update_action(request):
    require_role(request.user, SUPERVISORS)
    action = request.POST.get("action")
    try:
        if action == "survey":
            ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
            n = services.issue_survey_orders(
                actor=request.user, customers=Customer.objects.filter(pk__in=ids)
            )
            messages.success(request, _("%(n)d order survey diterbitkan.") % {"n": n})
        elif action in ("accept", "reject"):
            n = services.decide_move_proposals(
                actor=request.user,
                proposals=_selected(request, queries.proposals_for(request.user)),
                accept=action == "accept",
            )
            messages.success(request, _("%(n)d usulan diputuskan.") % {"n": n})
        elif action == "apply":
            from meterops.core.models import Unit

            unit = get_object_or_404(scoped(Unit, request.user), pk=request.POST.get("unit"))
            n = services.apply_move_proposals(actor=request.user, unit=unit)
            messages.success(request, _("%(n)d pelanggan dipindahkan.") % {"n": n})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:route_update")


@login_required
def route_map(request):
    """Peta RBM: a route's customers in reading order, coloured by their latest reading."""
    form = forms.RouteChoiceForm(request.GET or None, user=request.user)
    route, points = None, []
    if form.is_valid():
        route = form.cleaned_data["route"]
        points = _route_points(route)
    settings = request.user.unit_settings()
    response = render(
        request,
        "fieldwork/route_map.html",
        {
            "form": form,
            "route": route,
            "points": points,
            "points_json": json.dumps(points),
            "tile_url": settings.map_tile_url,
            "located": sum(1 for p in points if p["lat"] is not None),
            "legend": _map_legend(),
        },
    )
    return allow_images_from(response, settings.map_tile_url)


STATE_COLOURS = {
    "read": "#0d6efd",
    "reread_requested": "#dc3545",
    "vendor_verified": "#6f42c1",
    "verified": "#20c997",
    "sent": "#fd7e14",
    "approved": "#198754",
    "": "#6c757d",
}


def _map_legend() -> list[tuple[str, str]]:
    """(state, label) of every colour the map may draw, the "not read" grey last."""
    from meterops.reading.choices import ReadingState

    return [*ReadingState.choices, ("none", _("Belum dibaca"))]


def _route_points(route: Route) -> list[dict]:
    customers = list(
        route.customers.order_by("route_sequence", "customer_id").values(
            "pk", "customer_id", "name", "route_sequence", "latitude", "longitude"
        )
    )
    latest = {}
    for r in (
        Reading.objects.filter(customer__route=route)
        .order_by("customer_id", "-period")
        .values("customer_id", "period", "state", "register_kwh")
    ):
        latest.setdefault(r["customer_id"], r)
    from meterops.reading.choices import ReadingState

    labels = dict(ReadingState.choices)
    points = []
    for c in customers:
        r = latest.get(c["pk"], {})
        state = r.get("state", "")
        points.append(
            {
                "seq": c["route_sequence"],
                "idpel": c["customer_id"],
                "name": c["name"],
                "lat": float(c["latitude"]) if c["latitude"] is not None else None,
                "lng": float(c["longitude"]) if c["longitude"] is not None else None,
                "state": state,
                "state_label": str(labels.get(state, _("Belum dibaca"))),
                "period": r.get("period", ""),
                "colour": STATE_COLOURS.get(state, "#6c757d"),
            }
        )
    return points
