"""The JSON API of the field app (HOME mode mobile, seed 000), OpenAPI at /api/openapi.json.

Every read starts from ``core.scoping.scoped`` like the web pages; every write goes through a
domain service, carries a client-generated ``client_id`` and is answered once (a resend gets the
stored answer). Errors: 401 without a valid token, 403 for a role, 404 outside the user's units,
409 when a rule refuses or the record changed since the app fetched it, 422 naming the field.
"""

import zoneinfo
from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import HttpBearer

from meterops.core.errors import DomainError
from meterops.core.queries import open_processes_of, timeline_of
from meterops.core.scoping import scoped
from meterops.customers.queries import find_customer_for
from meterops.replacement import services as replacement
from meterops.replacement.choices import TargetState, WorkOrderStatus
from meterops.replacement.models import DamageType
from meterops.replacement.queries import work_orders_for

from . import schemas as s
from . import services
from .worklist import work_list_for


class DeviceTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="meterops API perangkat",
    version="1",
    description="API aplikasi lapangan HOME mode mobile. Lihat docs/API.md.",
    auth=DeviceTokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)

ERRORS = {401: s.ErrorOut, 403: s.ErrorOut, 404: s.ErrorOut, 409: s.ErrorOut, 422: s.ErrorOut}


@api.exception_handler(services.FieldError)
def field_error(request, exc):
    body = {"code": exc.code, "message": str(exc.message), "field": exc.field}
    return api.create_response(request, body, status=422)


@api.exception_handler(DomainError)
def domain_error(request, exc):
    body = {"code": exc.code, "message": str(exc.message), **exc.extra}
    return api.create_response(request, body, status=409)


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


def _me(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name() or user.username,
        "roles": sorted(user.role_codes),
        "unit": user.unit.name if user.unit_id else "",
        "contractor": user.contractor.name if user.contractor_id else "",
    }


def _customer(customer) -> dict:
    meter = getattr(customer, "current_meter_row", None)
    if meter is None and not hasattr(customer, "current_meter_row"):
        meter = customer.current_meter
    return {
        "id": customer.pk,
        "customer_id": customer.customer_id,
        "name": customer.name,
        "address": customer.address,
        "tariff": customer.tariff,
        "power_va": customer.power_va,
        "latitude": customer.latitude,
        "longitude": customer.longitude,
        "meter_number": meter.meter_number if meter else None,
        "meter_brand": meter.brand if meter else None,
    }


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, zoneinfo.ZoneInfo("UTC"))
    return moment


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
    return {"token": raw, "expires_at": _token.expires_at, "user": _me(user)}


@api.post("/auth/logout", response={200: s.MessageOut, **ERRORS}, tags=["login"])
def logout(request):
    services.revoke_token(token=request.user.device_token, actor=request.user)
    return {"message": _("Token perangkat ini sudah dicabut.")}


@api.get("/me", response={200: s.MeOut, **ERRORS}, tags=["login"])
def me(request):
    return _me(request.user)


@api.post("/me/password", response={200: s.MessageOut, **ERRORS}, tags=["login"])
def change_password(request, payload: s.PasswordIn):
    """Ganti Password (seed 000)."""
    user = request.user
    if not user.check_password(payload.old_password):
        raise services.FieldError("old_password", _("Password lama salah."))
    try:
        validate_password(payload.new_password, user)
    except ValidationError as exc:
        raise services.FieldError("new_password", " ".join(exc.messages)) from exc
    user.set_password(payload.new_password)
    user.save(update_fields=["password"])
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


@api.get("/work-list", response={200: s.WorkListOut, **ERRORS}, tags=["pekerjaan"])
def work_list(request):
    """Today's orders assigned to the officer, every kind, with their customers."""
    items = work_list_for(request.user)
    return {
        "generated_at": timezone.now(),
        "items": [{**vars(item), "customer": _customer(item.customer)} for item in items],
    }


