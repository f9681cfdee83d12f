"""Upload pages (seed 000, menu Upload): template download, upload, progress, preview, apply,
history. Thin: the pipeline is in services.py, the background work in tasks.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from meterops.core import jobs
from meterops.core.errors import DomainError
from meterops.core.excel import XLSX_CONTENT_TYPE
from meterops.core.forms import BootstrapMixin
from meterops.core.media import content_type_of, serve_file
from meterops.core.scoping import scoped
from meterops.core.services import require_role

from . import services, tasks
from .models import ErrorReport, Upload, UploadRow, UploadState
from .reader import FileRefused, check_size, max_upload_bytes
from .registry import TEMPLATES, RowStatus, get_template, templates_for
from .workbooks import template_bytes

PREVIEW_ROWS = 50
RECORD_PAGE = 100


class UploadForm(BootstrapMixin, forms.Form):
    # An empty file reaches the service, which says why it is refused.
    file = forms.FileField(label="Berkas (.xlsx atau .csv)", allow_empty_file=True)


def _template_or_404(code: str):
    if code not in TEMPLATES:
        raise Http404
    return get_template(code)


@login_required
def upload_list(request):
    """Riwayat upload: every upload the user may see, newest first, with the templates above."""
    uploads = scoped(Upload, request.user).select_related("uploaded_by", "unit")
    code = request.GET.get("template", "")
    if code in TEMPLATES:
        uploads = uploads.filter(template_code=code)
    page = Paginator(uploads, 25).get_page(request.GET.get("page"))
    for upload in page:
        template = TEMPLATES.get(upload.template_code)
        upload.template_title = template.title if template else upload.template_code
    return render(
        request,
        "imports/upload_list.html",
        {"page": page, "templates": templates_for(request.user)},
    )


@login_required
def template_page(request, code: str):
    template = _template_or_404(code)
    require_role(request.user, template.roles)
    if request.method == "POST":
        return _receive(request, template)
    recent = (
        scoped(Upload, request.user).filter(template_code=code).select_related("uploaded_by")[:10]
    )
    return render(
        request,
        "imports/template_page.html",
        {
            "template": template,
            "form": UploadForm(),
            "recent": recent,
            "max_mb": max_upload_bytes() // 1048576,
        },
    )


def _receive(request, template):
    # Refused before Django reads the body: a too-big file never reaches the disk.
    try:
        check_size(int(request.META.get("CONTENT_LENGTH") or 0))
    except FileRefused as exc:
        messages.error(request, str(exc))
        return redirect(f"imports:{template.url_name}")
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Pilih berkas .xlsx atau .csv untuk diunggah.")
        return redirect(f"imports:{template.url_name}")
    try:
        upload = services.create_upload(
            actor=request.user, template=template, upload_file=form.cleaned_data["file"]
        )
    except (DomainError, FileRefused) as exc:
        messages.error(request, str(exc))
        return redirect(f"imports:{template.url_name}")
    jobs.enqueue_on_commit(tasks.check_upload_task, upload.pk)
    return redirect("imports:upload_detail", pk=upload.pk)


@login_required
def template_download(request, code: str):
    template = _template_or_404(code)
    require_role(request.user, template.roles)
    response = HttpResponse(template_bytes(template), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="template-{template.code}.xlsx"'
    return response


def _upload_for(request, pk: int) -> Upload:
    return get_object_or_404(scoped(Upload, request.user).select_related("uploaded_by"), pk=pk)


def _context(request, upload: Upload) -> dict:
    template = get_template(upload.template_code)
    context = {"upload": upload, "template": template}
    if upload.state in (UploadState.CHECKED, UploadState.APPLIED, UploadState.APPLYING) or (
        upload.state == UploadState.FAILED and upload.was_checked()
    ):
        context["rejected"] = UploadRow.objects.filter(
            upload=upload, status=RowStatus.REJECTED
        ).order_by("row_number")[:PREVIEW_ROWS]
    if upload.state == UploadState.APPLIED and template.record_url:
        rows = (
            UploadRow.objects.filter(upload=upload, record_id__isnull=False)
            .order_by("row_number")
            .values_list("row_number", "status", "record_id")
        )
        page = Paginator(rows, RECORD_PAGE).get_page(request.GET.get("page"))
        context["page"] = page
        context["records"] = [
            (number, status, template.record_url(pk), template.record_label(pk))
            for number, status, pk in page.object_list
        ]
    context["can_apply"] = request.user.has_role(*template.roles)
    context.update(_report_context(upload))
    return context


def _report_context(upload: Upload) -> dict:
    """The error report box: a download link, its progress, or a button to write it."""
    report = ErrorReport.objects.filter(upload=upload).first()
    if report is None or not report.covers(upload):
        state = "missing"
    elif report.is_ready():
        state = "ready"
    elif report.is_building():
        state = "building"
    else:
        state = "missing"
    return {"upload": upload, "report": report, "report_state": state}


@login_required
def upload_detail(request, pk: int):
    upload = _upload_for(request, pk)
    return render(request, "imports/upload_detail.html", _context(request, upload))


@login_required
def upload_progress(request, pk: int):
    """The htmx poll: the progress bar while the worker runs; the whole page when it is done,
    or when its worker stopped (the upload is then failed with a message)."""
    upload = _upload_for(request, pk)
    if upload.is_running() and not services.fail_if_stalled(upload):
        return render(request, "imports/_progress.html", {"upload": upload})
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def upload_apply(request, pk: int):
    upload = _upload_for(request, pk)
    try:
        services.start_apply(upload=upload, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("imports:upload_detail", pk=pk)


@login_required
def upload_errors(request, pk: int):
    """The error report's file, once the background task wrote it."""
    upload = _upload_for(request, pk)
    context = _report_context(upload)
    if context["report_state"] != "ready":
        messages.error(
            request,
            "Laporan kesalahan belum siap: tunggu sampai tautannya muncul, atau tekan Susun "
            "laporan kesalahan.",
        )
        return redirect("imports:upload_detail", pk=pk)
    return serve_file(
        context["report"].file,
        content_type=XLSX_CONTENT_TYPE,
        download_name=f"ditolak-upload-{upload.pk}.xlsx",
    )


@login_required
@require_POST
def upload_errors_build(request, pk: int):
    upload = _upload_for(request, pk)
    services.request_error_report(upload=upload)
    return redirect("imports:upload_detail", pk=pk)


@login_required
def upload_errors_progress(request, pk: int):
    """The htmx poll of the error report box while the report is written."""
    upload = _upload_for(request, pk)
    return render(request, "imports/_error_report.html", _report_context(upload))


@login_required
def upload_file(request, pk: int):
    upload = _upload_for(request, pk)
    return serve_file(
        upload.file,
        content_type=content_type_of(upload.original_name),
        download_name=upload.original_name,
    )
