import json
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.formats import number
from meterops.core.replica import reads_from_replica
from meterops.core.services import require_role
from meterops.customers.queries import find_customer_for
from meterops.documents import prepaid_applications as pdf

from . import exports, queries, services
from .chart import load_profile_chart
from .choices import CANCELLABLE_STATES, MANUAL_CHANNEL, RequestState
from .errors import AlreadySubmitted
from .forms import (
    ActivationForm,
    AssignForm,
    CancelForm,
    InstallationForm,
    LoadProfileUploadForm,
    MeterNumberForm,
    NfcCounterForm,
    PaymentForm,
    RequestFilterForm,
    RequestForm,
    TokenSaleForm,
    TransactionFilterForm,
)
from .models import PaymentChannel, ServiceRequest
from .services import FIELD_ROLES, LOAD_PROFILE_ROLES, OFFICE_ROLES


def _office(request):
    require_role(request.user, OFFICE_ROLES)


# --- Permohonan ------------------------------------------------------------------------


@login_required
def request_list(request):
    _office(request)
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.filter_requests(request.user, **filters)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "prepaid/request_list.html",
        {
            "form": form,
            "page": page,
            "counts": queries.state_counts(request.user),
            "by_unit": queries.unit_state_counts(request.user),
        },
    )


@login_required
@reads_from_replica
def request_export(request):
    """The filtered list as Excel (at most 100 000 rows), for monitoring outside meterops."""
    _office(request)
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = queries.filter_requests(request.user, **filters)
    return exports.requests_xlsx(requests[:100_000])


@login_required
def request_create(request):
    _office(request)
    form = RequestForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = None
        if data["customer_id"]:
            customer = find_customer_for(request.user, data["customer_id"])
            if customer is None:
                form.add_error("customer_id", _("IDPEL tidak ditemukan di unit Anda."))
        if not form.errors:
            try:
                created = services.register_request(
                    actor=request.user,
                    unit=data["unit"],
                    kind=data["kind"],
                    product=data["product"],
                    tariff=data["tariff"],
                    power_va=data["power_va"],
                    applicant_name=data["applicant_name"],
                    address=data["address"],
                    phone=data["phone"],
                    customer=customer,
                    previous_deposit=data["previous_deposit"] or Decimal(0),
                    last_postpaid_bill=data["last_postpaid_bill"] or Decimal(0),
                    submission=data["submission"],
                    ends_on=data["ends_on"],
                )
                messages.success(
                    request,
                    _("Permohonan %(n)s tersimpan. Cetak SIP untuk pelunasan.")
                    % {"n": created.request_number},
                )
                return redirect("prepaid:request_detail", pk=created.pk)
            except AlreadySubmitted as exc:
                messages.info(request, exc.message)
                return redirect("prepaid:request_detail", pk=exc.request.pk)
            except DomainError as exc:
                form.add_error(_form_field(form, exc), exc.message)
    return render(request, "prepaid/request_form.html", {"form": form})


def _form_field(form, exc: DomainError, **aliases) -> str | None:
    """The form field a refusal names (``InvalidInput.field``, or its alias), else None."""
    field = aliases.get(getattr(exc, "field", None), getattr(exc, "field", None))
    return field if field in form.fields else None


@login_required
def request_detail(request, pk):
    obj = queries.get_request_for(request.user, pk, roles=(*OFFICE_ROLES, *FIELD_ROLES))
    context = {
        "obj": obj,
        "tokens": obj.tokens.all(),
        "events": obj.process.events.select_related("actor").order_by("-at", "-id"),
        "is_office": request.user.has_role(*OFFICE_ROLES),
        "compensation": obj.deposit_compensation() if obj.is_migration else None,
        "cancellable": obj.state in CANCELLABLE_STATES,
    }
    if obj.state == RequestState.TOKENS_ISSUED:
        context["assign_form"] = AssignForm(actor=request.user, unit=obj.unit)
    if obj.state == RequestState.ASSIGNED:
        context["install_form"] = InstallationForm()
    return render(request, "prepaid/request_detail.html", context)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def request_slip(request, pk):
    obj = queries.get_request_for(request.user, pk)
    return _pdf(pdf.payment_slip_pdf(obj), f"SIP-{obj.request_number}.pdf")


