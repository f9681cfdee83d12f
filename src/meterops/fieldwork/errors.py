"""Refusals of the supervision rules (seed 004) beyond core's kinds, which the services raise
directly."""

from meterops.core.errors import InvalidInput, WrongState


class AlreadyPaid(WrongState):
    code = "already_paid"


class BatchRejected(InvalidInput):
    """The whole upload is refused; ``errors`` holds one message per bad row."""

    code = "batch_rejected"

    def __init__(self, message, *, errors: list[str]):
        super().__init__("rows", message, errors=errors)


class PaymentReferenceClash(WrongState):
    """A payment reference already recorded for another payment (a different customer, time
    or amount): the notification is refused rather than merged."""

    code = "payment_reference_clash"
