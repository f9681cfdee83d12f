"""Refusals of the vending-key store, each with the Indonesian message users see."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import DomainError


class VendingKeyError(DomainError):
    code = "vending_key_error"


class VendingKeyNotAllowed(VendingKeyError):
    code = "vending_key_not_allowed"
    message = _("Anda tidak berhak menyimpan kunci vending.")


class VendingKeyInvalid(VendingKeyError):
    code = "vending_key_invalid"