@api.get(
    "/customers/{customer_id}", response={200: s.CustomerStatusOut, **ERRORS}, tags=["pelanggan"]
)
def customer_status(request, customer_id: str):
    """Cek Status APP: the customer, the meter, open processes and the latest events."""
    if not customer_id.isdigit() or len(customer_id) != 12:
        raise services.FieldError("customer_id", _("IDPEL harus 12 angka."))
    customer = find_customer_for(request.user, customer_id)
    if customer is None:
        raise Http404
    return {
        "customer": _customer(customer),
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
            {"at": e.at, "verb": e.verb, "state_label": e.state_label, "note": e.note}
            for e in timeline_of(customer, limit=10)
        ],
    }


@api.get("/damage-types", response={200: list[s.DamageTypeOut], **ERRORS}, tags=["pelanggan"])
def damage_types(request):
    return list(DamageType.objects.filter(is_active=True).values("code", "name"))


def _work_order_row(work_order, overdue_days: int) -> dict:
    status = work_order.status(overdue_days)
    target = work_order.target
    return {
        "id": work_order.pk,
        "number": work_order.number,
        "target_reference": target.reference,
        "customer_id": target.customer.customer_id,
        "customer_name": target.customer.name,
        "damage_type": target.damage_type.name,
        "status": status,
        "status_label": str(WorkOrderStatus(status).label),
        "printed_at": work_order.printed_at,
        "assigned_to": work_order.assigned_to.username if work_order.assigned_to else None,
        "version": target.updated_at,
    }


def _visible_work_orders(user):
    """A contractor's staff see unassigned PKs and their own contractor's, never another's."""
    work_orders = work_orders_for(user)
    if user.contractor_id:
        work_orders = work_orders.filter(
            Q(assigned_to__isnull=True) | Q(assigned_to__contractor_id=user.contractor_id)
        )
    return work_orders


@api.get("/work-orders", response={200: list[s.WorkOrderOut], **ERRORS}, tags=["PK"])
def work_orders(request, status: WorkOrderStatus | None = None):
    """Monitoring PK (status filter) and Distribusi PK (status=printed) of the user's units."""
    user = request.user
    replacement.require_role(user, replacement.DISTRIBUTOR_ROLES + replacement.REPLACER_ROLES)
    rows = _visible_work_orders(user)
    if not user.has_role(*replacement.DISTRIBUTOR_ROLES):
        rows = rows.filter(assigned_to=user)
    if status == WorkOrderStatus.PRINTED:
        rows = rows.filter(target__state=TargetState.PRINTED)
    elif status == WorkOrderStatus.ASSIGNED:
        rows = rows.filter(target__state=TargetState.ASSIGNED)
    elif status == WorkOrderStatus.REPLACED:
        rows = rows.filter(target__state=TargetState.REPLACED)
    overdue_days = user.unit_settings().overdue_work_order_days
    result = [_work_order_row(w, overdue_days) for w in rows.order_by("-printed_at", "-id")[:200]]
    if status == WorkOrderStatus.OVERDUE:
        result = [row for row in result if row["status"] == WorkOrderStatus.OVERDUE]
    return result


@api.get("/officers", response={200: list[s.OfficerOut], **ERRORS}, tags=["PK"])
def officers(request):
    """The field officers the user may hand a PK to (Distribusi PK)."""
    user = request.user
    replacement.require_role(user, replacement.DISTRIBUTOR_ROLES)
    unit = user.home_unit()
    if unit is None:
        return []
    return [
        {"id": o.pk, "username": o.username, "full_name": o.get_full_name() or o.username}
        for o in replacement.officers_for(user, unit)[:500]
    ]


# --- Writes ------------------------------------------------------------------------------


def _target_out(target) -> dict:
    return {
        "id": target.pk,
        "reference": target.reference,
        "customer_id": target.customer.customer_id,
        "state": target.state,
        "state_label": str(target.get_state_display()),
        "reported_at": target.reported_at.isoformat(),
        "version": target.updated_at.isoformat(),
    }


