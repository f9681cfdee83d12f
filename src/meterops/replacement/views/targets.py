"""Data APP Rusak, Tambah Ex DG, Verifikasi APP Rusak, Verifikasi Ulang TO (seed 000)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meterops.core.errors import DomainError
from meterops.core.forms import CustomerIdForm
from meterops.core.media import serve_file
from meterops.core.queries import open_processes_of
from meterops.core.replica import reads_from_replica
from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.queries import find_customer_for

from .. import damage_types, exports, queries, services
from ..choices import TargetState
from ..findings import origin_url
from ..forms import (
    BaDocumentForm,
    DamageReportForm,
    DamageTypeForm,
    TargetFilterForm,
)
from ..models import DamageType, Document, Photo

PAGE_SIZE = 25


def _page(request, rows, size=PAGE_SIZE):
    """One page of a list: the page's ids first, then only those rows with their joins.

    Letting OFFSET run over the joined rows made deep pages of a million targets slow
    (docs/BENCHMARKS.md); over the bare ids it stays on the index.
    """
    page = Paginator(rows.values_list("pk", flat=True), size).get_page(request.GET.get("page"))
    by_pk = rows.in_bulk(list(page.object_list))
    page.object_list = [by_pk[pk] for pk in page.object_list]
    return page


def _back(request, default: str, **kwargs):
    """Return to the list the action came from (a local "next"), else to ``default``."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(default, **kwargs)


def _selected_targets(request, *states):
    """The targets ticked on a list page, re-read within the user's scope."""
    ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    return list(queries.targets_in_state(request.user, *states).filter(pk__in=ids))


@login_required
@reads_from_replica
def target_list(request):
    """Data APP Rusak: every broken-meter record of the user's units, filtered and paginated."""
    form = TargetFilterForm(request.GET or None, user=request.user)
    targets = queries.targets_for(request.user)
    if form.is_valid():
        targets = queries.filter_targets(targets, **form.cleaned_data)
    else:
        targets = targets.order_by("-reported_at", "-id")
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return exports.targets_xlsx(targets)
    return render(
        request,
        "replacement/target_list.html",
        {
            "form": form,
            "page": _page(request, targets),
            "can_report": request.user.has_role(*services.REPORTER_ROLES),
        },
    )


@login_required
def target_create(request):
    """Tambah Ex DG: find the customer by IDPEL, then add the damage and its photos."""
    require_role(request.user, services.REPORTER_ROLES)
    lookup = CustomerIdForm(request.GET or None)
    customer = open_processes = None
    if lookup.is_valid():
        customer = find_customer_for(request.user, lookup.cleaned_data["customer_id"])
        if customer is None:
            lookup.add_error("customer_id", _("IDPEL tidak ditemukan di unit Anda."))
        else:
            open_processes = open_processes_of(customer)
    form = DamageReportForm(request.POST or None, request.FILES or None)
    if customer is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photos = data.pop("photos")
        try:
            target = services.report_damage(
                actor=request.user,
                customer=customer,
                report=services.DamageReport(**data),
                photos=photos,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(ref)s dibuat untuk IDPEL %(idpel)s.")
                % {"ref": target.reference, "idpel": customer.customer_id},
            )
            return redirect("replacement:target_detail", pk=target.pk)
    return render(
        request,
        "replacement/target_form.html",
        {
            "lookup": lookup,
            "customer": customer,
            "form": form,
            "open_processes": open_processes,
            "meter": customer.current_meter if customer else None,
        },
    )


@login_required
def target_detail(request, pk):
    target = queries.get_target_for(request.user, pk)
    user = request.user
    return render(
        request,
        "replacement/target_detail.html",
        {
            "target": target,
            "photos": target.photos.all(),
            "documents": target.documents.all(),
            "events": target.process.events.select_related("actor").order_by("-at", "-id"),
            "can_verify": user.has_role(*services.VERIFIER_ROLES),
            "work_order": getattr(target, "work_order", None),
            "replacement": getattr(target, "replacement", None),
            "origins": [(o, origin_url(o)) for o in target.origins.all()],
        },
    )


@login_required
def photo_file(request, pk, size):
    """Serve a photo only to users who may see its target (media is not public, issue #17)."""
    photo = get_object_or_404(scoped(Photo, request.user), pk=pk)
    field = photo.thumbnail if size == "thumb" else photo.image
    return serve_file(field, content_type="image/jpeg")


@login_required
def document_file(request, pk):
    document = get_object_or_404(scoped(Document, request.user), pk=pk)
    return serve_file(document.file, content_type=document.content_type)


