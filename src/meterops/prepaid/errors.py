from django.utils.translation import gettext_lazy as _

from meterops.core.errors import DomainError


class NotAllowed(DomainError):
    code = "prepaid_not_allowed"
    message = _("Anda tidak berhak melakukan tindakan ini pada layanan prabayar.")


class FeeNotFound(DomainError):
    code = "prepaid_fee_not_found"


class CustomerRequired(DomainError):
    code = "prepaid_customer_required"


class WrongState(DomainError):
    code = "prepaid_wrong_state"


class WrongAmount(DomainError):
    code = "prepaid_wrong_amount"


class AlreadyPaid(DomainError):
    code = "prepaid_already_paid"


class DuplicateReference(DomainError):
    code = "prepaid_duplicate_reference"


class MeterUnavailable(DomainError):
    code = "prepaid_meter_unavailable"


class NfcMismatch(DomainError):
    code = "prepaid_nfc_mismatch"


class TokensNotIssued(DomainError):
    code = "prepaid_tokens_not_issued"


class DocumentsMissing(DomainError):
    code = "prepaid_documents_missing"


class LoadProfileRejected(DomainError):
    code = "prepaid_load_profile_rejected"


class VendingRefused(DomainError):
    code = "prepaid_vending_refused"
