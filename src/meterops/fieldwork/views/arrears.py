"""Pages of arrears enforcement (seed 004 §VI): TUL VI-01 with its signers, disconnection,
payment, bongkar rampung, who answers for each customer, and TUL II-04 for closed houses (§II).
Every date of a row is read in its own unit's zone, whoever looks."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError, InvalidInput, NotFound
from meterops.core.excel import Rupiah, xlsx_response
from meterops.core.replica import reads_from_replica
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.models import Customer
from meterops.documents.notices import render_closed_house_notices, render_disconnection_notices
from meterops.reading.models import Reading

from .. import forms, queries, services
from ..choices import OPEN_STATES
from ..models import Arrears, FieldOrder, NoticeSigner
from .orders import _current_period, _page, _selected

EXPORT_LIMIT = 100_000


def _filters(request) -> dict:
    minimum = request.GET.get("min", "2")
    responsible = request.GET.get("responsible", "")
    return {
        "minimum": int(minimum) if minimum.isdigit() else 0,
        "q": request.GET.get("q", "").strip(),
        "responsible": responsible if responsible in queries.RESPONSIBILITY else "",
    }


@login_required
def arrears_list(request):
    """Penekanan Tunggakan: upload, TUL VI-01, disconnection, payment, bongkar rampung."""
    require_role(request.user, services.ARREARS_UPLOADERS)
    filters = _filters(request)
    rows = queries.arrears_for(request.user, **filters)
    page = _page(request, rows)
    open_orders = {}
    for o in FieldOrder.objects.filter(arrears__in=[a.pk for a in page], state__in=OPEN_STATES):
        open_orders.setdefault(o.arrears_id, []).append(o)
    zones = services.unit_zones(a.unit_id for a in page)
    vendors = queries.unit_vendors(a.unit_id for a in page)
    for a in page:
        a.zone = zones[a.unit_id]
        a.open_orders = open_orders.get(a.pk, [])
        a.eligible_dismantling = services.eligible_for_dismantling(a, zones)
        a.responsible = queries.responsible_party(a, vendors)
    units = {a.unit for a in page}
    return render(
        request,
        "fieldwork/arrears_list.html",
        {
            "page": page,
            **filters,
            "responsibilities": queries.RESPONSIBILITY,
            "summary": queries.responsibility_summary(rows),
            "signers": services.signers_for(request.user, units) if units else [],
            "can_keep_signers": request.user.has_role(*services.SIGNER_KEEPERS),
            "payment_form": forms.PaymentForm(),
            "period_form": forms.PeriodForm(initial={"period": _current_period()}),
        },
    )


@login_required
@reads_from_replica
def arrears_export(request):
    """The arrears as filtered on the page, with who answers for each (seed 004 §VI notes)."""
    require_role(request.user, services.ARREARS_UPLOADERS)
    rows = list(queries.arrears_for(request.user, **_filters(request))[:EXPORT_LIMIT])
    zones = services.unit_zones(a.unit_id for a in rows)
    vendors = queries.unit_vendors(a.unit_id for a in rows)

    def local(moment, a):
        return timezone.localtime(moment, ZoneInfo(zones[a.unit_id])).replace(tzinfo=None)

    return xlsx_response(
        "tunggakan.xlsx",
        _("Tunggakan"),
        [
            "IDPEL",
            _("Nama"),
            "ULP",
            _("Lembar"),
            _("Jumlah (Rp)"),
            _("Lunas"),
            _("TUL VI-01 dicetak"),
            _("Penanda tangan"),
            _("Diputus"),
            _("Tanggung jawab"),
        ],
        [
            (
                a.customer.customer_id,
                a.customer.name,
                a.unit.name,
                a.bills,
                Rupiah(a.amount),
                local(a.paid_at, a) if a.paid_at else None,
                local(a.notice_printed_at, a) if a.notice_printed_at else None,
                str(a.notice_signer or ""),
                local(a.disconnected_at, a) if a.disconnected_at else None,
                queries.responsible_party(a, vendors),
            )
            for a in rows
        ],
    )


@require_POST
@login_required
def arrears_action(request):
    require_role(request.user, services.ARREARS_UPLOADERS)
    action = request.POST.get("action")
    chosen = _selected(request, Arrears.objects.all())
    try:
        if action == "print":
            return _print_notices(request, chosen)
        if action == "disconnect":
            n = services.issue_disconnection_orders(actor=request.user, arrears=chosen)
            messages.success(request, _("%(n)d order pemutusan diterbitkan.") % {"n": n})
        elif action == "dismantle":
            n = services.issue_dismantling_orders(actor=request.user, arrears=chosen)
            messages.success(request, _("%(n)d order bongkar rampung diterbitkan.") % {"n": n})
        elif action == "pay":
            _record_payment(request)
        else:
            raise InvalidInput("action", _("Tindakan tidak dikenal."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:arrears_list")


def _print_notices(request, chosen):
    signer = scoped(NoticeSigner, request.user).filter(pk=_int(request.POST.get("signer"))).first()
    printed = services.mark_disconnection_notices_printed(
        actor=request.user, arrears=chosen, signer=signer
    )
    if not printed:
        raise InvalidInput("arrears", _("Pilih pelanggan dengan tunggakan 2 lembar atau lebih."))
    title, name = services.signature_block(printed[0].notice_signer)
    pdf = render_disconnection_notices(
        printed,
        signer=name,
        signer_title=title,
        zones=services.unit_zones(a.unit_id for a in printed),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="TUL_VI-01.pdf"'
    return response


def _record_payment(request):
    form = forms.PaymentForm(request.POST)
    customer = (
        scoped(Customer, request.user)
        .filter(customer_id=form.data.get("customer_id", "").strip())
        .first()
    )
    if customer is None:
        raise NotFound(_("IDPEL tidak ditemukan di unit Anda."))
    # The payment time is typed in the customer's unit's zone.
    timezone.activate(ZoneInfo(services.unit_zones([customer.unit_id])[customer.unit_id]))
    if not form.is_valid():
        raise InvalidInput("paid_at", _("Waktu bayar tidak valid (tanggal dan jam)."))
    services.record_payment(
        actor=request.user, customer=customer, paid_at=form.cleaned_data["paid_at"]
    )
    messages.success(request, _("Pelunasan %(id)s dicatat.") % {"id": customer.customer_id})


def _int(value) -> int:
    return int(value) if value and str(value).isdigit() else 0


@login_required
def signer_list(request):
    """Penanda tangan TUL VI-01: the Manajer Unit and the officials he designated."""
    require_role(request.user, services.ARREARS_UPLOADERS)
    can_keep = request.user.has_role(*services.SIGNER_KEEPERS)
    form = forms.SignerForm(request.POST or None, user=request.user)
    if request.method == "POST":
        require_role(request.user, services.SIGNER_KEEPERS)
        if form.is_valid():
            try:
                signer = services.designate_signer(actor=request.user, **form.cleaned_data)
                messages.success(request, _("%(s)s dicatat.") % {"s": signer})
                return redirect("fieldwork:signer_list")
            except DomainError as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, exc.message)
    signers = scoped(NoticeSigner, request.user).select_related("unit", "created_by")
    return render(
        request,
        "fieldwork/signer_list.html",
        {"signers": signers, "form": form, "can_keep": can_keep},
    )


@require_POST
@login_required
def signer_retire(request, pk):
    signer = get_object_or_404(scoped(NoticeSigner, request.user), pk=pk)
    try:
        services.retire_signer(actor=request.user, signer=signer)
        messages.success(request, _("%(s)s dinonaktifkan.") % {"s": signer})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:signer_list")


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
