from django.utils.translation import gettext_lazy as _

from meterops.core.errors import DomainError


class ComplaintError(DomainError):
    code = "complaint_error"


class NotAllowed(ComplaintError):
    code = "complaint_not_allowed"
    message = _("Anda tidak berhak melakukan tindakan ini pada pengaduan.")


class WrongState(ComplaintError):
    code = "ticket_wrong_state"
    message = _("Status tiket tidak mengizinkan tindakan ini.")


class NoReplacement(ComplaintError):
    code = "no_replacement"
    message = _("Token pengganti hanya untuk token kunci lama yang dibeli sebelum update KRN.")


class AlreadyReplaced(ComplaintError):
    code = "already_replaced"
    message = _("Token ini sudah pernah diganti; satu pembelian tidak dikreditkan dua kali.")
