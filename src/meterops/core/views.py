from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import queries, services
from .directory import customer_directory
from .errors import DomainError, InvalidInput
from .forms import (
    CustomerIdForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetByAdminForm,
    UnitChoiceForm,
    UnitSettingsForm,
    UserFilterForm,
    UserForm,
)
from .media import content_type_of, serve_file
from .panels import panels_for, status_panels_for
from .replica import reads_from_replica


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("core:dashboard")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        messages.success(self.request, _("Password berhasil diganti."))
        return super().form_valid(form)


@login_required
@reads_from_replica
def dashboard(request):
    rows, counted_at = queries.dashboard_rows(request.user)
    totals = {key: sum(row[key] for row in rows) for key in ("customers", "open_processes")}
    totals["users"] = queries.active_user_count(request.user)
    return render(
        request,
        "core/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "customers_counted_at": counted_at,
            "panels": panels_for(request.user),
        },
    )


@login_required
def status(request):
    """Cek Status Terakhir: the customer's meter, open processes and timeline (seed 000)."""
    form = CustomerIdForm(request.GET or None)
    context = {"form": form}
    if form.is_valid():
        customer = customer_directory().find(request.user, form.cleaned_data["customer_id"])
        if customer is None:
            form.add_error(
                "customer_id",
                _("IDPEL %(idpel)s tidak ditemukan di unit Anda.")
                % {"idpel": form.cleaned_data["customer_id"]},
            )
        else:
            context.update(
                customer=customer,
                meter=customer.current_meter,
                open_processes=queries.open_processes_of(customer),
                events=queries.timeline_of(customer),
                panels=status_panels_for(request.user, customer),
            )
    return render(request, "core/status.html", context)


@login_required
def event_attachment(request, pk):
    """The attachment of a timeline event (a BA scan), only to users who may see the event."""
    event = queries.get_event_attachment_for(request.user, pk)
    return serve_file(event.attachment, content_type=content_type_of(event.attachment.name))


@login_required
def user_list(request):
    services.require_role(request.user, services.USER_MANAGER_ROLES)
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = queries.users_for(request.user, **filters)
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(request, "core/user_list.html", {"form": form, "page": page})


def _save_user_form(request, form, user=None):
    """Hand a valid form to the service; its refusals become errors on the form."""
    data = form.cleaned_data
    fields = {
        key: data.get(key)
        for key in ("unit", "contractor", "first_name", "last_name", "email", "phone")
    }
    fields["placed_units"] = list(data.get("placed_units") or [])
    fields["roles"] = set(data["roles"])
    try:
        if user is None:
            return services.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                **fields,
            )
        return services.update_user(actor=request.user, user=user, **fields)
    except ValidationError as exc:
        target = "password" if user is None and "password" in form.fields else None
        for message in exc.messages:
            form.add_error(target, message)
    except InvalidInput as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    except DomainError as exc:
        form.add_error(None, exc.message)
    return None


@login_required
def user_create(request):
    services.require_role(request.user, services.USER_MANAGER_ROLES)
    grantable = services.grantable_roles(request.user)
    form = UserForm(request.POST or None, actor=request.user, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        user = _save_user_form(request, form)
        if user is not None:
            messages.success(request, _("Pengguna %(u)s dibuat.") % {"u": user.username})
            return redirect("core:user_list")
    return render(request, "core/user_form.html", {"form": form, "creating": True})


@login_required
def user_edit(request, pk):
    user = queries.get_user_for(request.user, pk)
    grantable = services.grantable_roles(request.user)
    form = UserForm(request.POST or None, instance=user, actor=request.user, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        saved = _save_user_form(request, form, user)
        if saved is not None:
            messages.success(request, _("Pengguna %(u)s disimpan.") % {"u": saved.username})
            return redirect("core:user_list")
    history = user.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "core/user_form.html",
        {
            "form": form,
            "creating": False,
            "edited": user,
            "history": history,
            "reset_form": PasswordResetByAdminForm(),
        },
    )


@require_POST
@login_required
def user_set_active(request, pk):
    user = queries.get_user_for(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_user_active(actor=request.user, user=user, active=active)
        if active:
            messages.success(request, _("Pengguna %(u)s diaktifkan.") % {"u": user.username})
        else:
            messages.success(request, _("Pengguna %(u)s dinonaktifkan.") % {"u": user.username})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("core:user_list")


@require_POST
@login_required
def user_reset_password(request, pk):
    user = queries.get_user_for(request.user, pk)
    form = PasswordResetByAdminForm(request.POST)
    if form.is_valid():
        try:
            services.reset_user_password(
                actor=request.user, user=user, password=form.cleaned_data["password1"]
            )
            messages.success(request, _("Password %(u)s sudah direset.") % {"u": user.username})
            return redirect("core:user_edit", pk=user.pk)
        except ValidationError as exc:
            form.add_error("password1", exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("core:user_edit", pk=user.pk)


@login_required
def unit_settings(request):
    """Setting: the parameters of the user's unit (or a unit below it, for a UID/UP3 admin)."""
    services.require_role(request.user, services.USER_MANAGER_ROLES)
    return unit_parameters_page(
        request,
        title=_("Setting Unit"),
        form_class=UnitSettingsForm,
        current_for=lambda unit: unit.settings_or_default(),
        save=services.update_unit_settings,
        summary=lambda row: row.get_time_zone_display(),
        saved=_("Setting %(unit)s disimpan."),
    )


def unit_parameters_page(request, *, title, form_class, current_for, save, summary, saved):
    """The one page for a unit's parameters: core Setting and every domain's Parameter page.

    The caller checks the role. ``current_for(unit)`` is the unit's own row or the one it
    inherits; ``save(actor=, unit=, values=)`` is the domain's service; ``summary(row)`` is
    what a history line shows; ``saved`` the success message (``%(unit)s``).
    """
    chooser = UnitChoiceForm(request.GET or None, actor=request.user)
    if chooser.is_bound and not chooser.is_valid():
        raise Http404  # a unit outside the user's reach, or no unit at all
    unit = (chooser.cleaned_data.get("unit") if chooser.is_bound else None) or request.user.unit
    if unit is None:
        raise PermissionDenied
    current = current_for(unit)
    fields = form_class.Meta.fields
    form = form_class(
        request.POST or None,
        instance=form_class.Meta.model(unit=unit),
        initial=model_to_dict(current, fields=fields),
    )
    if request.method == "POST" and form.is_valid():
        try:
            save(actor=request.user, unit=unit, values={f: form.cleaned_data[f] for f in fields})
            messages.success(request, saved % {"unit": unit})
            return redirect(f"{request.path}?unit={unit.pk}")
        except DomainError as exc:
            form.add_error(None, exc.message)
    inherited = current.pk is None or current.unit_id != unit.pk
    history = []
    if not inherited:
        rows = current.history.select_related("history_user").order_by("-history_date")[:20]
        history = [(row.history_date, row.history_user, summary(row)) for row in rows]
    return render(
        request,
        "core/unit_settings.html",
        {
            "title": title,
            "form": form,
            "chooser": chooser,
            "unit": unit,
            "history": history,
            "inherited": inherited,
        },
    )
