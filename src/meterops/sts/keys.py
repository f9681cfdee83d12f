"""Meter identity and decoder key generation for STS (IEC 62055-41).

A meter's decoder key is never stored: the vending side derives it from a
vending key and the meter's key data (PAN, supply group, tariff index, key
type, key revision, base date) with a decoder key generation algorithm:

* DKGA02 - DES based, 8-byte vending key, 8-byte decoder key (STS editions 1-2).
* DKGA04 - HMAC-SHA-256 based, 20-byte (160-bit) vending key, 8-byte decoder key
  for STA or 16-byte decoder key for MISTY1 (STS edition 3, STS 600-4-2).

Secrets (vending and decoder keys) are plain ``bytes`` in and out and never
appear in an exception message.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from meterops.sts.ciphers import EncryptionAlgorithm, des_encrypt
from meterops.sts.errors import InvalidKey, InvalidPan, InvalidParameter

DKGA02_VENDING_KEY_LENGTH = 8
DKGA04_VENDING_KEY_LENGTH = 20
PAN_LENGTH = 18

_DIGITS = re.compile(r"[0-9]+")


class KeyGenerationAlgorithm(enum.Enum):
    """Decoder key generation algorithm; the value is the standard's DKGA code."""

    DKGA02 = "02"
    DKGA04 = "04"


class BaseDate(enum.IntEnum):
    """Start of the 24-bit token identifier (minutes) count; rolls over every ~31.9 years."""

    Y1993 = 1993
    Y2014 = 2014
    Y2035 = 2035

    @property
    def epoch(self) -> datetime:
        """Midnight UTC on 1 January of the base date year."""
        return datetime(self.value, 1, 1, tzinfo=UTC)

    @property
    def short_code(self) -> str:
        """The two digits (``"93"``, ``"14"``, ``"35"``) that DKGA04 feeds into its KDF."""
        return f"{self.value % 100:02d}"


class KeyType(enum.IntEnum):
    """Decoder key type (KT): initialisation, default, unique or common key."""

    DITK = 0
    DDTK = 1
    DUTK = 2
    DCTK = 3


# --------------------------------------------------------------------------------------
# Luhn check digit: the PAN (and the 11-digit meter number itself) end with one.
# --------------------------------------------------------------------------------------


