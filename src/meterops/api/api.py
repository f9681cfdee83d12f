"""The JSON API of the field app (HOME mode mobile, seed 000) and of the NFC counter's card
reader (seed 002), OpenAPI at /api/openapi.json.

Every read starts from ``core.scoping.scoped`` like the web pages; every write goes through a
domain service, carries a client-generated ``client_id`` and is answered once (a resend gets the
stored answer). Errors: 401 without a valid token, 403 for a role, 404 outside the user's units,
409 when a rule refuses or the record changed since the app fetched it, 422 naming the field.
"""

import zoneinfo

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import HttpBearer

from meterops.core.errors import DomainError, InvalidInput
from meterops.core.queries import open_processes_of, timeline_of
from meterops.core.services import check_current_password
from meterops.core.worklist import work_list_for, work_list_ids, work_list_tag
from meterops.customers.queries import find_customer_for
from meterops.replacement.models import DamageType

from . import schemas as s
from . import services
from .responses import ERRORS, customer_out, user_out
from .routes_fieldwork import router as fieldwork_router
from .routes_home import router as home_router
from .routes_photos import router as photos_router


class DeviceTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
            # As core's UnitTimezoneMiddleware does for the web, which runs before this knows
            # the user: "today" and the times of an answer are the user's unit's (WIB/WITA/WIT).
            timezone.activate(zoneinfo.ZoneInfo(user.display_time_zone()))
        return user


