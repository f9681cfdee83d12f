"""Errors of the customer master."""

from meterops.core.errors import InvalidInput


class MeterNotInstallable(InvalidInput):
    """The new meter of a swap is current elsewhere or was removed as damaged (the reason says)."""

    code = "meter_not_installable"

    def __init__(self, message=None, **extra):
        super().__init__("meter_number", message, **extra)
