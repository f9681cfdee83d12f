"""Exception hierarchy of :mod:`meterops.sts`.

Every error raised by the STS engine derives from :class:`StsError`, which is a
``ValueError`` so callers that validate input generically still catch it.  Each
message is one clear English sentence and never contains key material.
"""


class StsError(ValueError):
    """Base of every error of meterops.sts; message is a clear English sentence."""


class InvalidKey(StsError):
    """A key has the wrong length, is not valid hex, or is weak/forbidden."""


class InvalidPan(StsError):
    """A primary account number is malformed or its Luhn check digit is wrong."""


class InvalidParameter(StsError):
    """A supply group, tariff index, key type, key revision or base date is out of range."""


# --- token engine errors (tokendata, classes, engine, meter) ---


class TokenFormatError(StsError):
    """A token is not 20 decimal digits or does not fit the 66-bit token space."""


class CrcMismatch(StsError):
    """The CRC of a decoded token is wrong: mistyped, or made for another decoder key."""


class AmountOutOfRange(StsError):
    """An amount is negative or above the largest value the 16-bit amount field can carry."""


class TidOutOfRange(StsError):
    """An issue time is before the base date or past the 24-bit minute range of that base date."""


class UnknownTokenClass(StsError):
    """A token class or subclass that the standard reserves or that this engine does not know."""


class TokenRejected(StsError):
    """A simulated meter refused a token; ``reason`` says why (a :class:`RejectionReason`)."""

    def __init__(self, reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