@api.post(
    "/damage-reports",
    response={201: s.TargetOut, 200: s.TargetOut, **ERRORS},
    tags=["input"],
)
def damage_report(request, payload: s.DamageReportIn):
    """Input Data Rusak: a broken meter goes on the target list, with photos, GPS and time."""
    user = request.user

    def write():
        customer = find_customer_for(user, payload.customer_id)
        if customer is None:
            raise services.FieldError(
                "customer_id",
                _("IDPEL %(idpel)s tidak ditemukan di unit Anda.") % {"idpel": payload.customer_id},
            )
        damage_type = DamageType.objects.filter(code=payload.damage_type, is_active=True).first()
        if damage_type is None:
            raise services.FieldError("damage_type", _("Jenis kerusakan tidak dikenal."))
        files = services.photos_for_write(user=user, ids=payload.photo_ids)
        try:
            report = replacement.DamageReport(
                damage_type=damage_type,
                notes=payload.notes,
                reading_at_discovery=payload.reading_at_discovery,
                latitude=payload.latitude,
                longitude=payload.longitude,
            )
            target = replacement.report_damage_in_field(
                actor=user,
                customer=customer,
                report=report,
                photos=files,
                observed_at=_aware(payload.observed_at) or timezone.now(),
            )
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, _target_out(target)

    status, body = services.idempotent(
        user=user, client_id=payload.client_id, operation="damage_report", write=write
    )
    return Status(200 if body.get("replayed") else status, body)


@api.post(
    "/replacements",
    response={201: s.ReplacementOut, 200: s.ReplacementOut, **ERRORS, 409: s.ConflictOut},
    tags=["input"],
)
def replacement_entry(request, payload: s.ReplacementIn):
    """Input Data Ganti: the new meter of a distributed PK. ``version`` is the PK's ``version``
    from the work list; if the target changed since, 409 with both versions."""
    user = request.user

    def write():
        work_order = get_object_or_404(_visible_work_orders(user), pk=payload.work_order_id)
        target = work_order.target
        if abs((target.updated_at - _aware(payload.version)).total_seconds()) > 0.001:
            server = {
                **_target_out(target),
                "work_order": work_order.number,
                "assigned_to": work_order.assigned_to.username if work_order.assigned_to else None,
            }
            return 409, {
                "code": "conflict",
                "message": _(
                    "%(ref)s sudah berubah di server (%(state)s) sejak daftar kerja diambil."
                )
                % {"ref": work_order.number, "state": target.get_state_display()},
                "yours": payload.model_dump(mode="json"),
                "server": server,
            }
        files = services.photos_for_write(user=user, ids=payload.photo_ids)
        try:
            result = replacement.record_replacement(
                target=target,
                actor=user,
                officer=work_order.assigned_to or user,
                new_meter=replacement.NewMeter(
                    brand=payload.new_meter_brand,
                    meter_number=payload.new_meter_number,
                    initial_reading=payload.new_initial_reading,
                    model=payload.new_meter_model,
                    serial_number=payload.new_meter_serial,
                    seal_numbers=payload.seal_numbers,
                ),
                old_final_reading=payload.old_final_reading,
                replaced_on=payload.replaced_on,
                photos=files,
                low_reading_reason=payload.low_reading_reason,
            )
        except ValidationError as exc:
            field = next(iter(exc.message_dict), "new_meter_number")
            raise services.FieldError(f"new_meter_{field}", " ".join(exc.messages)) from exc
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, {
            "id": result.pk,
            "work_order": work_order.number,
            "target_reference": target.reference,
            "new_meter_number": result.new_meter.meter_number,
            "replaced_on": result.replaced_on.isoformat(),
            "state_label": str(TargetState.REPLACED.label),
        }

    status, body = services.idempotent(
        user=user, client_id=payload.client_id, operation="replacement", write=write
    )
    if status == 409:
        # A conflict is not stored as the answer: after reloading, the same entry may go again.
        services.forget_write(user=user, client_id=payload.client_id)
    return Status(200 if body.get("replayed") and status == 201 else status, body)


