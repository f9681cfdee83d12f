"""A virtual STS prepaid meter, to see what a real meter does with a token.

The meter holds what an STS meter holds: its decoder key (with the KRN, tariff
index, key type and base date it was made from), credit registers, a tamper flag,
the settings management tokens change, and the TID store that stops a token from
being used twice (IEC 62055-41:2018, 6.3.5: a token is refused when its TID is
already stored, or older than the oldest stored TID once the store is full).

:meth:`VirtualMeter.enter` applies one token or raises :class:`TokenRejected`
with a :class:`RejectionReason`; nothing changes on a rejected token.  The
key-change campaign and the call centre use it to explain why a customer's
token fails: a token made with the old KRN after the KCT went in, a KCT entered
only half-way, or a KCT confirmed "berhasil" that never reached the meter.
"""

from __future__ import annotations

import bisect
import enum
import hmac
from dataclasses import dataclass, field
from datetime import datetime

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
    MeterTestDisplay,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TokenFields,
    TransferCredit,
    tid_of,
)
from meterops.sts.engine import DecodedToken, TokenCodec
from meterops.sts.errors import CrcMismatch, StsError, TokenFormatError, TokenRejected
from meterops.sts.keys import BaseDate
from meterops.sts.tokendata import tid_for

#: How many TIDs the meter keeps.  The standard sets a minimum; 50 is the
#: figure meters commonly implement and what we simulate.
TID_STORE_SIZE = 50

_NEXT_BASE_DATE = {BaseDate.Y1993: BaseDate.Y2014, BaseDate.Y2014: BaseDate.Y2035}


class RejectionReason(enum.StrEnum):
    """Why the meter refused a token (what its display would say, in words)."""

    FORMAT = "format"
    """Not 20 digits, or not a number any token can have."""
    KEY = "key"
    """The CRC failed under the meter's key: mistyped, or made for another key/KRN."""
    UNKNOWN_TYPE = "unknown_type"
    """A reserved class or subclass."""
    USED = "used"
    """Its TID is in the TID store: the token was entered before."""
    OLD = "old"
    """Its TID is older than the oldest stored TID."""
    WRONG_UTILITY = "wrong_utility"
    """A credit type this meter does not meter (e.g. water credit on an electricity meter)."""
    KEY_CHANGE = "key_change"
    """A Key Change Token that does not fit (wrong key length, base date past 2035)."""


@dataclass(frozen=True)
class Acceptance:
    """What an accepted token did, in one sentence plus the decoded token."""

    decoded: DecodedToken
    effect: str


