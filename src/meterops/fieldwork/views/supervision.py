"""Reading supervision pages (seed 004 §I, "Pengawasan Baca Meter"): Audit Baca Meter and
Scorecard Vendor. Their menu entries sit in the Baca Meter (ACMT) section (``apps.py``); the
rules are in ``services.audits``, the reads in ``queries``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.replica import reads_from_replica
from meterops.core.services import require_role

from .. import exports, forms, queries, services
from .orders import SUPERVISORS, _page


def _current_period() -> str:
    return timezone.localdate().strftime("%Y%m")


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
        "fieldwork/supervision/audit_list.html",
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
        "fieldwork/supervision/audit_detail.html",
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
@reads_from_replica
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
        return exports.scorecard_xlsx(cards, period)
    return render(
        request,
        "fieldwork/supervision/scorecard.html",
        {
            "form": form,
            "period": period,
            "cards": cards,
            "points": points,
            "chart": queries.trend_chart(points),
            "groups": [(key, label, cards[key]) for key, (_k, label) in queries.GROUPS.items()],
        },
    )