@login_required
def verification_list(request):
    """Verifikasi APP Rusak: targets waiting for the supervisor, bulk verify by selection."""
    require_role(request.user, services.VERIFIER_ROLES)
    targets = queries.targets_in_state(request.user, TargetState.SUBMITTED)
    return render(
        request,
        "replacement/verification_list.html",
        {
            "page": _page(request, targets, 50),
        },
    )


@require_POST
@login_required
def targets_verify(request):
    """Verify every selected target; each refusal is reported, the others go through."""
    selected = _selected_targets(request, TargetState.SUBMITTED)
    if not selected:
        messages.error(
            request, _("Pilih minimal satu target, atau data sudah diproses pengguna lain.")
        )
        return redirect("replacement:verification_list")
    done = 0
    for target in selected:
        try:
            services.verify_target(target=target, actor=request.user)
            done += 1
        except DomainError as exc:
            messages.error(request, exc.message)
    if done:
        messages.success(request, _("%(n)d target terverifikasi, siap cetak PK.") % {"n": done})
    return redirect("replacement:verification_list")


def _target_action(request, pk, action, success, **kwargs):
    target = queries.get_target_for(request.user, pk)
    try:
        action(target=target, actor=request.user, **kwargs)
        messages.success(request, success % {"ref": target.reference})
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, "replacement:target_detail", pk=pk)


@require_POST
@login_required
def target_verify(request, pk):
    return _target_action(
        request, pk, services.verify_target, _("%(ref)s terverifikasi, siap cetak PK.")
    )


@require_POST
@login_required
def target_send_to_reverification(request, pk):
    return _target_action(
        request,
        pk,
        services.send_target_to_reverification,
        _("%(ref)s dikirim ke Verifikasi Ulang TO."),
        reason=request.POST.get("reason", ""),
    )


@login_required
def reverification_list(request):
    """Verifikasi Ulang TO: go on to a work order, or drop from the target list."""
    require_role(request.user, services.VERIFIER_ROLES)
    targets = queries.targets_in_state(request.user, TargetState.REVERIFY).prefetch_related(
        "documents"
    )
    return render(
        request,
        "replacement/reverification_list.html",
        {
            "page": _page(request, targets, 50),
        },
    )


@require_POST
@login_required
def target_reverify(request, pk):
    return _target_action(
        request, pk, services.reverify_target, _("%(ref)s dilanjutkan ke Cetak PK.")
    )


@require_POST
@login_required
def target_drop(request, pk):
    return _target_action(
        request,
        pk,
        services.drop_target,
        _("%(ref)s dihapus dari TO."),
        reason=request.POST.get("reason", ""),
    )


@require_POST
@login_required
def target_upload_ba(request, pk):
    target = queries.get_target_for(request.user, pk)
    form = BaDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Pilih berkas BA (PDF/JPEG) yang akan diupload."))
    else:
        try:
            services.attach_ba_document(
                target=target, actor=request.user, upload=form.cleaned_data["document"]
            )
            messages.success(request, _("BA %(ref)s tersimpan.") % {"ref": target.reference})
        except DomainError as exc:
            messages.error(request, exc.message)
    return _back(request, "replacement:reverification_list")


@login_required
def damage_type_list(request):
    """Jenis Kerusakan: kept by the administrator, read by the roles that upload TOs."""
    require_role(request.user, damage_types.READER_ROLES)
    can_edit = request.user.has_role(*damage_types.EDITOR_ROLES)
    if request.method == "POST":
        require_role(request.user, damage_types.EDITOR_ROLES)
    form = DamageTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            damage_type = damage_types.create_damage_type(
                actor=request.user, name=form.cleaned_data["name"]
            )
            messages.success(
                request, _("Jenis kerusakan %(name)s ditambahkan.") % {"name": damage_type.name}
            )
            return redirect("replacement:damage_type_list")
        except DomainError as exc:
            form.add_error("name", exc.message)
    return render(
        request,
        "replacement/damage_type_list.html",
        {"form": form, "damage_types": DamageType.objects.all(), "can_edit": can_edit},
    )


@require_POST
@login_required
def damage_type_set_active(request, pk):
    require_role(request.user, damage_types.EDITOR_ROLES)
    damage_type = get_object_or_404(DamageType, pk=pk)
    try:
        damage_types.set_damage_type_active(
            actor=request.user, damage_type=damage_type, active=request.POST.get("active") == "1"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("replacement:damage_type_list")
