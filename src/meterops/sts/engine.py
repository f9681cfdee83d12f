"""Generate and decode STS tokens; Key Change Tokens; a decoder-key cache per meter.

A :class:`TokenCodec` holds one meter's decoder key with the cipher's key
schedule already worked out, so making or reading a token costs one block
cipher call and a few integer operations (IEC 62055-41:2018, 6.4 and 6.5).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from meterops.sts.ciphers import BlockCipher, EncryptionAlgorithm, cipher_for
from meterops.sts.classes import (
    UNIT_SIZE,
    CreditType,
    DecoderKeySection1,
    DecoderKeySection2,
    DecoderKeySection3,
    DecoderKeySection4,
    MeterTestDisplay,
    TokenClass,
    TokenFields,
    TransferCredit,
    tid_of,
    unpack_fields,
)
from meterops.sts.errors import CrcMismatch, InvalidKey, InvalidParameter, UnknownTokenClass
from meterops.sts.keys import (
    BaseDate,
    KeyGenerationAlgorithm,
    MeterKeyData,
    derive_decoder_key,
)
from meterops.sts.tokendata import (
    assemble,
    block_crc_ok,
    build_block,
    disassemble,
    issue_time,
    parse_token,
    split_block,
    tid_for,
    to_digits,
    units_from_quantity,
)


@dataclass(frozen=True)
class DecodedToken:
    """What a token says, once decrypted and its CRC checked.

    ``issued`` is the time its TID stands for under the codec's base date, or
    ``None`` for tokens without a TID (class 1 and Key Change Tokens).
    """

    token: str
    token_class: TokenClass
    subclass: int
    fields: TokenFields
    issued: datetime | None


@dataclass(frozen=True, repr=False, eq=False)
class TokenCodec:
    """Makes and reads the tokens of one decoder key.  Never shows the key in its repr."""

    decoder_key: bytes
    encryption: EncryptionAlgorithm
    base_date: BaseDate
    _cipher: BlockCipher = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "encryption", EncryptionAlgorithm(self.encryption))
        object.__setattr__(self, "base_date", BaseDate(self.base_date))
        object.__setattr__(self, "_cipher", cipher_for(self.encryption, bytes(self.decoder_key)))

    def __repr__(self) -> str:
        return (
            f"TokenCodec(encryption={self.encryption.name}, "
            f"base_date={int(self.base_date)}, decoder_key=<hidden>)"
        )

    def encode(self, fields: TokenFields) -> str:
        """The 20-digit token for ``fields`` under this key."""
        token_class = fields.token_class
        block = build_block(token_class, fields.subclass, fields.pack())
        if token_class != TokenClass.TEST_DISPLAY:
            block = self._cipher.encrypt(block)
        return to_digits(assemble(token_class, block))

    def decode(self, token: str) -> DecodedToken:
        """Decrypt and check a token; raise a :class:`StsError` saying what is wrong."""
        number = parse_token(token)
        token_class, block = disassemble(number)
        if token_class == 3:
            raise UnknownTokenClass("Token class 3 is reserved; the token was mistyped.")
        if token_class != TokenClass.TEST_DISPLAY:
            block = self._cipher.decrypt(block)
        if not block_crc_ok(token_class, block):
            raise CrcMismatch(
                "CRC check failed: the token was mistyped or was made for another "
                "decoder key (another meter, key revision, tariff index or base date)."
            )
        subclass, bits = split_block(block)
        fields = unpack_fields(token_class, subclass, bits)
        tid = tid_of(fields)
        issued = None if tid is None else issue_time(tid, self.base_date)
        return DecodedToken(to_digits(number), TokenClass(token_class), subclass, fields, issued)

    def tid(self, issued: datetime) -> int:
        """The TID of an issue time under this codec's base date."""
        return tid_for(issued, self.base_date)


def random_rnd() -> int:
    """A fresh 4-bit RND, so two tokens issued in the same minute still differ."""
    return secrets.randbelow(16)


def credit_token(
    codec: TokenCodec,
    *,
    quantity: object,
    issued: datetime,
    credit_type: CreditType = CreditType.ELECTRICITY,
    rnd: int | None = None,
) -> str:
    """A class 0 credit token for ``quantity`` kWh (m³, ...), rounded up to 0.1."""
    units = units_from_quantity(quantity, UNIT_SIZE[CreditType(credit_type)])
    fields = TransferCredit(
        credit_type, units, codec.tid(issued), random_rnd() if rnd is None else rnd
    )
    return codec.encode(fields)


