"""Device tokens, the stored answers of idempotent writes, and resumable photo uploads."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.core.models import TimeStampedModel

TOKEN_PREFIX = "mo_"  # noqa: S105 - a marker in front of the random part, not a secret


def hash_token(raw: str) -> str:
    """A token is 32 random bytes: a plain SHA-256 is enough to keep it unreadable at rest."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class DeviceToken(TimeStampedModel):
    """A field app's login on one phone: only the hash is kept; it expires and can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="device_tokens",
        verbose_name=_("pengguna"),
    )
    device_name = models.CharField(_("perangkat"), max_length=120, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("awal token"), max_length=12)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The user's password fingerprint when the token was issued, as Django keeps for sessions:
    # a password change (on the web or another phone) ends the user's other tokens.
    auth_hash = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("token perangkat")
        verbose_name_plural = _("token perangkat")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user_id})"

    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotentWrite(models.Model):
    """The first answer to a write, kept under the client's id so a resend gets it again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    client_id = models.UUIDField()
    operation = models.CharField(max_length=40)
    # What the write acted on ("order 42"): the same client id for another object is refused.
    # Blank on answers stored before issue #17; those are matched on the operation alone.
    subject = models.TextField(blank=True)
    status_code = models.PositiveSmallIntegerField(default=200)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="api_write_user_client"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.client_id}"


class PhotoUpload(TimeStampedModel):
    """A photo sent in chunks; ``received`` bytes are on disk, the next chunk starts there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    client_id = models.UUIDField()
    file_name = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    received = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=40, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="api_upload_user_client"),
        ]

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None
