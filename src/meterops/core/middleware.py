import logging
import time
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import logs

access_log = logging.getLogger("meterops.request")


class RequestIdMiddleware:
    """Issue #21: tag the request's log lines, and the jobs it queues (core.jobs), with one id:
    nginx's ``X-Request-ID`` when it has nginx's shape, else a new one; the response carries it
    back. Then one access line per request, after everything below has answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.sane_request_id(request.headers.get("X-Request-ID"))
        token = logs.request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            fields = _access_fields(request, response, started)
            access_log.info(
                "%(method)s %(path)s %(status)s %(duration_ms)sms", fields, extra=fields
            )
            return response
        finally:
            logs.request_id.reset(token)


def _access_fields(request, response, started: float) -> dict:
    # The path without its query string: searches put customer ids and names there.
    match = request.resolver_match
    user = getattr(request, "user", None)
    return {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
        "view": match.view_name if match else None,
        "user_id": user.pk if user is not None and user.is_authenticated else None,
    }


class UnitTimezoneMiddleware:
    """Show times in the zone of the user's unit (WIB, WITA or WIT); they are stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.display_time_zone()))
        else:
            timezone.deactivate()
        return self.get_response(request)


def field_with_nul(request) -> str | None:
    """The first query or form field whose name or value holds a NUL character (issue #17:
    PostgreSQL refuses NUL in text, so a search for ``%00`` was a 500); ``None`` when clean.

    A multipart body (a file upload) is not read here: its size is checked by the view before
    anything reads it, and its text fields go through Django form fields, which refuse NUL
    (``ProhibitNullCharactersValidator``). JSON bodies are left to the API's schemas, which
    refuse NUL per field already."""
    if "\x00" in request.path:
        return "path"
    fields = [request.GET]
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        fields.append(request.POST)
    for data in fields:
        for name, values in data.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
    return None


class RefuseNulMiddleware:
    """Answer a request carrying NUL in a field with its name, before any view reads it:
    400 with the page's message, or 422 JSON in the API's error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = field_with_nul(request)
        if field is None:
            return self.get_response(request)
        message = _("Isian “%(field)s” berisi karakter NUL (\\0) yang tidak diizinkan.") % {
            "field": field
        }
        if request.path.startswith("/api/"):
            body = {"code": "invalid", "message": message, "field": field}
            return JsonResponse(body, status=422)
        return render(request, "400.html", {"message": message}, status=400)


class PrivateResponseMiddleware:
    """Issue #17: a Permissions-Policy on every response, and ``Cache-Control: no-store`` on
    every answer to an authenticated user (pages, exports, PDFs, the API with a device token),
    so no shared or browser cache keeps customer data after logout. Static files are served
    before Django (nginx, or the static handler in development) and keep their caching."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        # Read after the view: the API authenticates its token inside the view.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


def allow_images_from(response, url: str):
    """Let ``response``'s page show images from ``url``'s origin (a unit's map tile server),
    beside the site's own; ``{s}`` subdomain placeholders become a wildcard."""
    parts = urlsplit(url.replace("{s}", "*"))
    if parts.scheme in {"http", "https"} and parts.netloc:
        response._csp_update = {"img-src": [f"{parts.scheme}://{parts.netloc}"]}
    return response
