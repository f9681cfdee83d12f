"""The login lockout (django-axes) as meterops sets it up (issue #17).

- A username locks after ``AXES_FAILURE_LIMIT`` failures from any address: guessing one
  person's password stops there.
- A client address locks after ``LOCKOUT_IP_FAILURE_LIMIT`` failures, whatever usernames it
  tried: a higher limit, because one office behind one NAT is one address for many people.
- The client address is the socket's, or behind ``TRUSTED_PROXY_COUNT`` proxies the one the
  proxies wrote into X-Forwarded-For: a header a client sends itself is never believed.
- The web answers a lockout with its page, the device API with JSON like its other errors.

settings.py points axes here: ``AXES_HANDLER``, ``AXES_CLIENT_IP_CALLABLE`` and
``AXES_LOCKOUT_CALLABLE``.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from ipware import get_client_ip

from .errors import LockedOut


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the socket's, or behind ``TRUSTED_PROXY_COUNT`` proxies that
    each append the address they saw to X-Forwarded-For, the entry that many from the right."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        # ipware counts the proxies named after the client in the header; the last proxy is
        # the socket's peer and names no one after the client it saw.
        address, _routable = get_client_ip(
            request,
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address is not None:
            return address
    return request.META.get("REMOTE_ADDR")


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: the username's own, and a looser one for the
    client address (axes itself compares every lockout parameter with one limit)."""

    def get_failures(self, request, credentials=None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        limit = get_failure_limit(request, credentials)
        by_username = _failures(recent.filter(username=get_client_username(request, credentials)))
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        if by_address >= settings.LOCKOUT_IP_FAILURE_LIMIT:
            return max(by_username, limit)
        return by_username


def _locked_until(attempts: QuerySet):
    last = attempts.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
    return last + settings.AXES_COOLOFF_TIME if last else None


def lockout_message(request: HttpRequest, credentials=None) -> str:
    """Which login is locked and until when (the clock of the zone the page shows), so the
    user knows what to wait for: the typed username, or the network address after many
    usernames failed from it."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    username = get_client_username(request, credentials) or ""
    by_username = recent.filter(username=username)
    if username and _failures(by_username) >= get_failure_limit(request, credentials):
        until, who = _locked_until(by_username), _("Akun “%(username)s”") % {"username": username}
    else:
        until, who = _locked_until(recent.filter(ip_address=request.axes_ip_address)), None
        who = _("Alamat jaringan Anda")
    if until is None:  # the attempts were cleared meanwhile: the cool-off from now
        until = timezone.now() + settings.AXES_COOLOFF_TIME
    local = timezone.localtime(until)
    return _(
        "Terlalu banyak percobaan login yang gagal. %(who)s dikunci sampai pukul %(time)s "
        "(%(date)s). Coba lagi setelah itu, atau minta admin unit Anda membuka kuncinya."
    ) % {
        "who": who,
        "time": local.strftime("%H:%M ") + local.tzname(),
        "date": local.strftime("%d-%m-%Y"),
    }


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What a locked-out request gets: JSON ``{code, message}`` for a JSON request (the device
    API), the lockout page otherwise."""
    if request.content_type == "application/json":
        body = {"code": LockedOut.code, "message": lockout_message(request, credentials)}
        return JsonResponse(body, status=LockedOut.status)
    return render(
        request,
        "core/lockout.html",
        {"message": lockout_message(request, credentials)},
        status=LockedOut.status,
    )
