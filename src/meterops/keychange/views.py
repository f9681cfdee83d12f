from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.replica import reads_from_replica
from meterops.core.services import require_role
from meterops.documents.kct_work_orders import kct_work_orders_pdf

from . import exports, queries, services
from .chart import progress_chart
from .choices import ZeroTokenAnswer
from .forms import (
    AssignForm,
    BankSearchForm,
    CampaignForm,
    ConfirmFailureForm,
    ConfirmSuccessForm,
    CorrectionForm,
    DisplayForm,
    ZeroTokenForm,
)
from .models import DisplayExpectation


@login_required
def campaign_list(request):
    require_role(request.user, services.ASSIGNER_ROLES)
    page = Paginator(queries.campaigns_for(request.user), 25).get_page(request.GET.get("page"))
    can_plan = request.user.has_role(*services.PLANNER_ROLES)
    return render(request, "keychange/campaign_list.html", {"page": page, "can_plan": can_plan})


@login_required
def campaign_create(request):
    require_role(request.user, services.PLANNER_ROLES)
    form = CampaignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.plan_campaign(
                actor=request.user,
                unit=data["unit"],
                name=data["name"],
                contractor=data["contractor"],
                where=services.CampaignFilter(
                    brand=data["brand"].strip(),
                    tariff=data["tariff"].strip().upper(),
                    route_id=data["route"].pk if data["route"] else None,
                ),
            )
            campaign = services.start_campaign_generation(campaign=campaign)
            messages.success(
                request,
                _("Kampanye %(name)s dibuat: KCT untuk %(n)s meter dibuat di latar.")
                % {"name": campaign.name, "n": campaign.meters_total},
            )
            return redirect("keychange:campaign_detail", pk=campaign.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "keychange/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request, pk):
    campaign = queries.get_campaign_for(request.user, pk)
    state = request.GET.get("state", "")
    targets = queries.targets_of(campaign, state=state)
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    officers = queries.officers_for(request.user, campaign)
    return render(
        request,
        "keychange/campaign_detail.html",
        {
            "campaign": campaign,
            "summary": queries.campaign_summary(campaign),
            "page": page,
            "state": state,
            "assign_form": AssignForm(officers=officers, targets=targets),
            "can_plan": request.user.has_role(*services.PLANNER_ROLES),
        },
    )


@login_required
def campaign_progress(request, pk):
    """The background job's progress, polled by the campaign page."""
    campaign = queries.get_campaign_for(request.user, pk)
    return JsonResponse(
        {
            "status": campaign.generation_status,
            "label": str(campaign.get_generation_status_display()),
            "processed": campaign.meters_processed,
            "total": campaign.meters_total,
            "percent": campaign.generation_percent,
            "targets": campaign.targets.count(),
        }
    )


@login_required
@reads_from_replica
def campaign_dashboard(request):
    """Progress of every campaign the user sees, per unit and per contractor (issue #9, 5)."""
    require_role(request.user, services.ASSIGNER_ROLES)
    by_unit = queries.progress_by(request.user, "unit")
    by_contractor = queries.progress_by(request.user, "contractor")
    if request.GET.get("export") == "xlsx":
        return exports.progress_xlsx(by_unit, by_contractor)
    by_vkrn, counted_at = queries.meters_by_vkrn(request.user)
    services.recount_if_stale(counted_at)
    return render(
        request,
        "keychange/dashboard.html",
        {
            "by_unit": by_unit,
            "by_contractor": by_contractor,
            "unit_chart": progress_chart(by_unit),
            "contractor_chart": progress_chart(by_contractor),
            "by_vkrn": by_vkrn,
            "counted_at": counted_at,
            "tally_minutes": settings.TALLY_MAX_AGE // 60,
        },
    )


@require_POST
@login_required
def campaign_assign(request, pk):
    campaign = queries.get_campaign_for(request.user, pk)
    form = AssignForm(
        request.POST,
        officers=queries.officers_for(request.user, campaign),
        targets=queries.targets_of(campaign),
    )
    if not form.is_valid() or not form.cleaned_data["targets"]:
        messages.error(request, _("Pilih petugas dan minimal satu meter."))
        return redirect("keychange:campaign_detail", pk=campaign.pk)
    try:
        done = services.assign_targets(
            actor=request.user,
            targets=form.cleaned_data["targets"],
            officer=form.cleaned_data["officer"],
        )
        messages.success(
            request,
            _("%(n)s KCT ditugaskan ke %(o)s.")
            % {"n": len(done), "o": form.cleaned_data["officer"]},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("keychange:campaign_detail", pk=campaign.pk)


@require_POST
@login_required
def target_regenerate(request, pk, target_pk):
    campaign = queries.get_campaign_for(request.user, pk)
    target = get_object_or_404(campaign.targets, pk=target_pk)
    try:
        services.regenerate_kct(actor=request.user, target=target)
        messages.success(request, _("KCT baru dibuat untuk %(m)s.") % {"m": target.meter})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("keychange:campaign_detail", pk=campaign.pk)


@login_required
@reads_from_replica
def campaign_export(request, pk):
    campaign = queries.get_campaign_for(request.user, pk)
    response = HttpResponse(
        exports.campaign_workbook(campaign, queries.targets_of(campaign)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="kampanye-krn-{campaign.pk}.xlsx"'
    return response


@login_required
def campaign_work_orders(request, pk):
    campaign = queries.get_campaign_for(request.user, pk)
    targets = queries.targets_of(campaign, state="assigned").prefetch_related("tokens")
    response = HttpResponse(kct_work_orders_pdf(campaign, targets), "application/pdf")
    response["Content-Disposition"] = f'inline; filename="pk-kct-{campaign.pk}.pdf"'
    return response


@login_required
def kct_list(request):
    require_role(request.user, services.ASSIGNER_ROLES)
    form = BankSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(queries.bank_for(request.user, q=q), 50).get_page(request.GET.get("page"))
    can_plan = request.user.has_role(*services.PLANNER_ROLES)
    return render(
        request, "keychange/kct_list.html", {"form": form, "page": page, "can_plan": can_plan}
    )


@login_required
def confirmation_list(request):
    return render(
        request,
        "keychange/confirmation_list.html",
        {"work": queries.work_of(request.user), "gagal": queries.gagal_of(request.user)[:50]},
    )


@login_required
def confirmation_detail(request, pk):
    target = queries.get_work_for(request.user, pk)
    success = ConfirmSuccessForm(request.POST if "display" in request.POST else None)
    failure = ConfirmFailureForm(request.POST if "reason" in request.POST else None)
    zero = ZeroTokenForm(request.POST if "answer" in request.POST else None)
    form = success if success.is_bound else zero if zero.is_bound else failure
    if request.method == "POST" and "make_zero_token" in request.POST:
        try:
            services.issue_zero_token(actor=request.user, target=target)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("keychange:confirmation_detail", pk=target.pk)
    if request.method == "POST" and form.is_valid():
        try:
            if form is zero:
                done = services.confirm_by_zero_token(
                    actor=request.user, target=target, answer=form.cleaned_data["answer"]
                )
                if done.state == "succeeded":
                    messages.success(
                        request, _("Berhasil: meter %(m)s sudah KRN-2.") % {"m": target.meter}
                    )
                else:
                    messages.warning(
                        request,
                        _("Gagal dicatat untuk meter %(m)s: token uji ditolak, KCT belum masuk.")
                        % {"m": target.meter},
                    )
            elif form is success:
                services.confirm_key_change(
                    actor=request.user, target=target, display=form.cleaned_data["display"]
                )
                messages.success(
                    request, _("Berhasil: meter %(m)s sudah KRN-2.") % {"m": target.meter}
                )
            else:
                services.report_key_change_failure(
                    actor=request.user, target=target, **form.cleaned_data
                )
                messages.warning(
                    request, _("Gagal dicatat untuk meter %(m)s.") % {"m": target.meter}
                )
            return redirect("keychange:confirmation_list")
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "keychange/confirmation_detail.html",
        {
            "target": target,
            "kct": target.tokens.get(voided_at__isnull=True),
            "expected": services.expected_display_for(target.meter),
            "success": success,
            "failure": failure,
            "zero": zero,
            "proofs": [
                (label, services.zero_token_proves_new_key(value))
                for value, label in ZeroTokenAnswer.choices
            ],
        },
    )


@login_required
def target_correction(request, pk):
    """Check an officer's Berhasil or Gagal with the 0 kWh test token and correct it when the
    meter's answer contradicts it (seed 003, 5b)."""
    target = queries.get_correctable_for(request.user, pk)
    if request.method == "POST" and "make_zero_token" in request.POST:
        try:
            services.issue_correction_token(actor=request.user, target=target)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("keychange:target_correction", pk=target.pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.correct_confirmation(
                actor=request.user,
                target=target,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("Konfirmasi %(ref)s dikoreksi menjadi %(state)s.")
                % {"ref": done.reference, "state": done.get_state_display()},
            )
            return redirect("keychange:target_correction", pk=target.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "keychange/target_correction.html",
        {
            "target": target,
            "kct": target.tokens.filter(voided_at__isnull=True).first(),
            "correctable": target.state in services.CORRECTABLE_STATES,
            "form": form,
            "can_plan": request.user.has_role(*services.PLANNER_ROLES),
            "proofs": [
                (label, services.zero_token_proves_new_key(value))
                for value, label in ZeroTokenAnswer.choices
            ],
        },
    )


@login_required
def display_list(request):
    require_role(request.user, services.KEY_ADMIN_ROLES)
    can_edit = request.user.has_role(*services.DISPLAY_EDITOR_ROLES)
    return render(
        request,
        "keychange/display_list.html",
        {"rows": DisplayExpectation.objects.all(), "can_edit": can_edit},
    )


@login_required
def display_edit(request, pk=None):
    require_role(request.user, services.DISPLAY_EDITOR_ROLES)
    row = get_object_or_404(DisplayExpectation, pk=pk) if pk else None
    form = DisplayForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_display_expectation(
                actor=request.user,
                row=row,
                brand=form.cleaned_data["brand"],
                model_hint=form.cleaned_data["model_hint"],
                expected=form.cleaned_data["expected_display"],
            )
            messages.success(request, _("Tampilan disimpan."))
            return redirect("keychange:display_list")
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "keychange/display_form.html", {"form": form, "row": row})