api = NinjaAPI(
    title="meterops API perangkat",
    version="1",
    description="API aplikasi lapangan HOME mode mobile. Lihat docs/API.md.",
    auth=DeviceTokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def domain_error(request, exc):
    """Each kind of core.errors answers its status: NotFound 404, NotAllowed 403, WrongState
    and any other refusal 409, InvalidInput 422 with the ``field``."""
    body = {"code": exc.code, "message": str(exc.message), **exc.extra}
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc):
    first = exc.errors[0] if exc.errors else {}
    field = ".".join(str(part) for part in first.get("loc", ())[1:] if part != "payload")
    message = _("Isian %(field)s tidak valid: %(msg)s") % {
        "field": field or "-",
        "msg": first.get("msg", ""),
    }
    body = {"code": "invalid", "message": message, "field": field, "detail": exc.errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    body = {"code": "unauthenticated", "message": _("Login ulang: token tidak berlaku.")}
    return api.create_response(request, body, status=401)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    body = {"code": "forbidden", "message": _("Peran Anda tidak berhak membuka ini.")}
    return api.create_response(request, body, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    body = {"code": "not_found", "message": _("Data tidak ditemukan di unit Anda.")}
    return api.create_response(request, body, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    body = {"code": "error", "message": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


# --- Login -------------------------------------------------------------------------------


@api.get("/health", auth=None, response={200: s.MessageOut}, tags=["umum"])
def health(request):
    """For load balancers and the benchmark's baseline: no database."""
    return {"message": "ok"}


@api.post("/auth/login", auth=None, response={200: s.LoginOut, **ERRORS}, tags=["login"])
def login(request, payload: s.LoginIn):
    """Login with username and password; answers a device token (shown once) and the user."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        return Status(401, {"code": "bad_login", "message": _("Username atau password salah.")})
    _token, raw = services.issue_token(user=user, device_name=payload.device_name)
    return {"token": raw, "expires_at": _token.expires_at, "user": user_out(user)}


@api.post("/auth/logout", response={200: s.MessageOut, **ERRORS}, tags=["login"])
def logout(request):
    services.revoke_token(token=request.user.device_token, actor=request.user)
    return {"message": _("Token perangkat ini sudah dicabut.")}


@api.get("/me", response={200: s.MeOut, **ERRORS}, tags=["login"])
def me(request):
    return user_out(request.user)


@api.post("/me/password", response={200: s.MessageOut, **ERRORS}, tags=["login"])
def change_password(request, payload: s.PasswordIn):
    """Ganti Password (seed 000)."""
    user = request.user
    check_current_password(request=request, user=user, password=payload.old_password)
    try:
        validate_password(payload.new_password, user)
    except ValidationError as exc:
        raise InvalidInput("new_password", " ".join(exc.messages)) from exc
    user.set_password(payload.new_password)
    user.save(update_fields=["password"])
    services.keep_token_after_password_change(token=user.device_token)
    return {"message": _("Password berhasil diganti.")}


@api.get("/contacts", response={200: s.ContactOut, **ERRORS}, tags=["umum"])
def contacts(request):
    """Kontak Kami: the contacts set in the unit's Setting (seed 000)."""
    settings = request.user.unit_settings()
    unit = request.user.home_unit()
    return {
        "unit": unit.name if unit else "",
        "phone": settings.contact_phone,
        "email": settings.contact_email,
        "address": settings.contact_address,
    }


# --- Reads -------------------------------------------------------------------------------


@api.get("/work-list", response={200: s.WorkListOut, 304: None, **ERRORS}, tags=["pekerjaan"])
def work_list(request, response: HttpResponse, since: str | None = None):
    """Today's orders assigned to the officer, every kind, with their customers. The answer's
    ``ETag`` sent back in ``If-None-Match`` answers 304 without a body while the list is
    unchanged; ``since`` (the ``generated_at`` of the phone's last list) answers only the items
    changed since, and ``ids``, every item on the list now."""
    changed_after = _parse_since(since)
    etag = f'"{work_list_tag(request.user)}"'
    response.headers["ETag"] = etag
    # Each phone revalidates its own list; no shared cache keeps it.
    response.headers["Cache-Control"] = "private, no-cache"
    if etag in _none_match(request):
        return Status(304, None)
    items = work_list_for(request.user, since=changed_after)
    return {
        "generated_at": timezone.now(),
        "since": changed_after,
        "ids": work_list_ids(request.user) if changed_after else None,
        "items": [{**vars(item), "customer": customer_out(item.customer)} for item in items],
    }


def _parse_since(value: str | None):
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput(
            "since",
            _("Waktu since harus tanggal dan jam ISO 8601, mis. 2026-01-31T08:00:00+07:00."),
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _none_match(request) -> set[str]:
    """The validators of If-None-Match, compared weakly: a gzip on the way makes them W/."""
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    return {tag.removeprefix("W/") for tag in tags}


@api.get(
    "/customers/{customer_id}", response={200: s.CustomerStatusOut, **ERRORS}, tags=["pelanggan"]
)
def customer_status(request, customer_id: str):
    """Cek Status APP: the customer, the meter, open processes and the latest events."""
    if not customer_id.isdigit() or len(customer_id) != 12:
        raise InvalidInput("customer_id", _("IDPEL harus 12 angka."))
    customer = find_customer_for(request.user, customer_id)
    if customer is None:
        raise Http404
    return {
        "customer": customer_out(customer),
        "open_processes": [
            {
                "kind": p.kind,
                "reference": p.reference,
                "state_label": p.state_label,
                "opened_at": p.opened_at,
            }
            for p in open_processes_of(customer)
        ],
        "events": [
            {
                "at": e.at,
                "verb": e.verb,
                "label": e.label,
                "state_label": e.state_label,
                "note": e.note,
            }
            for e in timeline_of(customer, limit=10)
        ],
    }


@api.get("/damage-types", response={200: list[s.DamageTypeOut], **ERRORS}, tags=["pelanggan"])
def damage_types(request):
    return list(DamageType.objects.filter(is_active=True).values("code", "name"))


# The HOME PKs, the photos and the fieldwork orders each have their own module.
api.add_router("", home_router)
api.add_router("", photos_router)
api.add_router("", fieldwork_router)
api.add_router("", "meterops.api.routes_keychange.router")
api.add_router("", "meterops.api.routes_reading.router")
api.add_router("", "meterops.api.routes_prepaid.router")
api.add_router("", "meterops.api.routes_nfc_counter.router")
api.add_router("", "meterops.api.routes_payments.router")
api.add_router("", "meterops.api.routes_billing.router")
