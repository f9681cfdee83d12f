"""Refusals of the vending-key store, each with the Indonesian message users see."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import InvalidInput, NotAllowed


class VendingKeyNotAllowed(NotAllowed):
    code = "vending_key_not_allowed"
    message = _("Anda tidak berhak menyimpan kunci vending.")


class VendingKeyInvalid(InvalidInput):
    """The key material given (``key_hex``) is not hex or not the algorithm's length."""

    code = "vending_key_invalid"

    def __init__(self, message=None, **extra):
        super().__init__("key_hex", message, **extra)
