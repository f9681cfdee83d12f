"""Pages of the supervision of contractors' field work (seed 004). Thin: parse, call, render."""

import json
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.excel import xlsx_response
from meterops.core.queries import require_role
from meterops.core.scoping import scoped
from meterops.customers.models import Customer, Route
from meterops.documents.notices import render_closed_house_notices, render_disconnection_notices
from meterops.reading.models import Reading

from . import forms, queries, services
from .choices import OPEN_STATES, OrderKind, OrderState, ProposalState
from .models import Arrears, FieldOrder

SUPERVISORS = services.ISSUERS
PAGE_SIZE = 25


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _current_period() -> str:
    return timezone.localdate().strftime("%Y%m")


def _selected(request, queryset):
    ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    return queryset.filter(pk__in=ids)


# --- 1. Audits and scorecards -------------------------------------------------------------


@login_required
def audit_list(request):
    """Audit Baca Meter: draw a month's sample per ULP; the audits drawn so far."""
    require_role(request.user, SUPERVISORS)
    form = forms.DrawSampleForm(
        request.POST or None, user=request.user, initial={"period": _current_period()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.draw_audit_sample(actor=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("Sampel %(n)d stan dari %(p)d diambil (seed %(s)d).")
                % {"n": audit.samples.count(), "p": audit.population, "s": audit.seed},
            )
            return redirect("fieldwork:audit_detail", pk=audit.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "fieldwork/audit_list.html",
        {
            "form": form,
            "page": _page(request, queries.audits_for(request.user)),
        },
    )


@login_required
def audit_detail(request, pk):
    require_role(request.user, SUPERVISORS)
    audit = queries.get_audit_for(request.user, pk)
    samples = audit.samples.select_related("customer", "route", "order").order_by(
        "route__code", "reader", "id"
    )
    cards = queries.scorecards(request.user, audit.period, audit.unit_id)
    return render(
        request,
        "fieldwork/audit_detail.html",
        {
            "audit": audit,
            "page": _page(request, samples),
            "cards": cards,
            "pending_orders": audit.samples.filter(order__isnull=True).count(),
        },
    )


@require_POST
@login_required
def audit_issue_orders(request, pk):
    audit = queries.get_audit_for(request.user, pk)
    try:
        n = services.issue_accuracy_orders(actor=request.user, audit=audit)
        messages.success(request, _("%(n)d order cek ulang akurasi diterbitkan.") % {"n": n})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:audit_detail", pk=audit.pk)


@login_required
def scorecard(request):
    """Scorecard per vendor, petugas and RBM with the 6-month trend; Excel for the KPI."""
    require_role(request.user, SUPERVISORS)
    latest = queries.audits_for(request.user).order_by("-period").first()
    form = forms.ScorecardFilterForm(
        request.GET or {"period": latest.period if latest else _current_period()},
        user=request.user,
    )
    period, unit_id = _current_period(), None
    if form.is_valid():
        period = form.cleaned_data["period"]
        unit_id = form.cleaned_data["unit"].pk if form.cleaned_data["unit"] else None
    cards = queries.scorecards(request.user, period, unit_id)
    points = queries.trend(request.user, period, unit_id)
    if request.GET.get("export") == "xlsx":
        rows = [
            (
                str(queries.GROUPS[group][1]),
                row["name"],
                row["sampled"],
                row["on_schedule"],
                row["schedule_pct"],
                row["checked"],
                row["accurate"],
                row["accuracy_pct"],
            )
            for group, group_rows in cards.items()
            for row in group_rows
        ]
        return xlsx_response(
            f"scorecard_{period}.xlsx",
            f"Scorecard {period}",
            [
                "Kelompok",
                "Nama",
                "Sampel",
                "Sesuai jadwal",
                "% jadwal",
                "Dicek ulang",
                "Akurat",
                "% akurat",
            ],
            rows,
        )
    return render(
        request,
        "fieldwork/scorecard.html",
        {
            "form": form,
            "period": period,
            "cards": cards,
            "points": points,
            "chart": queries.trend_chart(points),
            "groups": [(key, label, cards[key]) for key, (_k, label) in queries.GROUPS.items()],
        },
    )


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
        forms.AssignForm(officers=services.officers_for(request.user, unit))
        if can_assign and unit
        else None
    )
    return render(
        request,
        "fieldwork/order_list.html",
        {
            "page": _page(request, orders),
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
    form = forms.AssignForm(request.POST, officers=services.officers_for(request.user, unit))
    if form.is_valid():
        try:
            n = services.assign_orders(
                actor=request.user,
                orders=_selected(request, FieldOrder.objects.all()),
                officer=form.cleaned_data["officer"],
            )
            messages.success(request, _("%(n)d order ditugaskan.") % {"n": n})
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Pilih petugas."))
    return redirect(request.POST.get("next") or "fieldwork:order_list")


RECORD_FORMS = {
    OrderKind.ACCURACY_CHECK: forms.RegisterPhotoForm,
    OrderKind.PREPAID_SAMPLING: forms.PrepaidSamplingForm,
    OrderKind.NOTICE: forms.NoticeForm,
    OrderKind.DISCONNECTION: forms.DisconnectionForm,
    OrderKind.RECONNECTION: forms.RegisterPhotoForm,
    OrderKind.DISMANTLING: forms.RegisterPhotoForm,
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
    return services.record_survey(actor=actor, order=order, **data)


@login_required
def order_detail(request, pk):
    order = queries.get_order_for(request.user, pk)
    form = _record_form(order, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            _record(order, request.user, form.cleaned_data)
            messages.success(request, _("Hasil %(ref)s tersimpan.") % {"ref": order.reference})
            return redirect("fieldwork:order_detail", pk=order.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    from meterops.replacement.models import DamageType

    zone = ZoneInfo(request.user.display_time_zone())
    return render(
        request,
        "fieldwork/order_detail.html",
        {
            "order": order,
            "form": form,
            "fail_form": forms.FailForm(),
            "can_record": order.state in OPEN_STATES and request.user.has_role(*services.RECORDERS),
            "can_verify": order.state in (OrderState.DONE, OrderState.FAILED)
            and request.user.has_role(*services.VERIFIERS),
            "damage_types": DamageType.objects.filter(is_active=True),
            "overdue": order.is_overdue(),
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
            raise DomainError(_("Isi alasan order gagal."))
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
    order = queries.get_order_for(request.user, pk)
    file = getattr(order, "signature" if field == "signature" else "photo")
    if not file:
        return HttpResponse(status=404)
    return HttpResponse(file.open("rb").read(), content_type="image/jpeg")


# --- 2. Prepaid sampling ------------------------------------------------------------------


def _issue_from_list(request, service, label):
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
                n = service(actor=request.user, customers=customers)
                messages.success(
                    request, _("%(n)d order %(label)s diterbitkan.") % {"n": n, "label": label}
                )
                return None, True
            except DomainError as exc:
                messages.error(request, exc.message)
    return form, False


@login_required
def prepaid_sampling(request):
    """Sampling Prabayar: PLN lists prepaid customers to check (seed 004 §III)."""
    require_role(request.user, SUPERVISORS)
    form, done = _issue_from_list(
        request, services.issue_prepaid_sampling_orders, OrderKind.PREPAID_SAMPLING.label
    )
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


# --- 3. Route and substation updating; the route map --------------------------------------


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
    return render(
        request,
        "fieldwork/route_map.html",
        {
            "form": form,
            "route": route,
            "points": points,
            "points_json": json.dumps(points),
            "tile_url": settings.map_tile_url,
            "located": sum(1 for p in points if p["lat"] is not None),
        },
    )


STATE_COLOURS = {
    "read": "#0d6efd",
    "reread_requested": "#dc3545",
    "vendor_verified": "#6f42c1",
    "verified": "#20c997",
    "sent": "#fd7e14",
    "approved": "#198754",
    "": "#6c757d",
}


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


# --- 4. Notices ---------------------------------------------------------------------------


@login_required
def campaign_list(request):
    """Penyampaian Informasi: campaigns and their progress per unit (seed 004 §V)."""
    can_create = request.user.has_role(*SUPERVISORS)
    form = forms.CampaignForm(request.POST or None, user=request.user) if can_create else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        if data["route"]:
            customers = Customer.objects.filter(route=data["route"])
        else:
            customers, missing = forms.customers_from(request.user, data["customer_ids"])
            if missing:
                messages.error(
                    request,
                    _("IDPEL tidak ditemukan di unit Anda: %(ids)s")
                    % {"ids": ", ".join(missing[:10])},
                )
                customers = None
        if customers is not None:
            try:
                campaign = services.create_campaign(
                    actor=request.user,
                    unit=data["unit"],
                    name=data["name"],
                    material=data["material"],
                    customers=customers,
                )
                messages.success(request, _("Kampanye %(n)s dibuat.") % {"n": campaign.name})
                return redirect("fieldwork:campaign_list")
            except DomainError as exc:
                messages.error(request, exc.message)
    return render(
        request,
        "fieldwork/campaign_list.html",
        {
            "form": form,
            "campaigns": queries.campaigns_for(request.user),
            "by_unit": queries.campaign_progress_by_unit(request.user),
        },
    )


@login_required
def campaign_detail(request, pk):
    from .models import Campaign

    campaign = get_object_or_404(scoped(Campaign, request.user), pk=pk)
    orders = queries.orders_for(request.user).filter(campaign=campaign)
    from django.db.models import Count

    outcomes = orders.values("outcome").annotate(n=Count("pk")).order_by("outcome")
    return render(
        request,
        "fieldwork/campaign_detail.html",
        {
            "campaign": campaign,
            "page": _page(request, orders),
            "outcomes": [
                (
                    dict(services.NoticeOutcome.choices).get(o["outcome"], _("Belum disampaikan")),
                    o["n"],
                )
                for o in outcomes
            ],
        },
    )


# --- 5. Arrears enforcement ---------------------------------------------------------------


@login_required
def arrears_list(request):
    """Penekanan Tunggakan: upload, TUL VI-01, disconnection, payment, bongkar rampung."""
    require_role(request.user, services.ARREARS_UPLOADERS)
    minimum = request.GET.get("min", "2")
    minimum = int(minimum) if minimum.isdigit() else 0
    rows = queries.arrears_for(request.user, minimum=minimum, q=request.GET.get("q", "").strip())
    zone = request.user.display_time_zone()
    today = timezone.localtime(timezone.now(), ZoneInfo(zone)).date()
    page = _page(request, rows)
    open_orders = {}
    for o in FieldOrder.objects.filter(arrears__in=[a.pk for a in page], state__in=OPEN_STATES):
        open_orders.setdefault(o.arrears_id, []).append(o)
    for a in page:
        a.open_orders = open_orders.get(a.pk, [])
        a.eligible_dismantling = services.dismantling_eligible(
            bills=a.bills,
            disconnected_at=a.disconnected_at,
            reconnected_at=a.reconnected_at,
            today=today,
            zone=zone,
        )
    return render(
        request,
        "fieldwork/arrears_list.html",
        {
            "page": page,
            "minimum": minimum,
            "q": request.GET.get("q", ""),
            "payment_form": forms.PaymentForm(),
            "period_form": forms.PeriodForm(initial={"period": _current_period()}),
        },
    )


@require_POST
@login_required
def arrears_action(request):
    require_role(request.user, services.ARREARS_UPLOADERS)
    action = request.POST.get("action")
    chosen = _selected(request, Arrears.objects.all())
    try:
        if action == "print":
            printed = services.mark_disconnection_notices_printed(
                actor=request.user, arrears=chosen
            )
            if not printed:
                raise DomainError(_("Pilih pelanggan dengan tunggakan 2 lembar atau lebih."))
            manager = request.user.get_full_name() or request.user.username
            pdf = render_disconnection_notices(
                printed, signer=manager, signer_title=_("Manajer / Pejabat yang Ditunjuk")
            )
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = 'inline; filename="TUL_VI-01.pdf"'
            return response
        if action == "disconnect":
            n = services.issue_disconnection_orders(actor=request.user, arrears=chosen)
            messages.success(request, _("%(n)d order pemutusan diterbitkan.") % {"n": n})
        elif action == "dismantle":
            n = services.issue_dismantling_orders(actor=request.user, arrears=chosen)
            messages.success(request, _("%(n)d order bongkar rampung diterbitkan.") % {"n": n})
        elif action == "pay":
            form = forms.PaymentForm(request.POST)
            customer = (
                scoped(Customer, request.user)
                .filter(customer_id=form.data.get("customer_id", "").strip())
                .first()
            )
            if customer is None:
                raise DomainError(_("IDPEL tidak ditemukan di unit Anda."))
            services.record_payment(actor=request.user, customer=customer)
            messages.success(request, _("Pelunasan %(id)s dicatat.") % {"id": customer.customer_id})
        else:
            raise DomainError(_("Tindakan tidak dikenal."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:arrears_list")


@login_required
def closed_house_notices(request):
    """TUL II-04 for the closed houses met during reading of a period."""
    require_role(request.user, services.ARREARS_UPLOADERS)
    form = forms.PeriodForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("BLTH harus berformat YYYYMM."))
        return redirect("fieldwork:arrears_list")
    period = form.cleaned_data["period"]
    readings = services.closed_house_readings(scoped(Reading, request.user), period)[:2000]
    if not readings:
        messages.error(request, _("Tidak ada rumah tutup pada BLTH %(p)s.") % {"p": period})
        return redirect("fieldwork:arrears_list")
    response = HttpResponse(
        render_closed_house_notices(readings, period=period), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="TUL_II-04_{period}.pdf"'
    return response
