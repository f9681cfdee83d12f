from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops import sts
from meterops.core.choices import RoleCode
from meterops.core.errors import DomainError, InvalidInput
from meterops.core.services import field_officers_for, require_role
from meterops.keychange.queries import confirmed_target_of, last_key_update
from meterops.keychange.services import may_correct
from meterops.vending.choices import OLD_VKRN

from . import broken_meters, errors, queries, services
from .forms import (
    AssignTicketForm,
    BrokenMeterForm,
    LookupForm,
    ProbingForm,
    ReplacementForm,
    ResolveTicketForm,
    SettingsForm,
    TicketFilterForm,
    TokenCallForm,
)
from .models import ComplaintSettings


@login_required
def wizard(request):
    """Token Tidak Bisa Masuk: the CSO's steps of seed 003, point 7, one customer at a time."""
    require_role(request.user, services.CALL_CENTRE_ROLES)
    lookup = LookupForm(request.GET or None)
    context = {"lookup": lookup}
    customer = None
    if lookup.is_valid():
        customer = queries.find_customer(request.user, lookup.cleaned_data["q"])
        if customer is None:
            lookup.add_error("q", _("Pelanggan tidak ditemukan di wilayah Anda."))
    if customer is not None:
        meter = customer.current_meter
        vkrn = meter.vkrn if meter else None
        update = last_key_update(meter) if meter else None
        context.update(
            customer=customer,
            meter=meter,
            vkrn=vkrn,
            update=update,
            zone=services.call_zone(customer),
            open_ticket=queries.open_ticket_for(request.user, customer),
        )
        done = None
        if vkrn in OLD_VKRN:
            steps = services.probing_steps_for(customer.unit)
            context["probing_form"], done = _wizard_probing(request, customer, steps)
        elif vkrn is not None:
            context["call_form"], done = _wizard_call(request, customer, context["zone"])
        if done is not None:
            return done
    return render(request, "complaints/wizard.html", context)