def luhn_check_digit(payload: str) -> str:
    """The Luhn (ISO/IEC 7812-1 annex B) check digit to append to ``payload``."""
    _require_digits(payload, "The Luhn payload", InvalidParameter)
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # the digit next to the check digit is doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def is_luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is the Luhn check digit of the rest."""
    if len(number) < 2 or not _DIGITS.fullmatch(number):
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def _require_digits(
    value: object, what: str, error: type[InvalidPan | InvalidParameter], length: int = 0
) -> str:
    """Return ``value`` if it is a string of ASCII digits (of ``length``, if given)."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise error(f"{what} must be a string of decimal digits, got {value!r}.")
    if length and len(value) != length:
        raise error(f"{what} must have {length} digits, got {len(value)}.")
    return value


# --------------------------------------------------------------------------------------
# Meter identity
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pan:
    """MeterPAN: issuer identification number + decoder reference number (DRN).

    The 18-digit MeterPAN is IIN (6 digits) + DRN (11 digits) + a Luhn check
    digit over those 17 digits.  Meters with a 13-digit DRN use the 4-digit IIN
    ``"0000"`` so the PAN stays 18 digits.  The DRN's own last digit is not
    checked here: the STS compliance test PANs (e.g. DRN ``00000000008``) do
    not satisfy it; use :func:`is_luhn_valid` on a meter number when wanted.
    """

    iin: str
    drn: str

    def __post_init__(self) -> None:
        _require_digits(self.iin, "The issuer identification number", InvalidPan)
        _require_digits(self.drn, "The decoder reference number", InvalidPan)
        if (len(self.iin), len(self.drn)) == (6, 11):
            return
        if len(self.drn) == 13 and self.iin != "0000":
            raise InvalidPan("A 13-digit decoder reference number needs the IIN '0000'.")
        if (len(self.iin), len(self.drn)) != (4, 13):
            raise InvalidPan(
                "A PAN needs a 6-digit IIN with an 11-digit DRN, or IIN '0000' with a "
                f"13-digit DRN; got {len(self.iin)} and {len(self.drn)} digits."
            )

    @classmethod
    def from_string(cls, text: str) -> Pan:
        """Parse an 18-digit MeterPAN (spaces and dashes allowed) and verify its check digit.

        The first 6 digits are read as the IIN; build a ``Pan("0000", drn)``
        directly for a 13-digit DRN.
        """
        if not isinstance(text, str):
            raise InvalidPan(f"A PAN must be a string, not {type(text).__name__}.")
        digits = re.sub(r"[\s-]", "", text)
        _require_digits(digits, "A PAN", InvalidPan, PAN_LENGTH)
        if not is_luhn_valid(digits):
            raise InvalidPan(f"The PAN {digits} has a wrong Luhn check digit.")
        return cls(iin=digits[:6], drn=digits[6:17])

    @property
    def check_digit(self) -> str:
        return luhn_check_digit(self.iin + self.drn)

    def __str__(self) -> str:
        return self.iin + self.drn + self.check_digit


def _require_in_range(value: object, what: str, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidParameter(f"{what} must be an integer from {low} to {high}, got {value!r}.")


@dataclass(frozen=True)
class MeterKeyData:
    """Everything about a meter that its decoder key is derived from.

    ``key_type`` 0..3 (see :class:`KeyType`), ``key_revision`` 1..9 (KRN),
    ``key_expiry_number`` 0..255 (KEN, carried in key change tokens; 255 means
    the key never expires).
    """

    pan: Pan
    supply_group: str
    tariff_index: str
    key_type: int
    key_revision: int
    base_date: BaseDate = BaseDate.Y1993
    key_expiry_number: int = 255

    def __post_init__(self) -> None:
        if not isinstance(self.pan, Pan):
            raise InvalidParameter("MeterKeyData.pan must be a Pan.")
        _require_digits(self.supply_group, "The supply group code", InvalidParameter, 6)
        _require_digits(self.tariff_index, "The tariff index", InvalidParameter, 2)
        _require_in_range(self.key_type, "The key type", 0, 3)
        _require_in_range(self.key_revision, "The key revision number", 1, 9)
        _require_in_range(self.key_expiry_number, "The key expiry number", 0, 255)
        if self.base_date not in tuple(BaseDate):
            raise InvalidParameter(
                f"The base date must be 1993, 2014 or 2035, got {self.base_date!r}."
            )
        object.__setattr__(self, "base_date", BaseDate(self.base_date))
        object.__setattr__(self, "key_type", KeyType(self.key_type))


# --------------------------------------------------------------------------------------
# DKGA02 (IEC 62055-41)
# --------------------------------------------------------------------------------------


def pan_block(pan: Pan, key_type: int) -> int:
    """PANBlock: the rightmost 16 digits of IIN + DRN, read as 16 hex nibbles.

    For a common key (DCTK, key type 3) the DRN digits are zeros, so all
    meters of a supply group share one key.
    """
    drn = "0" * len(pan.drn) if key_type == KeyType.DCTK else pan.drn
    return int((pan.iin + drn)[-16:], 16)


def control_block(meter: MeterKeyData) -> int:
    """CB: KT (1 digit) + SGC (6) + TI (2) + KRN (1), padded with FFFFFF to 64 bits."""
    text = f"{meter.key_type:d}{meter.supply_group}{meter.tariff_index}{meter.key_revision:d}"
    return int(text + "FFFFFF", 16)


def _dkga02(vending_key: bytes, meter: MeterKeyData) -> bytes:
    """DK = DES(VK, PANBlock xor CB) xor (PANBlock xor CB) xor VK."""
    data = (pan_block(meter.pan, meter.key_type) ^ control_block(meter)).to_bytes(8, "big")
    encrypted = des_encrypt(vending_key, data)
    return bytes(e ^ d ^ v for e, d, v in zip(encrypted, data, vending_key, strict=True))


# --------------------------------------------------------------------------------------
# DKGA04 (IEC 62055-41:2018 / STS 600-4-2): KDF with HMAC-SHA-256 (NIST SP 800-108 style)
# --------------------------------------------------------------------------------------


def _length_prefixed_fields(*fields: str) -> bytes:
    """A field count byte, then each ASCII field preceded by its length byte."""
    encoded = [field.encode("ascii") for field in fields]
    return bytes([len(encoded)]) + b"".join(bytes([len(field)]) + field for field in encoded)


def dkga04_derivation_data(meter: MeterKeyData, encryption: EncryptionAlgorithm) -> bytes:
    """The message that DKGA04 authenticates with the vending key.

    Label || 0x00 || Context || L, where the label carries the algorithm codes
    (DKGA "04", base date, EA, tariff index), the context carries the meter
    (SGC, KT, KRN, 18-digit MeterPAN) and L is the decoder key length in bits
    as a 32-bit big-endian integer.  This byte layout reproduces the DKGA04
    compliance tokens of STS 531-1-0-02 CTSA25 (see docs/STS_CRYPTO_NOTES.md).
    """
    label = _length_prefixed_fields(
        KeyGenerationAlgorithm.DKGA04.value,
        meter.base_date.short_code,
        encryption.value,
        meter.tariff_index,
    )
    context = _length_prefixed_fields(
        meter.supply_group,
        f"{meter.key_type:x}",
        f"{meter.key_revision:x}",
        str(meter.pan),
    )
    key_bits = 8 * encryption.key_length
    return label + b"\x00" + context + key_bits.to_bytes(4, "big")


def _dkga04(vending_key: bytes, meter: MeterKeyData, encryption: EncryptionAlgorithm) -> bytes:
    """DK = the leftmost 64 (STA) or 128 (MISTY1) bits of HMAC-SHA-256(VK, data)."""
    data = dkga04_derivation_data(meter, encryption)
    return hmac.new(vending_key, data, hashlib.sha256).digest()[: encryption.key_length]


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def derive_decoder_key(
    *,
    vending_key: bytes,
    algorithm: KeyGenerationAlgorithm,
    meter: MeterKeyData,
    encryption: EncryptionAlgorithm | None = None,
) -> bytes:
    """Derive the decoder key of ``meter`` from ``vending_key``.

    DKGA02 takes an 8-byte vending key and gives an 8-byte key (for STA or DEA;
    ``encryption`` may be left out).  DKGA04 takes a 20-byte vending key and
    gives 8 bytes for STA (the default) or 16 bytes for MISTY1; the encryption
    algorithm is part of its derivation data, so it must match the meter's.
    """
    if not isinstance(meter, MeterKeyData):
        raise InvalidParameter("derive_decoder_key needs a MeterKeyData for the meter.")
    if algorithm is KeyGenerationAlgorithm.DKGA02:
        if encryption is EncryptionAlgorithm.MISTY1:
            raise InvalidParameter("DKGA02 gives a 64-bit key; MISTY1 needs DKGA04.")
        return _dkga02(_vending_key(vending_key, DKGA02_VENDING_KEY_LENGTH), meter)
    if algorithm is KeyGenerationAlgorithm.DKGA04:
        encryption = encryption or EncryptionAlgorithm.STA
        if encryption is EncryptionAlgorithm.DEA:
            raise InvalidParameter("DKGA04 is defined for STA and MISTY1, not for DEA.")
        return _dkga04(_vending_key(vending_key, DKGA04_VENDING_KEY_LENGTH), meter, encryption)
    raise InvalidParameter(f"Unknown decoder key generation algorithm {algorithm!r}.")


def _vending_key(key: object, length: int) -> bytes:
    if not isinstance(key, bytes | bytearray | memoryview):
        raise InvalidKey(f"The vending key must be bytes, not {type(key).__name__}.")
    key = bytes(key)
    if len(key) != length:
        raise InvalidKey(
            f"The vending key must be {length} bytes long, but {len(key)} bytes were given."
        )
    return key


def key_from_hex(text: str, length: int) -> bytes:
    """Parse a hex key (spaces allowed) of exactly ``length`` bytes; the text is never echoed."""
    if not isinstance(text, str):
        raise InvalidKey(f"A hex key must be a string, not {type(text).__name__}.")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise InvalidKey("The key is not valid hexadecimal.") from None
    if len(key) != length:
        raise InvalidKey(f"The key must be {length} bytes long, but {len(key)} bytes were given.")
    return key


def keys_equal(first: bytes, second: bytes) -> bool:
    """Compare two keys in constant time."""
    return hmac.compare_digest(first, second)