def meter_test_token(
    control: int, manufacturer_code: int = 0, *, four_digit_manufacturer: bool = False
) -> str:
    """A class 1 test/display token; it needs no key because it is not encrypted."""
    fields = MeterTestDisplay(control, manufacturer_code, four_digit_manufacturer)
    return to_digits(
        assemble(
            fields.token_class, build_block(fields.token_class, fields.subclass, fields.pack())
        )
    )


# --- Key Change Tokens (6.2.7, 6.2.8) ---------------------------------------


@dataclass(frozen=True, repr=False)
class KeyChange:
    """Where a meter goes: its new decoder key and the settings the KCTs carry.

    ``supply_group`` is only carried by sections 3 and 4 (128-bit keys).
    """

    new_key: bytes
    key_revision: int
    key_type: int
    tariff_index: int
    rollover: bool = False
    supply_group: str = "000000"
    key_expiry: int = 0xFF

    def __repr__(self) -> str:
        return (
            f"KeyChange(key_revision={self.key_revision}, key_type={self.key_type}, "
            f"tariff_index={self.tariff_index}, rollover={self.rollover}, new_key=<hidden>)"
        )


def key_change_sections(change: KeyChange) -> tuple[TokenFields, ...]:
    """The 2 (64-bit key) or 4 (128-bit key) key sections, in the order to enter them."""
    key = int.from_bytes(change.new_key, "big")
    if len(change.new_key) not in (8, 16):
        raise InvalidKey(f"A decoder key has 8 or 16 bytes, not {len(change.new_key)}.")
    if not (len(change.supply_group) == 6 and change.supply_group.isdigit()):
        raise InvalidParameter("The supply group code has 6 digits.")
    if not 0 <= change.key_expiry <= 0xFF:
        raise InvalidParameter("The key expiry number is from 0 to 255.")
    high_bits = len(change.new_key) * 8 - 32
    first = DecoderKeySection1(
        key_revision=change.key_revision,
        key_type=change.key_type,
        rollover=change.rollover,
        key_high=key >> high_bits,
        key_expiry_high=change.key_expiry >> 4,
    )
    second = DecoderKeySection2(
        tariff_index=change.tariff_index,
        key_low=key & 0xFFFFFFFF,
        key_expiry_low=change.key_expiry & 0xF,
    )
    if len(change.new_key) == 8:
        return first, second
    sgc = int(change.supply_group)
    third = DecoderKeySection3(supply_group_part=sgc & 0xFFF, key_part=(key >> 64) & 0xFFFFFFFF)
    fourth = DecoderKeySection4(supply_group_part=sgc >> 12, key_part=(key >> 32) & 0xFFFFFFFF)
    return first, second, third, fourth


def key_change_tokens(current: TokenCodec, change: KeyChange) -> tuple[str, ...]:
    """Key Change Tokens for a meter now on ``current``; each is encrypted with the current key."""
    return tuple(current.encode(section) for section in key_change_sections(change))


def needs_rollover(old: BaseDate, new: BaseDate) -> bool:
    """Whether a move between base dates needs the rollover bit (one step forward only)."""
    if new == old:
        return False
    if int(new) - int(old) == 21:
        return True
    raise InvalidParameter(
        f"A key change moves from base date {int(old)} to the same or the next one, "
        f"not to {int(new)}."
    )


# --- decoder key cache ------------------------------------------------------


class DecoderKeyCache:
    """Remembers the codec (derived key + key schedule) of recently used meters.

    Bulk vending makes many tokens for the same meters; deriving the decoder key
    (one or more block-cipher or HMAC runs) and the key schedule once per meter
    rather than once per token is what keeps vending fast.  Entries are keyed by a
    SHA-256 digest of the vending key so the cache's keys hold no secret.
    """

    def __init__(self, maxsize: int = 10_000) -> None:
        self._maxsize = maxsize
        self._codecs: OrderedDict[tuple, TokenCodec] = OrderedDict()

    def __len__(self) -> int:
        return len(self._codecs)

    def codec(
        self,
        *,
        vending_key: bytes,
        algorithm: KeyGenerationAlgorithm,
        meter: MeterKeyData,
        encryption: EncryptionAlgorithm,
    ) -> TokenCodec:
        """The codec of one meter, derived on first use."""
        entry = (hashlib.sha256(vending_key).digest(), algorithm, meter, encryption)
        codec = self._codecs.get(entry)
        if codec is not None:
            self._codecs.move_to_end(entry)
            return codec
        key = derive_decoder_key(
            vending_key=vending_key, algorithm=algorithm, meter=meter, encryption=encryption
        )
        codec = TokenCodec(key, encryption, meter.base_date)
        self._codecs[entry] = codec
        if len(self._codecs) > self._maxsize:
            self._codecs.popitem(last=False)
        return codec