def _wizard_probing(request, customer, steps):
    form = ProbingForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        services.record_probing_call(
            actor=request.user,
            customer=customer,
            checked=form.cleaned_data["checked"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Panggilan dicatat untuk %(c)s.") % {"c": customer.customer_id})
        return form, redirect("complaints:wizard")
    return form, None


def _wizard_call(request, customer, zone):
    form = TokenCallForm(request.POST or None, zone=zone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.handle_token_call(
                actor=request.user,
                customer=customer,
                right_token=data["right_token"],
                officer_visited=data["officer_visited"] == "yes",
                power_state=data["power_state"],
                remaining_kwh=data["remaining_kwh"],
                token=data["token"],
                purchased_at=data["purchased_at"],
                note=data["note"],
                submission=data["submission"],
            )
        except errors.CallAlreadyRecorded as exc:
            messages.info(request, exc.message)
            return form, redirect("complaints:ticket_detail", pk=exc.call.ticket_id)
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _sent_message(ticket))
            return form, redirect("complaints:ticket_detail", pk=ticket.pk)
    return form, None


def _sent_message(ticket) -> str:
    if ticket.calls.count() > 1:
        return _("Panggilan ditambahkan ke tiket %(ref)s yang masih terbuka.") % {
            "ref": ticket.reference
        }
    return _("%(kind)s %(ref)s dikirim ke %(unit)s.") % {
        "kind": ticket.get_kind_display(),
        "ref": ticket.reference,
        "unit": ticket.unit,
    }


@login_required
def ticket_list(request):
    form = TicketFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tickets = queries.tickets_for(request.user, **filters)
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/ticket_list.html",
        {"form": form, "page": page, "now": timezone.now()},
    )


@login_required
def ticket_detail(request, pk):
    ticket = queries.get_ticket_for(request.user, pk)
    is_agent = request.user.has_role(*services.CALL_CENTRE_ROLES)
    calls = list(queries.calls_of(ticket))
    offers = [
        (call, ReplacementForm(initial={"call": call.pk}, calls=queries.calls_of(ticket)))
        for call in calls
        if is_agent and call.old_key_token and not call.replacements.all()
    ]
    target = confirmed_target_of(ticket.call.meter_id) if ticket.call.meter_id else None
    return render(
        request,
        "complaints/ticket_detail.html",
        {
            "ticket": ticket,
            "kct_target": target if target and may_correct(request.user, target) else None,
            "call": ticket.call,
            "calls": calls,
            "zone": services.call_zone(ticket.customer),
            "events": ticket.process.events.select_related("actor"),
            "replacements": [r for call in calls for r in call.replacements.all()],
            "offers": offers,
            "assign_form": AssignTicketForm(
                officers=field_officers_for(ticket.unit, actor=request.user)
            ),
            "resolve_form": ResolveTicketForm(initial={"cause": ticket.suggested_cause}),
            "broken_meter_form": BrokenMeterForm(),
            "is_agent": is_agent,
            "can_handle": request.user.has_role(*services.HANDLER_ROLES),
        },
    )


def _ticket_action(request, pk, action):
    ticket = queries.get_ticket_for(request.user, pk)
    try:
        action(ticket)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("complaints:ticket_detail", pk=ticket.pk)


@require_POST
@login_required
def ticket_assign(request, pk):
    def act(ticket):
        officers = field_officers_for(ticket.unit, actor=request.user)
        form = AssignTicketForm(request.POST, officers=officers)
        if not form.is_valid():
            raise InvalidInput("officer", _("Pilih petugas."))
        services.assign_ticket(
            actor=request.user, ticket=ticket, officer=form.cleaned_data["officer"]
        )
        messages.success(request, _("Tiket ditugaskan."))

    return _ticket_action(request, pk, act)


@require_POST
@login_required
def ticket_resolve(request, pk):
    def act(ticket):
        form = ResolveTicketForm(request.POST)
        if not form.is_valid():
            raise InvalidInput("cause", _("Isi penyebab dan penanganan."))
        services.resolve_ticket(actor=request.user, ticket=ticket, **form.cleaned_data)
        messages.success(request, _("Tiket selesai ditangani."))

    return _ticket_action(request, pk, act)


@require_POST
@login_required
def ticket_replacement_target(request, pk):
    """Meter rusak → buat target HOME: resolve the ticket and open (or join) its target."""
    ticket = queries.get_ticket_for(request.user, pk)
    form = BrokenMeterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih jenis kerusakan meter."))
        return redirect("complaints:ticket_detail", pk=ticket.pk)
    try:
        ticket = broken_meters.ticket_to_replacement_target(
            actor=request.user, ticket=ticket, **form.cleaned_data
        )
        messages.success(
            request,
            _("Tiket selesai: meter rusak menjadi target %(ref)s.")
            % {"ref": ticket.replacement_target.reference},
        )
    except errors.AlreadyReplacementTarget as exc:
        messages.info(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("complaints:ticket_detail", pk=ticket.pk)


@require_POST
@login_required
def ticket_close(request, pk):
    def act(ticket):
        services.close_ticket(actor=request.user, ticket=ticket)
        messages.success(request, _("Tiket ditutup."))

    return _ticket_action(request, pk, act)


@require_POST
@login_required
def call_replacement(request, pk):
    """Issue the replacement token of one call of the ticket (posted as ``call``)."""
    require_role(request.user, services.CALL_CENTRE_ROLES)
    ticket = queries.get_ticket_for(request.user, pk)
    form = ReplacementForm(request.POST, calls=queries.calls_of(ticket))
    if not form.is_valid():
        if "call" in form.errors:
            raise Http404
        messages.error(
            request,
            f"{form.fields['quantity'].label}: {' '.join(form.errors['quantity'])}",
        )
        return redirect("complaints:ticket_detail", pk=ticket.pk)
    try:
        replacement = services.issue_replacement_token(
            actor=request.user,
            call=form.cleaned_data["call"],
            quantity=form.cleaned_data["quantity"],
        )
        messages.success(
            request, _("Token pengganti: %(t)s") % {"t": sts.format_token(replacement.token)}
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("complaints:ticket_detail", pk=ticket.pk)


@login_required
def complaint_settings(request):
    """SLA per APKT kind and the probing checklist of the user's unit."""
    if not request.user.has_role(RoleCode.ADMIN, RoleCode.UNIT_ADMIN) or not request.user.unit:
        raise PermissionDenied
    unit = request.user.unit
    current = ComplaintSettings.for_unit(unit)
    initial = model_to_dict(current, fields=SettingsForm.Meta.fields)
    initial["probing"] = "\n".join(services.probing_steps_for(unit))
    form = SettingsForm(
        request.POST or None, initial=initial, instance=ComplaintSettings(unit=unit)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_complaint_settings(
                actor=request.user,
                unit=unit,
                outage_sla_hours=form.cleaned_data["outage_sla_hours"],
                complaint_sla_hours=form.cleaned_data["complaint_sla_hours"],
            )
            services.save_probing_steps(
                actor=request.user, unit=unit, lines=form.cleaned_data["probing"].splitlines()
            )
            messages.success(request, _("Pengaturan pengaduan %(u)s disimpan.") % {"u": unit})
            return redirect("complaints:settings")
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "complaints/settings.html", {"form": form, "unit": unit})