@api.post("/work-orders/assign", response={200: s.AssignOut, **ERRORS}, tags=["PK"])
def assign(request, payload: s.AssignIn):
    """Distribusi PK: hand printed PKs to a field officer."""
    user = request.user
    replacement.require_role(user, replacement.DISTRIBUTOR_ROLES)

    def write():
        rows = list(_visible_work_orders(user).filter(pk__in=payload.work_order_ids))
        missing = set(payload.work_order_ids) - {w.pk for w in rows}
        if missing:
            raise services.FieldError(
                "work_order_ids",
                _("PK %(ids)s tidak ditemukan di unit Anda.")
                % {"ids": ", ".join(map(str, sorted(missing)))},
            )
        # The unit's own officers and its contractors' (a contractor of the UP3 works the ULP).
        officer = replacement.officers_for(user, rows[0].unit).filter(pk=payload.officer_id).first()
        if officer is None:
            raise services.FieldError("officer_id", _("Petugas tidak ditemukan."))
        done = replacement.assign_work_orders(work_orders=rows, officer=officer, actor=user)
        return 200, {"assigned": [w.number for w in done], "officer": officer.username}

    status, body = services.idempotent(
        user=user, client_id=payload.client_id, operation="assign", write=write
    )
    return Status(status, body)


# --- Photos ------------------------------------------------------------------------------


def _upload_out(upload) -> dict:
    return {
        "id": upload.pk,
        "client_id": upload.client_id,
        "size": upload.size,
        "received": upload.received,
        "complete": upload.is_complete,
        "content_type": upload.content_type,
    }


@api.post("/photos", response={200: s.UploadOut, **ERRORS}, tags=["foto"])
def photo_start(request, payload: s.UploadStartIn):
    """Start a photo upload of ``size`` bytes (≤ 10 MB); the same client_id finds it again."""
    upload = services.start_upload(
        user=request.user,
        client_id=payload.client_id,
        file_name=payload.file_name,
        size=payload.size,
    )
    return _upload_out(upload)


def _own_upload(request, upload_id: int):
    if not 1 <= upload_id <= s.MAX_ID:
        raise Http404
    return get_object_or_404(services.PhotoUpload.objects, pk=upload_id, user=request.user)


@api.get("/photos/{upload_id}", response={200: s.UploadOut, **ERRORS}, tags=["foto"])
def photo_status(request, upload_id: int):
    """How many bytes arrived: after a dropped connection the app resumes from ``received``."""
    return _upload_out(_own_upload(request, upload_id))