@dataclass
class VirtualMeter:
    """A prepaid meter in memory.  ``credit`` counts TransferAmount units per credit type."""

    decoder_key: bytes = field(repr=False)
    encryption: EncryptionAlgorithm
    base_date: BaseDate
    key_revision: int
    tariff_index: int
    key_type: int = 2
    supply_group: str = "000000"
    credit_types: frozenset[CreditType] = frozenset(
        {CreditType.ELECTRICITY, CreditType.ELECTRICITY_CURRENCY}
    )
    credit: dict[CreditType, int] = field(default_factory=dict)
    tamper: bool = False
    maximum_power_limit: int | None = None
    maximum_phase_unbalance: int | None = None
    tariff_rate: int | None = None
    water_meter_factor: int | None = None
    tid_store: list[int] = field(default_factory=list)
    pending_key_sections: dict[int, TokenFields] = field(default_factory=dict, repr=False)
    tid_store_size: int = TID_STORE_SIZE

    @classmethod
    def manufactured(cls, when: datetime, **settings: object) -> VirtualMeter:
        """A new meter whose TID store is filled with its date of manufacture.

        That is how meters leave the factory, so a token older than the meter is
        refused as old.
        """
        meter = cls(**settings)  # type: ignore[arg-type]
        meter.tid_store = [tid_for(when, meter.base_date)] * meter.tid_store_size
        return meter

    @property
    def codec(self) -> TokenCodec:
        """The codec of the key the meter holds now."""
        return TokenCodec(self.decoder_key, self.encryption, self.base_date)

    def has_key(self, key: bytes) -> bool:
        """Whether the meter holds ``key`` (compared in constant time)."""
        return hmac.compare_digest(self.decoder_key, key)

    @property
    def key_change_pending(self) -> bool:
        """True when part of a key change went in but the meter still has its old key."""
        return bool(self.pending_key_sections)

    def enter(self, token: str) -> Acceptance:
        """Apply a token as the meter would; raise :class:`TokenRejected` if it refuses."""
        decoded = self._decode(token)
        fields = decoded.fields
        tid = tid_of(fields)
        if tid is not None:
            self._check_tid(tid)
        effect = self._apply(fields)
        if tid is not None:
            self._remember(tid)
        return Acceptance(decoded, effect)

    def _decode(self, token: str) -> DecodedToken:
        try:
            return self.codec.decode(token)
        except TokenFormatError as exc:
            raise TokenRejected(RejectionReason.FORMAT, str(exc)) from exc
        except CrcMismatch as exc:
            raise TokenRejected(RejectionReason.KEY, str(exc)) from exc
        except StsError as exc:
            raise TokenRejected(RejectionReason.UNKNOWN_TYPE, str(exc)) from exc

    # --- TID store ---------------------------------------------------------

    def _check_tid(self, tid: int) -> None:
        position = bisect.bisect_left(self.tid_store, tid)
        if position < len(self.tid_store) and self.tid_store[position] == tid:
            raise TokenRejected(RejectionReason.USED, "This token was already used on this meter.")
        if len(self.tid_store) >= self.tid_store_size and tid < self.tid_store[0]:
            raise TokenRejected(
                RejectionReason.OLD,
                "This token is older than every token the meter remembers; it is refused as old.",
            )

    def _remember(self, tid: int) -> None:
        bisect.insort(self.tid_store, tid)
        del self.tid_store[: max(0, len(self.tid_store) - self.tid_store_size)]

    # --- applying tokens -----------------------------------------------------

    def _apply(self, fields: TokenFields) -> str:
        handlers = {
            TransferCredit: self._add_credit,
            MeterTestDisplay: self._test_display,
            SetMaximumPowerLimit: self._set_power_limit,
            SetMaximumPhasePowerUnbalanceLimit: self._set_phase_unbalance,
            ClearCredit: self._clear_credit,
            SetTariffRate: self._set_tariff_rate,
            ClearTamperCondition: self._clear_tamper,
            SetWaterMeterFactor: self._set_water_factor,
        }
        handler = handlers.get(type(fields), self._key_section)
        return handler(fields)  # type: ignore[operator]

    def _add_credit(self, fields: TransferCredit) -> str:
        if fields.credit_type not in self.credit_types:
            raise TokenRejected(
                RejectionReason.WRONG_UTILITY,
                f"This meter does not take {fields.credit_type.name.lower()} credit.",
            )
        self.credit[fields.credit_type] = self.credit.get(fields.credit_type, 0) + fields.amount
        return f"Added {fields.quantity} {fields.credit_type.name.lower()} credit."

    def _test_display(self, fields: MeterTestDisplay) -> str:
        return f"Ran test/display functions {fields.control:#x}."

    def _set_power_limit(self, fields: SetMaximumPowerLimit) -> str:
        self.maximum_power_limit = fields.watts
        return f"Maximum power limit set to {fields.watts} W."

    def _set_phase_unbalance(self, fields: SetMaximumPhasePowerUnbalanceLimit) -> str:
        self.maximum_phase_unbalance = fields.watts
        return f"Maximum phase power unbalance set to {fields.watts} W."

    def _clear_credit(self, fields: ClearCredit) -> str:
        if fields.register == ALL_REGISTERS:
            self.credit.clear()
            return "Cleared every credit register."
        register = CreditType._value2member_map_.get(fields.register)
        if register is not None:
            self.credit.pop(register, None)  # type: ignore[call-overload]
        return f"Cleared credit register {fields.register}."

    def _set_tariff_rate(self, fields: SetTariffRate) -> str:
        self.tariff_rate = fields.rate
        return f"Tariff rate set to {fields.rate}."

    def _clear_tamper(self, fields: ClearTamperCondition) -> str:
        self.tamper = False
        return "Tamper condition cleared."

    def _set_water_factor(self, fields: SetWaterMeterFactor) -> str:
        self.water_meter_factor = fields.factor
        return f"Water meter factor set to {fields.factor}."

    # --- key change ------------------------------------------------------------

    def _sections_needed(self) -> int:
        return 4 if self.encryption is EncryptionAlgorithm.MISTY1 else 2

    def _key_section(self, fields: TokenFields) -> str:
        order = {3: 1, 4: 2, 8: 3, 9: 4}[fields.subclass]
        needed = self._sections_needed()
        if order > needed:
            raise TokenRejected(
                RejectionReason.KEY_CHANGE,
                f"Key section {order} is only for meters with 128-bit keys.",
            )
        sections = {**self.pending_key_sections, order: fields}
        missing = sorted(set(range(1, needed + 1)) - set(sections))
        if missing:
            self.pending_key_sections = sections
            return (
                f"Key section {order} stored; the meter keeps its old key until section(s) "
                f"{', '.join(map(str, missing))} are entered."
            )
        return self._install_new_key(sections)

    def _install_new_key(self, sections: dict[int, TokenFields]) -> str:
        first: DecoderKeySection1 = sections[1]  # type: ignore[assignment]
        second: DecoderKeySection2 = sections[2]  # type: ignore[assignment]
        if first.rollover and self.base_date not in _NEXT_BASE_DATE:
            raise TokenRejected(
                RejectionReason.KEY_CHANGE, "There is no base date after 2035 to roll over to."
            )
        self.decoder_key = self._assemble_key(sections)
        self.key_revision = first.key_revision
        self.key_type = first.key_type
        self.tariff_index = second.tariff_index
        if 3 in sections:
            third: DecoderKeySection3 = sections[3]  # type: ignore[assignment]
            fourth: DecoderKeySection4 = sections[4]  # type: ignore[assignment]
            self.supply_group = f"{fourth.supply_group_part << 12 | third.supply_group_part:06d}"
        if first.rollover:
            self.base_date = _NEXT_BASE_DATE[self.base_date]
            self.tid_store = []
        self.pending_key_sections = {}
        rolled = f", base date {int(self.base_date)} (TID store emptied)" if first.rollover else ""
        return (
            f"New decoder key installed: KRN {self.key_revision}, tariff index "
            f"{self.tariff_index:02d}, key type {self.key_type}{rolled}."
        )

    @staticmethod
    def _assemble_key(sections: dict[int, TokenFields]) -> bytes:
        first: DecoderKeySection1 = sections[1]  # type: ignore[assignment]
        second: DecoderKeySection2 = sections[2]  # type: ignore[assignment]
        if 3 not in sections:
            return (first.key_high << 32 | second.key_low).to_bytes(8, "big")
        third: DecoderKeySection3 = sections[3]  # type: ignore[assignment]
        fourth: DecoderKeySection4 = sections[4]  # type: ignore[assignment]
        key = first.key_high << 96 | third.key_part << 64 | fourth.key_part << 32 | second.key_low
        return key.to_bytes(16, "big")
