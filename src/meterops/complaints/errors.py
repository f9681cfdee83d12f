"""Refusals of the call-centre rules (seed 003, point 7; APKT tickets), each a kind of
core.errors."""

from django.utils.translation import gettext_lazy as _

from meterops.core.errors import WrongState


class TicketWrongState(WrongState):
    code = "ticket_wrong_state"
    message = _("Status tiket tidak mengizinkan tindakan ini.")


class NoReplacement(WrongState):
    code = "no_replacement"
    message = _("Token pengganti hanya untuk token kunci lama yang dibeli sebelum update KRN.")


class AlreadyReplaced(WrongState):
    code = "already_replaced"
    message = _("Pembelian ini sudah pernah diganti; satu pembelian tidak dikreditkan dua kali.")


class CallAlreadyRecorded(WrongState):
    """The wizard form was sent before (a double click, the back button): ``call`` is the call
    it recorded."""

    code = "call_already_recorded"

    def __init__(self, call):
        super().__init__(
            _("Panggilan ini sudah tercatat pada tiket %(ref)s.")
            % {"ref": call.ticket.reference if call.ticket_id else "-"}
        )
        self.call = call


class AlreadyReplacementTarget(WrongState):
    """The ticket became a HOME target before (a double click): ``target`` is that target."""

    code = "already_replacement_target"

    def __init__(self, target):
        super().__init__(
            _("Tiket ini sudah menjadi target ganti meter %(ref)s.") % {"ref": target.reference}
        )
        self.target = target
