"""IEC 62055-41 (STS) token engine in pure Python.

Make and read the 20-digit tokens of prepaid meters, Key Change Tokens
included, and simulate a meter that applies them.  Nothing here imports Django
or any other part of meterops.  See ``docs/STS.md`` for a guided tour.

Typical use::

    from datetime import datetime
    from meterops import sts

    meter = sts.MeterKeyData(sts.Pan.from_string("600727000000000009"), "123456", "01", 2, 1)
    key = sts.derive_decoder_key(vending_key=vk, algorithm=sts.KeyGenerationAlgorithm.DKGA02,
                                 meter=meter)
    codec = sts.TokenCodec(key, sts.EncryptionAlgorithm.STA, sts.BaseDate.Y1993)
    token = sts.credit_token(codec, quantity="20.5", issued=datetime.now())
    codec.decode(token).fields.quantity   # Decimal("20.5")
"""

from meterops.sts.ciphers import EncryptionAlgorithm
from meterops.sts.classes import (
    ALL_REGISTERS,
    ClearCredit,
    ClearTamperCondition,
    CreditType,
    DecoderKeySection1,
    DecoderKeySection2,
    DecoderKeySection3,
    DecoderKeySection4,
    ManagementSubclass,
    MeterTestDisplay,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TestSubclass,
    TokenClass,
    TokenFields,
    TransferCredit,
)
from meterops.sts.engine import (
    DecodedToken,
    DecoderKeyCache,
    KeyChange,
    TokenCodec,
    credit_token,
    key_change_sections,
    key_change_tokens,
    meter_test_token,
    needs_rollover,
)
from meterops.sts.errors import (
    AmountOutOfRange,
    CrcMismatch,
    InvalidKey,
    InvalidPan,
    InvalidParameter,
    StsError,
    TidOutOfRange,
    TokenFormatError,
    TokenRejected,
    UnknownTokenClass,
)
from meterops.sts.keys import (
    BaseDate,
    KeyGenerationAlgorithm,
    MeterKeyData,
    Pan,
    derive_decoder_key,
)
from meterops.sts.meter import Acceptance, RejectionReason, VirtualMeter
from meterops.sts.tokendata import (
    MAX_TRANSFER_AMOUNT,
    decode_amount,
    encode_amount,
    format_token,
    issue_time,
    parse_token,
    tid_for,
)

__all__ = [
    "ALL_REGISTERS",
    "MAX_TRANSFER_AMOUNT",
    "Acceptance",
    "AmountOutOfRange",
    "BaseDate",
    "ClearCredit",
    "ClearTamperCondition",
    "CrcMismatch",
    "CreditType",
    "DecodedToken",
    "DecoderKeyCache",
    "DecoderKeySection1",
    "DecoderKeySection2",
    "DecoderKeySection3",
    "DecoderKeySection4",
    "EncryptionAlgorithm",
    "InvalidKey",
    "InvalidPan",
    "InvalidParameter",
    "KeyChange",
    "KeyGenerationAlgorithm",
    "ManagementSubclass",
    "MeterKeyData",
    "MeterTestDisplay",
    "Pan",
    "RejectionReason",
    "SetMaximumPhasePowerUnbalanceLimit",
    "SetMaximumPowerLimit",
    "SetTariffRate",
    "SetWaterMeterFactor",
    "StsError",
    "TestSubclass",
    "TidOutOfRange",
    "TokenClass",
    "TokenCodec",
    "TokenFields",
    "TokenFormatError",
    "TokenRejected",
    "TransferCredit",
    "UnknownTokenClass",
    "VirtualMeter",
    "credit_token",
    "decode_amount",
    "derive_decoder_key",
    "encode_amount",
    "format_token",
    "issue_time",
    "key_change_sections",
    "key_change_tokens",
    "meter_test_token",
    "needs_rollover",
    "parse_token",
    "tid_for",
]
