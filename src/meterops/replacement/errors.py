"""Refusals of the HOME rules (seed 000) beyond core's kinds, which the services raise directly."""

from meterops.core.errors import InvalidInput


class FileRejected(InvalidInput):
    """A photo or scanned BA that is not what the rule asks for (kind, size)."""

    code = "file_rejected"

    def __init__(self, message, *, field: str = "file"):
        super().__init__(field, message)
