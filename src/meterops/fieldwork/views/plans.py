"""Jadwal & Target Petugas (seed 004 §IV: schedule and target per officer, plan against done)
and the visit list each officer carries (§V). The visit days are set when orders are assigned
on Order Lapangan; the rules are in ``services.plans``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode, UnitLevel
from meterops.core.errors import DomainError, InvalidInput
from meterops.core.models import Unit, unit_time_zone
from meterops.core.scoping import scoped
from meterops.core.services import field_officers_for, require_role
from meterops.documents.visit_lists import visit_list_pdf

from .. import forms, queries, services


def _filter(request):
    """The ULP and days asked for, or the user's first ULP today in its zone."""
    form = forms.PlanFilterForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, data["unit"], data["first_day"], data["last_day"]
    unit = form.fields["unit"].queryset.first()
    if unit is None:
        raise Http404(_("Tidak ada ULP di wilayah Anda."))
    today = services.local_today(unit_time_zone(unit.pk))
    if not form.is_bound:  # a bound form keeps its errors on screen
        form = forms.PlanFilterForm(
            initial={"unit": unit, "first_day": today, "last_day": today}, user=request.user
        )
    return form, unit, today, today


def _form_error(form, exc: DomainError) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def officer_plan(request):
    """Jadwal & Target Petugas: daily targets per officer and kind, and plan against done."""
    require_role(request.user, services.ASSIGNERS)
    form, unit, first_day, last_day = _filter(request)
    officers = field_officers_for(unit, actor=request.user)
    target_form = forms.OfficerTargetForm(
        request.POST or None,
        officers=officers,
        prefix="target",
        initial={"first_day": first_day, "last_day": last_day},
    )
    if request.method == "POST" and target_form.is_valid():
        data = target_form.cleaned_data
        try:
            n = services.set_officer_targets(actor=request.user, unit=unit, **data)
            messages.success(
                request,
                _("Target %(officer)s tersimpan untuk %(n)d hari.")
                % {"officer": data["officer"], "n": n}
                if n
                else _("Target %(officer)s dihapus.") % {"officer": data["officer"]},
            )
            return redirect(request.get_full_path())
        except DomainError as exc:
            _form_error(target_form, exc)
    rows = []
    try:
        rows = services.officer_realisation(
            unit=unit,
            orders=queries.plan_orders_for(request.user),
            targets=queries.plan_targets_for(request.user),
            first_day=first_day,
            last_day=last_day,
        )
    except InvalidInput as exc:
        _form_error(form, exc)
    return render(
        request,
        "fieldwork/officer_plan.html",
        {
            "form": form,
            "target_form": target_form,
            "visit_form": forms.VisitListForm(
                officers=officers, initial={"day": first_day}, prefix="visit"
            ),
            "unit": unit,
            "rows": rows,
            "first_day": first_day,
            "last_day": last_day,
        },
    )


def _back(user, unit, day=None):
    """Back to the plan of that ULP and day; an officer, who has no plan page, to the orders."""
    if not user.has_role(*services.ASSIGNERS):
        return redirect("fieldwork:order_list")
    day = day or services.local_today(unit_time_zone(unit.pk))
    query = urlencode({"unit": unit.pk, "first_day": day, "last_day": day})
    return redirect(f"{reverse('fieldwork:officer_plan')}?{query}")


@login_required
def visit_list_print(request):
    """Cetak Daftar Kunjungan: one officer's planned orders of a day as the PDF form."""
    user = request.user
    unit_id = request.GET.get("unit", "")
    unit = get_object_or_404(
        scoped(Unit, user).filter(level=UnitLevel.SERVICE_POINT),
        pk=int(unit_id) if unit_id.isdigit() and len(unit_id) < 10 else 0,
    )
    # An officer prints their own list; the planners print their officers'.
    officers = field_officers_for(unit, actor=user)
    if not user.has_role(*services.ASSIGNERS):
        require_role(user, (RoleCode.FIELD_OFFICER,))
        officers = officers.filter(pk=user.pk)
    form = forms.VisitListForm(request.GET, officers=officers, prefix="visit")
    if not form.is_valid():
        if "officer" in form.errors:
            raise Http404(_("Petugas tidak ditemukan."))
        messages.error(request, _("Isi tanggal kunjungan yang benar."))
        return _back(user, unit)
    officer, day = form.cleaned_data["officer"], form.cleaned_data["day"]
    orders = list(
        services.visit_list(
            orders=queries.plan_orders_for(user).filter(unit=unit), officer=officer, day=day
        ).select_related("campaign")
    )
    if not orders:
        messages.warning(
            request,
            _("Belum ada order yang direncanakan untuk %(officer)s pada %(day)s.")
            % {"officer": officer, "day": f"{day:%d-%m-%Y}"},
        )
        return _back(user, unit, day)
    pdf = visit_list_pdf(
        unit=unit,
        officer_name=officer.get_full_name() or officer.username,
        day=day,
        orders=orders,
        zone=unit_time_zone(unit.pk),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="daftar_kunjungan_{officer.pk}_{day:%Y%m%d}.pdf"'
    )
    return response
