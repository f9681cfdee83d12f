"""Daftar Suspect P2TL (issue #23): thin views over p2tl.queries and p2tl.services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.services import require_role
from meterops.core.views import unit_parameters_page
from meterops.customers.models import Customer

from . import exports, services
from .forms import P2tlSettingsForm, UnitFilterForm
from .models import P2tlSettings
from .queries import SuspectList, window_of

PAGE_SIZE = 25


def _window(request, data):
    require_role(request.user, services.LIST_READERS)
    form = UnitFilterForm(data or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise Http404  # a unit outside the user's reach
    unit = form.cleaned_data.get("unit") if form.is_bound else None
    return form, window_of(request.user, unit)


@login_required
def suspect_list(request):
    """The unit's customers ranked by the signals the domains hold, each explained."""
    form, window = _window(request, request.GET)
    number = request.GET.get("page")
    suspects = SuspectList(window, page_size=PAGE_SIZE, page=number)
    page = Paginator(suspects, PAGE_SIZE).get_page(number)
    services.recount_suspects_if_stale(window)
    return render(
        request,
        "p2tl/suspect_list.html",
        {
            "form": form,
            "page": page,
            "unit_id": request.GET.get("unit", ""),
            "counted_at": window.counted_at,
            "recount_minutes": settings.P2TL_MAX_AGE // 60,
        },
    )


@login_required
def suspect_export(request):
    _form, window = _window(request, request.GET)
    response = exports.suspects_xlsx(SuspectList(window).all(), window.unit)
    services.recount_suspects_if_stale(window)
    return response


@require_POST
@login_required
def suspects_inspect(request):
    """The chosen suspects become Pemeriksaan P2TL orders, each once."""
    _window(request, {"unit": request.POST.get("unit", "")})  # the role, and a unit in reach
    ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    if not ids:
        messages.error(request, _("Pilih minimal satu pelanggan."))
    else:
        try:
            outcome = services.order_inspections(
                actor=request.user, customers=Customer.objects.filter(pk__in=ids)
            )
            messages.success(
                request, _("%(n)s order Pemeriksaan P2TL diterbitkan.") % {"n": outcome.issued}
            )
            for idpel, ref in sorted(outcome.already_open.items()):
                messages.warning(
                    request,
                    _("%(idpel)s sudah punya order pemeriksaan %(ref)s yang masih terbuka.")
                    % {"idpel": idpel, "ref": ref},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
    url = reverse("p2tl:suspect_list")
    unit = request.POST.get("unit", "")
    return redirect(f"{url}?unit={unit}" if unit.isdigit() else url)


@login_required
def p2tl_settings(request):
    """The unit's P2TL weights, inherited from above until the unit saves its own."""
    require_role(request.user, services.SETTINGS_EDITORS)
    return unit_parameters_page(
        request,
        title=_("Parameter P2TL"),
        form_class=P2tlSettingsForm,
        current_for=P2tlSettings.for_unit,
        save=services.update_p2tl_settings,
        summary=lambda row: (
            _("bobot tamper %(t)s · tegangan %(v)s · stan %(r)s · turun %(d)s · sampling %(s)s")
            % {
                "t": row.weight_tamper,
                "v": row.weight_voltage,
                "r": row.weight_register,
                "d": row.weight_drop_after_visit,
                "s": row.weight_sampling,
            }
        ),
        saved=_("Setting P2TL %(unit)s disimpan."),
    )
