"""Konflik Peremajaan: the billing H+1 rows that disagree with the field, for review (seed 000)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.forms import BootstrapMixin
from meterops.core.scoping import scoped
from meterops.core.services import require_role

from ..billing_upload import BILLING_REVIEW_ROLES, resolve_billing_conflict
from ..choices import BillingOutcome
from ..models import BillingReplacement


class ResolveForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label="Catatan tinjauan", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def billing_list(request):
    require_role(request.user, BILLING_REVIEW_ROLES)
    rows = scoped(BillingReplacement, request.user).select_related("customer")
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.filter(outcome=BillingOutcome.CONFLICT, resolved_at__isnull=True)
    elif show in BillingOutcome.values:
        rows = rows.filter(outcome=show)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "replacement/billing_list.html",
        {"page": page, "show": show, "outcomes": BillingOutcome.choices},
    )


@login_required
def billing_detail(request, pk: int):
    require_role(request.user, BILLING_REVIEW_ROLES)
    row = get_object_or_404(
        scoped(BillingReplacement, request.user).select_related(
            "customer", "target", "replacement__new_meter", "resolved_by"
        ),
        pk=pk,
    )
    return render(request, "replacement/billing_detail.html", {"row": row, "form": ResolveForm()})


@login_required
@require_POST
def billing_resolve(request, pk: int):
    row = get_object_or_404(scoped(BillingReplacement, request.user), pk=pk)
    form = ResolveForm(request.POST)
    try:
        resolve_billing_conflict(row=row, actor=request.user, note=form.data.get("note", ""))
        messages.success(request, "Konflik ditandai sudah ditinjau.")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("replacement:billing_detail", pk=pk)
