"""Vending keys at rest: AES-256-GCM under a key-encryption key (KEK) from the settings.

A stored value is ``b"V1" + nonce (12) + tag (16) + ciphertext``; the plaintext never reaches
the database. The KEK comes from ``METEROPS_KEY_ENCRYPTION_KEY`` (any secret string, stretched
with SHA-256); with DEBUG on and no variable, settings.py derives it from SECRET_KEY so the demo and
tests run; with DEBUG off and none, sealing or opening a key raises ImproperlyConfigured.
Rotation: put the old secret in ``METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS`` (comma-separated),
the new one in ``METEROPS_KEY_ENCRYPTION_KEY``, run ``manage.py rotate_vending_keys``, then drop
the old one (docs/KEYCHANGE.md). Kept free of models so migrations can import it.
"""

import hashlib

from Crypto.Cipher import AES
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = b"V1"
NONCE, TAG = 12, 16
AAD = b"meterops.vending-key"


class KeyDecryptionError(Exception):
    """No configured KEK opens this stored key (wrong or missing secret)."""


def _stretch(secret: str) -> bytes:
    return hashlib.sha256(b"meterops-kek:" + secret.encode()).digest()


def current_kek() -> bytes:
    secret = getattr(settings, "METEROPS_KEY_ENCRYPTION_KEY", "")
    if secret:
        return _stretch(secret)
    raise ImproperlyConfigured(
        "METEROPS_KEY_ENCRYPTION_KEY must be set when DEBUG is off (it encrypts vending keys)."
    )


def all_keks() -> list[bytes]:
    """The current KEK first, then the previous ones a rotation may still need."""
    previous = getattr(settings, "METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS", []) or []
    keks = [current_kek()] + [_stretch(s) for s in previous if s]
    return list(dict.fromkeys(keks))


def is_sealed(stored: bytes) -> bool:
    stored = bytes(stored)
    return stored.startswith(PREFIX) and len(stored) > len(PREFIX) + NONCE + TAG


def seal(plaintext: bytes, *, kek: bytes | None = None) -> bytes:
    cipher = AES.new(kek or current_kek(), AES.MODE_GCM, nonce=_nonce())
    cipher.update(AAD)
    ciphertext, tag = cipher.encrypt_and_digest(bytes(plaintext))
    return PREFIX + cipher.nonce + tag + ciphertext


def open_sealed(stored: bytes) -> bytes:
    stored = bytes(stored)
    if not is_sealed(stored):
        raise KeyDecryptionError("Stored vending key is not sealed.")
    body = stored[len(PREFIX) :]
    nonce, tag, ciphertext = body[:NONCE], body[NONCE : NONCE + TAG], body[NONCE + TAG :]
    for kek in all_keks():
        cipher = AES.new(kek, AES.MODE_GCM, nonce=nonce)
        cipher.update(AAD)
        try:
            return cipher.decrypt_and_verify(ciphertext, tag)
        except ValueError:
            continue
    raise KeyDecryptionError("No configured METEROPS_KEY_ENCRYPTION_KEY opens this vending key.")


def reseal(stored: bytes) -> bytes:
    """The same key sealed under the current KEK (for rotation)."""
    return seal(open_sealed(stored))


def _nonce() -> bytes:
    from Crypto.Random import get_random_bytes

    return get_random_bytes(NONCE)
