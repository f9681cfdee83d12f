"""Refusals of the prepaid rules (seed 002), each a kind of core.errors."""

from django.utils.translation import gettext as _

from meterops.core.errors import InvalidInput, WrongState


class AlreadySubmitted(WrongState):
    """The entry form was sent before: ``request`` is the application it made."""

    code = "prepaid_already_submitted"

    def __init__(self, request):
        super().__init__(
            _("Formulir ini sudah tersimpan sebagai permohonan %(n)s.")
            % {"n": request.request_number}
        )
        self.request = request


class FeeNotFound(WrongState):
    """The fee table has no row for the tariff and power: set it up first."""

    code = "prepaid_fee_not_found"


class CustomerRequired(InvalidInput):
    code = "prepaid_customer_required"


class WrongAmount(InvalidInput):
    code = "prepaid_wrong_amount"


class AlreadyPaid(WrongState):
    code = "prepaid_already_paid"


class DuplicateReference(WrongState):
    code = "prepaid_duplicate_reference"


class MeterUnavailable(InvalidInput):
    code = "prepaid_meter_unavailable"


class NfcMismatch(InvalidInput):
    code = "prepaid_nfc_mismatch"


class TokensNotIssued(WrongState):
    code = "prepaid_tokens_not_issued"


class DocumentsMissing(InvalidInput):
    code = "prepaid_documents_missing"


class LoadProfileRejected(WrongState):
    code = "prepaid_load_profile_rejected"


class VendingRefused(WrongState):
    code = "prepaid_vending_refused"


class NotNfcMeter(InvalidInput):
    """The NFC counter sells only for prepaid two-way NFC meters."""

    code = "prepaid_not_nfc_meter"