@login_required
def request_work_order(request, pk):
    obj = queries.get_request_for(request.user, pk, roles=(*OFFICE_ROLES, *FIELD_ROLES))
    if obj.assigned_to_id is None:
        messages.error(request, _("PK belum diterbitkan untuk permohonan ini."))
        return redirect("prepaid:request_detail", pk=obj.pk)
    return _pdf(pdf.work_order_pdf(obj), f"PK-{obj.request_number}.pdf")


def _run(request, obj, action, success: str):
    try:
        action()
        messages.success(request, success % {"n": obj.request_number})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("prepaid:request_detail", pk=obj.pk)


@login_required
def request_cancel(request, pk):
    """Batalkan permohonan: the reason, what it releases, then the cancellation."""
    obj = queries.get_request_for(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_request(
                request=obj, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Permohonan %(n)s dibatalkan.") % {"n": obj.request_number})
            return redirect("prepaid:request_detail", pk=obj.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "prepaid/request_cancel.html",
        {"obj": obj, "form": form, "cancellable": obj.state in CANCELLABLE_STATES},
    )


@require_POST
@login_required
def request_issue_tokens(request, pk):
    obj = queries.get_request_for(request.user, pk)
    return _run(
        request,
        obj,
        lambda: services.issue_request_tokens(request=obj, actor=request.user),
        _("Token permohonan %(n)s sudah terbit."),
    )


@require_POST
@login_required
def request_assign(request, pk):
    obj = queries.get_request_for(request.user, pk)
    form = AssignForm(request.POST, actor=request.user, unit=obj.unit)
    if not form.is_valid():
        messages.error(request, _("Pilih petugas pasang."))
        return redirect("prepaid:request_detail", pk=obj.pk)
    return _run(
        request,
        obj,
        lambda: services.assign_work_order(
            request=obj, officer=form.cleaned_data["officer"], actor=request.user
        ),
        _("PK permohonan %(n)s diterbitkan. Cetak PK / BA pasang."),
    )


@require_POST
@login_required
def request_install(request, pk):
    obj = queries.get_request_for(request.user, pk, roles=(*OFFICE_ROLES, *FIELD_ROLES))
    form = InstallationForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("prepaid:request_detail", pk=obj.pk)
    data = form.cleaned_data
    return _run(
        request,
        obj,
        lambda: services.record_installation(
            request=obj,
            actor=request.user,
            installed_on=data["installed_on"],
            report_scan=data["report_scan"],
            contract_scan=data["contract_scan"],
            photo=data["photo"],
        ),
        _("Realisasi pemasangan %(n)s tercatat."),
    )


@require_POST
@login_required
def request_complete(request, pk):
    obj = queries.get_request_for(request.user, pk)
    return _run(
        request,
        obj,
        lambda: services.complete_request(request=obj, actor=request.user),
        _("PDL %(n)s selesai: data pelanggan diremajakan."),
    )


# --- Pelunasan, aktivasi, token, pemasangan -------------------------------------------


@login_required
def payment_entry(request):
    _office(request)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        obj = queries.find_request_for(request.user, data["request_number"])
        if obj is None:
            form.add_error("request_number", _("No agenda tidak ditemukan di unit Anda."))
        else:
            try:
                services.record_payment(
                    request=obj,
                    amount=data["amount"],
                    channel=MANUAL_CHANNEL,
                    reference=data["receipt_number"],
                    actor=request.user,
                )
                messages.success(request, _("Permohonan %(n)s lunas.") % {"n": obj.request_number})
                return redirect("prepaid:request_detail", pk=obj.pk)
            except DomainError as exc:
                form.add_error(None, exc.message)
    return render(request, "prepaid/payment_form.html", {"form": form})


def _channel_of(request) -> PaymentChannel | None:
    """The payment channel whose bearer token the request carries."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return PaymentChannel.authenticate(token) if token else None


def _unauthorised() -> JsonResponse:
    return JsonResponse({"code": "unauthorised", "message": "Token kanal tidak sah."}, status=401)


@csrf_exempt
@require_POST
def channel_payment(request):
    """Pelunasan from a bank/PPOB: JSON in, JSON out, idempotent on the channel's reference."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    channel = PaymentChannel.authenticate(token) if token else None
    if channel is None:
        return JsonResponse(
            {"code": "unauthorised", "message": "Token kanal tidak sah."}, status=401
        )
    try:
        body = json.loads(request.body)
        number, reference = str(body["request_number"]), str(body["reference"])
        amount = Decimal(str(body["amount"]))
        paid_at = parse_datetime(body["paid_at"]) if body.get("paid_at") else None
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return JsonResponse(
            {
                "code": "bad_request",
                "message": "Isi JSON: request_number, amount, reference (paid_at opsional).",
            },
            status=400,
        )
    obj = ServiceRequest.objects.filter(request_number=number).first()
    if obj is None:
        return JsonResponse(
            {"code": "not_found", "message": f"No agenda {number} tidak dikenal."}, status=404
        )
    try:
        payment, created = services.record_payment(
            request=obj,
            amount=amount,
            channel=channel.code,
            reference=reference,
            actor=None,
            paid_at=paid_at,
        )
    except DomainError as exc:
        return JsonResponse(
            {"code": exc.code, "message": str(exc.message), **exc.extra}, status=409
        )
    return JsonResponse(
        {
            "request_number": number,
            "status": "paid" if created else "already_recorded",
            "amount": str(payment.amount),
            "reference": payment.reference,
        },
        status=201 if created else 200,
    )


@login_required
def activation(request):
    _office(request)
    form = ActivationForm(request.POST or None, initial=request.GET.dict())
    mismatch = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        obj = queries.find_request_for(request.user, data["request_number"])
        if obj is None:
            form.add_error("request_number", _("No agenda tidak ditemukan di unit Anda."))
        else:
            try:
                services.activate_meter(
                    request=obj,
                    meter_number=data["meter_number"],
                    actor=request.user,
                    change_product=data["change_product"],
                )
                messages.success(
                    request,
                    _("Meter %(m)s diaktivasi untuk %(n)s.")
                    % {"m": data["meter_number"], "n": obj.request_number},
                )
                return redirect("prepaid:request_detail", pk=obj.pk)
            except DomainError as exc:
                mismatch = exc.code == "prepaid_nfc_mismatch"
                form.add_error(None, exc.message)
    return render(request, "prepaid/activation_form.html", {"form": form, "mismatch": mismatch})


@login_required
def token_monitor(request):
    _office(request)
    if request.method == "POST":
        waiting = list(queries.token_queue_for(request.user).filter(state=RequestState.ACTIVATED))
        refused = services.issue_tokens_for(requests=waiting, actor=request.user)
        issued = len(waiting) - len(refused)
        messages.success(request, _("%(n)s permohonan mendapat token.") % {"n": issued})
        for number, reason in refused.items():
            messages.error(request, f"{number}: {reason}")
        return redirect("prepaid:token_monitor")
    page = Paginator(queries.token_queue_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "prepaid/token_monitor.html", {"page": page})


@login_required
def token_sale(request):
    """Penjualan token at the counter: the token to hand over, and the unit's latest sales."""
    _office(request)
    form = TokenSaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sale, _created = services.vend_token(
                meter_number=data["meter_number"],
                amount=data["amount"],
                channel=MANUAL_CHANNEL,
                reference=data["reference"],
                actor=request.user,
            )
            messages.success(
                request,
                _("Token %(kwh)s kWh: %(token)s")
                % {"kwh": number(sale.kwh), "token": sale.display()},
            )
            return redirect("prepaid:token_sale")
        except DomainError as exc:
            form.add_error(None, exc.message)
    page = Paginator(queries.token_sales_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "prepaid/token_sale.html", {"form": form, "page": page})


@csrf_exempt
@require_POST
def channel_token_sale(request):
    """A token sold by a bank/PPOB: JSON in, the token out; idempotent on the reference."""
    channel = _channel_of(request)
    if channel is None:
        return _unauthorised()
    try:
        body = json.loads(request.body)
        meter_number, reference = str(body["meter_number"]), str(body["reference"])
        amount = Decimal(str(body["amount"]))
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return JsonResponse(
            {"code": "bad_request", "message": "Isi JSON: meter_number, amount, reference."},
            status=400,
        )
    try:
        sale, created = services.vend_token(
            meter_number=meter_number,
            amount=amount,
            channel=channel.code,
            reference=reference,
            actor=None,
        )
    except DomainError as exc:
        return JsonResponse({"code": exc.code, "message": str(exc.message)}, status=409)
    return JsonResponse(
        {
            "meter_number": meter_number,
            "token": sale.token,
            "kwh": str(sale.kwh),
            "admin_fee": str(sale.admin_fee),
            "ppj": str(sale.street_lighting_tax),
            "status": "sold" if created else "already_recorded",
        },
        status=201 if created else 200,
    )


@login_required
def installation_list(request):
    require_role(request.user, (*OFFICE_ROLES, *FIELD_ROLES))
    page = Paginator(queries.installations_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "prepaid/installation_list.html", {"page": page})


# --- Load profile NFC ------------------------------------------------------------------


@login_required
def load_profile(request):
    """Informasi Load Profile by meter number; without one, the meters flagged in the units."""
    require_role(request.user, LOAD_PROFILE_ROLES)
    form = MeterNumberForm(request.GET or None)
    context = {"form": form}
    if form.is_valid():
        meter = queries.meter_for(request.user, form.cleaned_data["meter_number"])
        if meter is None:
            form.add_error("meter_number", _("Meter tidak ditemukan di unit Anda."))
        else:
            profile = queries.load_profile_of(meter)
            context.update(meter=meter, profile=profile, chart=load_profile_chart(profile["rows"]))
    if "meter" not in context:
        flagged = queries.flagged_meters_for(request.user)
        context["flagged"] = Paginator(flagged, 25).get_page(request.GET.get("page"))
    limits = request.user.unit_settings()
    context["low"], context["high"] = limits.voltage_low, limits.voltage_high
    context["hours_on"] = limits.low_hours_on
    return render(request, "prepaid/load_profile.html", context)


@login_required
def load_profile_upload(request):
    require_role(request.user, LOAD_PROFILE_ROLES)
    form = LoadProfileUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored, errors = services.import_load_profiles(
            name=upload.name, content=upload.read(), actor=request.user
        )
        messages.success(request, _("%(n)s record load profile tersimpan.") % {"n": stored})
    return render(request, "prepaid/load_profile_upload.html", {"form": form, "errors": errors})


@login_required
def nfc_transactions(request):
    form = TransactionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.nfc_transactions_for(request.user, **filters)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "prepaid/nfc_transactions.html", {"form": form, "page": page})


# --- Loket NFC -------------------------------------------------------------------------


@login_required
def nfc_counter(request):
    """Loket NFC: the card's text pasted as the reader hands it over, the token and the payload
    to write to the card. The receipt number makes a form sent twice one sale."""
    _office(request)
    form = NfcCounterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.sell_at_nfc_counter(
                actor=request.user,
                meter_number=data["meter_number"],
                records=data["records"],
                amount=data["amount"],
                receipt_number=data["receipt_number"],
            )
        except DomainError as exc:
            form.add_error(_form_field(form, exc, meter_number="card_text"), exc.message)
        else:
            if result.created:
                messages.success(request, _("Token terbit: tulis ke kartu NFC pelanggan."))
            else:
                messages.info(
                    request,
                    _("Kuitansi %(r)s sudah tercatat: ini token penjualan yang sama.")
                    % {"r": result.sale.reference},
                )
            return redirect("prepaid:nfc_counter_receipt", pk=result.transaction.pk)
    page = Paginator(queries.counter_sales_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "prepaid/nfc_counter.html", {"form": form, "page": page})


@login_required
def nfc_counter_receipt(request, pk):
    """One sale of the NFC counter: the token, the card payload, the records the card brought."""
    purchase = queries.get_counter_sale_for(request.user, pk)
    return render(request, "prepaid/nfc_counter_receipt.html", {"purchase": purchase})