@api.put(
    "/photos/{upload_id}/chunk",
    response={200: s.UploadOut, **ERRORS},
    tags=["foto"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
def photo_chunk(request, upload_id: int, offset: s.Offset):
    """Send the bytes from ``offset`` (≤ 1 MB a chunk); the last one checks the photo."""
    upload = _own_upload(request, upload_id)
    upload = services.append_chunk(upload=upload, offset=offset, data=request.body)
    return _upload_out(upload)


# --- Fieldwork orders (seed 004) ---------------------------------------------------------


def _record_order(user, order, payload: s.OrderOutcomeIn, photos: list):
    """Call the fieldwork service of the order's kind with what the officer sent."""
    from meterops.customers.models import Route, Substation
    from meterops.fieldwork import services as fieldwork
    from meterops.fieldwork import (
        services_arrears,
        services_audits,
        services_notices,
        services_prepaid_sampling,
        services_routes,
    )
    from meterops.fieldwork.choices import OrderKind
    from meterops.reading.models import AnomalyCode

    if payload.result == "failed":
        if not payload.reason:
            raise services.FieldError("reason", _("Isi alasan order gagal."))
        return fieldwork.fail_order(actor=user, order=order, reason=payload.reason)
    photo = photos[0] if photos else None
    kind = order.kind
    if kind in (
        OrderKind.ACCURACY_CHECK,
        OrderKind.DISCONNECTION,
        OrderKind.RECONNECTION,
        OrderKind.DISMANTLING,
    ):
        if payload.register_kwh is None:
            raise services.FieldError("register_kwh", _("Stan (kWh) wajib diisi."))
        if photo is None:
            raise services.FieldError("photo_ids", _("Foto wajib dilampirkan."))
        record = {
            OrderKind.ACCURACY_CHECK: services_audits.record_accuracy_check,
            OrderKind.DISCONNECTION: services_arrears.record_disconnection,
            OrderKind.RECONNECTION: services_arrears.record_reconnection,
            OrderKind.DISMANTLING: services_arrears.record_dismantling,
        }[kind]
        return record(actor=user, order=order, register_kwh=payload.register_kwh, photo=photo)
    if kind == OrderKind.PREPAID_SAMPLING:
        if payload.credit_kwh is None:
            raise services.FieldError("credit_kwh", _("Sisa kWh wajib diisi."))
        anomaly = None
        if payload.anomaly_code:
            anomaly = AnomalyCode.objects.filter(code=payload.anomaly_code).first()
            if anomaly is None:
                raise services.FieldError("anomaly_code", _("Kode LBKB tidak dikenal."))
        return services_prepaid_sampling.record_prepaid_sampling(
            actor=user,
            order=order,
            credit_kwh=payload.credit_kwh,
            photo=photo,
            anomaly=anomaly,
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    if kind == OrderKind.NOTICE:
        return services_notices.record_notice(
            actor=user,
            order=order,
            outcome=payload.notice_outcome,
            photo=photo,
            signature=photos[1] if len(photos) > 1 else None,
            initials=payload.initials,
        )
    route = substation = None
    if payload.route_code:
        route = scoped(Route, user).filter(code=payload.route_code).first()
        if route is None:
            raise services.FieldError("route_code", _("RBM tidak ditemukan di unit Anda."))
    if payload.substation_code:
        substation = scoped(Substation, user).filter(code=payload.substation_code).first()
        if substation is None:
            raise services.FieldError("substation_code", _("Gardu tidak ditemukan."))
    return services_routes.record_survey(
        actor=user,
        order=order,
        route=route,
        substation=substation,
        sequence=payload.sequence,
        note=payload.note,
        latitude=payload.latitude,
        longitude=payload.longitude,
    )


@api.post(
    "/field-orders/{order_id}/outcome",
    response={201: s.OrderOutcomeOut, 200: s.OrderOutcomeOut, **ERRORS, 409: s.ConflictOut},
    tags=["pekerjaan"],
)
def field_order_outcome(request, order_id: int, payload: s.OrderOutcomeIn):
    """The outcome of a fieldwork order from the work list (done with its values, or failed
    with a reason). ``version`` is the item's ``version``: a changed order answers 409."""
    from meterops.fieldwork.models import FieldOrder

    user = request.user
    if not 1 <= order_id <= s.MAX_ID:
        raise Http404

    def write():
        order = get_object_or_404(scoped(FieldOrder, user), pk=order_id, assigned_to=user)
        if abs((order.updated_at - _aware(payload.version)).total_seconds()) > 0.001:
            return 409, {
                "code": "conflict",
                "message": _("%(ref)s sudah berubah di server (%(state)s).")
                % {"ref": order.reference, "state": order.get_state_display()},
                "yours": payload.model_dump(mode="json"),
                "server": {
                    "id": order.pk,
                    "reference": order.reference,
                    "state": order.state,
                    "state_label": str(order.get_state_display()),
                    "version": order.updated_at.isoformat(),
                },
            }
        files = services.photos_for_write(user=user, ids=payload.photo_ids) if (
            payload.photo_ids
        ) else []
        try:
            order = _record_order(user, order, payload, files)
        finally:
            services.close_files(files)
        services.mark_photos_used(payload.photo_ids)
        return 201, {
            "id": order.pk,
            "reference": order.reference,
            "kind": order.kind,
            "state": order.state,
            "state_label": str(order.get_state_display()),
        }

    status, body = services.idempotent(
        user=user, client_id=payload.client_id, operation="field_order_outcome", write=write
    )
    if status == 409:
        services.forget_write(user=user, client_id=payload.client_id)
    return Status(200 if body.get("replayed") and status == 201 else status, body)
