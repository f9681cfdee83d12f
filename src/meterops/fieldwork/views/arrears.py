"""Pages of arrears enforcement (seed 004 §VI): TUL VI-01, disconnection, payment,
bongkar rampung, and TUL II-04 for closed houses (§II)."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError, InvalidInput, NotFound
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.models import Customer
from meterops.documents.notices import render_closed_house_notices, render_disconnection_notices
from meterops.reading.models import Reading

from .. import forms, queries, services
from ..choices import OPEN_STATES
from ..models import Arrears, FieldOrder
from .orders import _current_period, _page, _selected


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
                raise InvalidInput(
                    "arrears", _("Pilih pelanggan dengan tunggakan 2 lembar atau lebih.")
                )
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
                raise NotFound(_("IDPEL tidak ditemukan di unit Anda."))
            services.record_payment(actor=request.user, customer=customer)
            messages.success(request, _("Pelunasan %(id)s dicatat.") % {"id": customer.customer_id})
        else:
            raise InvalidInput("action", _("Tindakan tidak dikenal."))
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
