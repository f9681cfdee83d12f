"""Writes of the device API: tokens, idempotent writes, resumable photo uploads (seed 000,
"Aplikasi HOME Mode Mobile")."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from meterops.core.choices import RoleCode
from meterops.core.errors import FileRejected, InvalidInput, NotAllowed, NotFound
from meterops.core.images import check_image
from meterops.core.models import User
from meterops.core.services import ensure_can_manage, manageable_users

from .errors import ChunkOutOfOrder
from .models import DeviceToken, IdempotentWrite, PhotoUpload, hash_token, new_raw_token

TOKEN_LIFETIME = timedelta(days=int(getattr(settings, "API_TOKEN_DAYS", 30)))
MAX_CHUNK_BYTES = 1024 * 1024
TOKEN_ADMIN_ROLES = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.CONTRACTOR_ADMIN)


def issue_token(*, user: User, device_name: str = "") -> tuple[DeviceToken, str]:
    """Login of the field app: a new token for this phone; the raw value is shown only once."""
    raw = new_raw_token()
    token = DeviceToken.objects.create(
        user=user,
        device_name=device_name[:120],
        key_hash=hash_token(raw),
        hint=raw[:10],
        expires_at=timezone.now() + TOKEN_LIFETIME,
        auth_hash=user.get_session_auth_hash(),
    )
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The active user behind a raw token, or None when unknown, expired or revoked."""
    now = timezone.now()
    token = (
        DeviceToken.objects.select_related("user", "user__unit", "user__contractor")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        # A contractor's officer's home unit, for the answer's time zone, in the same query.
        .annotate(placed_home_pk=Subquery(User.first_placement(OuterRef("user_id"))[:1]))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not constant_time_compare(token.auth_hash, token.user.get_session_auth_hash()):
        return None  # the password changed since this phone logged in
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.device_token = token
    token.user.placed_home_pk = token.placed_home_pk
    return token.user


def keep_token_after_password_change(*, token: DeviceToken) -> None:
    """The phone that changed the password stays logged in; every other token of the user ends."""
    token.auth_hash = token.user.get_session_auth_hash()
    token.save(update_fields=["auth_hash", "updated_at"])


def tokens_for(actor: User):
    """Tokens of the users the actor may manage (core.services.manageable_users, issue #17)."""
    return DeviceToken.objects.filter(user__in=manageable_users(actor)).select_related(
        "user", "user__unit", "user__contractor", "revoked_by"
    )


@transaction.atomic
def revoke_token(*, token: DeviceToken, actor: User) -> DeviceToken:
    """Cabut token: the phone is logged out at its next request. A user ends its own tokens;
    an admin those of the users it may manage."""
    if actor != token.user:
        if not actor.has_role(*TOKEN_ADMIN_ROLES):
            raise NotAllowed(_("Peran Anda tidak berhak mencabut token perangkat."))
        ensure_can_manage(actor, token.user)
    token = DeviceToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return token


def idempotent(
    *,
    user: User,
    client_id: uuid.UUID,
    operation: str,
    subject: str,
    write: Callable[[], tuple[int, dict]],
) -> tuple[int, dict]:
    """Run ``write`` once per (user, client id); a resend of the same operation on the same
    ``subject`` gets the first answer back, a reuse for anything else is refused (issue #17).

    The claim row and the write commit together: two copies sent at once meet on the unique
    constraint, the second one rolls back and answers with what the first stored.
    """
    stored = IdempotentWrite.objects.filter(user=user, client_id=client_id).first()
    if stored is None:
        try:
            with transaction.atomic():
                claim = IdempotentWrite.objects.create(
                    user=user, client_id=client_id, operation=operation, subject=subject
                )
                status, body = write()
                claim.status_code, claim.response = status, body
                claim.save(update_fields=["status_code", "response"])
                return status, body
        except IntegrityError:
            stored = IdempotentWrite.objects.filter(user=user, client_id=client_id).first()
            if stored is None:
                raise
    if stored.operation != operation or stored.subject not in {subject, ""}:
        raise InvalidInput(
            "client_id",
            _(
                "client_id %(id)s sudah dipakai untuk %(op)s %(subject)s; "
                "kirim entri ini dengan client_id baru."
            )
            % {"id": client_id, "op": stored.operation, "subject": stored.subject},
        )
    return stored.status_code, {**stored.response, "replayed": True}


def _upload_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "api-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_path(upload: PhotoUpload) -> Path:
    return _upload_dir() / f"{upload.pk}.part"


def start_upload(*, user: User, client_id: uuid.UUID, file_name: str, size: int) -> PhotoUpload:
    """Begin (or find again, by the same name and size) a chunked photo upload of ``size``
    bytes, at most ``MEDIA_UPLOAD_MAX_BYTES`` (10 MB)."""
    if size <= 0:
        raise InvalidInput("size", _("Ukuran foto harus lebih dari 0 byte."))
    if size > settings.MEDIA_UPLOAD_MAX_BYTES:
        raise InvalidInput(
            "size",
            _("Foto %(mb).1f MB terlalu besar; maksimal %(max)d MB.")
            % {"mb": size / 2**20, "max": settings.MEDIA_UPLOAD_MAX_BYTES // 2**20},
        )
    name = Path(file_name).name[:100] or "foto.jpg"
    # Two starts of one client id at once: get_or_create finds the row the other one made.
    upload, _created = PhotoUpload.objects.get_or_create(
        user=user, client_id=client_id, defaults={"file_name": name, "size": size}
    )
    if (upload.file_name, upload.size) != (name, size):
        # A client id names one photo (issue #17): another one would get this one's bytes.
        raise InvalidInput(
            "client_id",
            _(
                "client_id %(id)s sudah dipakai untuk foto %(name)s (%(size)d byte); "
                "kirim foto ini dengan client_id baru."
            )
            % {"id": client_id, "name": upload.file_name, "size": upload.size},
        )
    return upload


def append_chunk(*, user: User, upload_id: int, offset: int, data: bytes) -> PhotoUpload:
    """Write one chunk at ``offset`` of the user's own upload; a chunk already received is
    accepted again unchanged.

    The last chunk checks the photo (``core.images.check_image``); a refused photo leaves
    nothing behind: its bytes go and the upload starts again from byte 0 (issue #17).
    """
    refused = None
    with transaction.atomic():
        upload = PhotoUpload.objects.select_for_update().filter(pk=upload_id, user=user).first()
        if upload is None:
            raise NotFound
        if upload.is_complete:
            return upload
        if len(data) > MAX_CHUNK_BYTES:
            raise InvalidInput("body", _("Satu potongan maksimal 1 MB."))
        if offset != upload.received:
            raise ChunkOutOfOrder(
                _("Potongan mulai di byte %(offset)d, server menunggu byte %(received)d.")
                % {"offset": offset, "received": upload.received},
                received=upload.received,
            )
        if offset + len(data) > upload.size:
            raise InvalidInput("body", _("Potongan melewati ukuran foto yang diumumkan."))
        if not data:
            raise InvalidInput("body", _("Potongan kosong."))
        path = upload_path(upload)
        with open(path, "r+b" if offset else "wb") as handle:
            handle.seek(offset)
            handle.write(data)
            handle.truncate()
        upload.received = offset + len(data)
        fields = ["received", "updated_at"]
        if upload.received == upload.size:
            try:
                with open(path, "rb") as handle:
                    checked = check_image(File(handle, name=upload.file_name), field="file")
            except FileRejected as exc:
                path.unlink()
                upload.received, refused = 0, exc
            else:
                upload.content_type = checked.content_type
                upload.completed_at = timezone.now()
                fields += ["content_type", "completed_at"]
        upload.save(update_fields=fields)
    if refused is not None:
        raise refused
    return upload


def anomaly_for(code: str):
    """The LBKB code an officer sent (none when blank); an unknown one names the field."""
    from meterops.reading.models import AnomalyCode

    if not code:
        return None
    anomaly = AnomalyCode.objects.filter(code=code).first()
    if anomaly is None:
        raise InvalidInput("anomaly_code", _("Kode LBKB tidak dikenal."))
    return anomaly


def photos_for_write(*, user: User, ids: list[int], field: str = "photo_ids") -> list[File]:
    """The completed uploads named by a write, opened as files for the replacement services."""
    if not ids:
        raise InvalidInput(field, _("Lampirkan minimal satu foto."))
    uploads = {u.pk: u for u in PhotoUpload.objects.filter(user=user, pk__in=ids)}
    files = []
    for pk in ids:
        upload = uploads.get(pk)
        if upload is None or not upload.is_complete:
            raise InvalidInput(field, _("Foto %(id)s belum selesai diunggah.") % {"id": pk})
        if upload.used_at is not None:
            raise InvalidInput(field, _("Foto %(id)s sudah dipakai di data lain.") % {"id": pk})
        handle = open(upload_path(upload), "rb")  # noqa: SIM115 - closed by close_files()
        files.append(File(handle, name=upload.file_name))
    return files


def mark_photos_used(ids: list[int]) -> None:
    """The services stored their own copies: the uploaded bytes go once the write commits."""
    uploads = list(PhotoUpload.objects.filter(pk__in=ids))
    PhotoUpload.objects.filter(pk__in=ids).update(used_at=timezone.now())

    def remove():
        for upload in uploads:
            upload_path(upload).unlink(missing_ok=True)

    transaction.on_commit(remove)


def close_files(files: list[File]) -> None:
    for item in files:
        item.close()


def forget_write(*, user: User, client_id: uuid.UUID) -> None:
    IdempotentWrite.objects.filter(user=user, client_id=client_id).delete()


def purge_stale(*, upload_days: int = 7, write_days: int = 60) -> dict:
    """Forget unfinished or used photo uploads after ``upload_days`` and stored write answers
    after ``write_days`` (longer than a token lives, so no phone can still resend them)."""
    now = timezone.now()
    uploads = PhotoUpload.objects.filter(updated_at__lt=now - timedelta(days=upload_days))
    for pk in uploads.values_list("pk", flat=True).iterator():
        (_upload_dir() / f"{pk}.part").unlink(missing_ok=True)
    removed_uploads, _ = uploads.delete()
    removed_writes, _ = IdempotentWrite.objects.filter(
        created_at__lt=now - timedelta(days=write_days)
    ).delete()
    DeviceToken.objects.filter(expires_at__lt=now - timedelta(days=write_days)).delete()
    return {"uploads": removed_uploads, "writes": removed_writes}
