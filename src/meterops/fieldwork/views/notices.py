"""Pages of the notices to customers: campaigns and their outcomes (seed 004 §V)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from meterops.core.errors import DomainError
from meterops.core.scoping import scoped
from meterops.customers.models import Customer

from .. import forms, queries, services
from ..choices import NoticeOutcome
from .orders import SUPERVISORS, _page


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
    from ..models import Campaign

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
                    dict(NoticeOutcome.choices).get(o["outcome"], _("Belum disampaikan")),
                    o["n"],
                )
                for o in outcomes
            ],
        },
    )
