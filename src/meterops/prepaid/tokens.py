"""From an activated application to its tokens with the STS engine: KCTs, then stroom awal.

The keys come from the one key store (``meterops.vending.keys``). The meter leaves the
factory on the vending key its factory data name (VKRN, with its KRN); the customer's key is
the unit's current key (VKRN 43 once stored) with the application's tariff index. When the
two differ the meter first needs Key Change Tokens made under its factory key; the stroom
awal credit token is always made under the customer's key, with the meter's next free TID.
Key material stays inside the key store and the codecs.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from meterops import sts
from meterops.vending.keys import (
    credit_token_for,
    key_change_tokens,
    newest_key,
    on_tariff_index,
    vending_keys_for,
)
from meterops.vending.models import VendingKey
from meterops.vending.tids import IssueClock

from .choices import TokenKind
from .models import ServiceRequest


class KeyDataUnknown(Exception):
    """The vending key a meter needs is not in the key store; message in Indonesian."""


@dataclass(frozen=True)
class TokenDraft:
    kind: str
    token: str
    kwh: Decimal | None = None


class TokenMaker:
    """Makes the tokens of many applications, reading each unit's keys and meter key once."""

    def __init__(self, at: datetime | None = None) -> None:
        self.cache = sts.DecoderKeyCache()
        self.clock = IssueClock(at or timezone.now())
        self._keys: dict[int, dict[int, VendingKey]] = {}

    def keys_of(self, unit) -> dict[int, VendingKey]:
        if unit.pk not in self._keys:
            self._keys[unit.pk] = vending_keys_for(unit)
        return self._keys[unit.pk]

    def current_key(self, unit) -> VendingKey | None:
        return newest_key(self.keys_of(unit))

    def credit(self, *, meter, key: VendingKey, kwh) -> str:
        """A stroom (credit) token for ``meter`` (number, SGC, TI, KT) under ``key``."""
        return credit_token_for(meter, key, kwh=kwh, clock=self.clock, cache=self.cache)

    def reserve_stroom_awal(self, requests: list[ServiceRequest]) -> None:
        """Reserve the stroom awal TIDs of many applications in one statement."""
        wanted = []
        for request in requests:
            target = self.current_key(request.unit)
            if target is not None and request.initial_credit_kwh > 0:
                wanted.append((request.bound_meter.meter_number, target.base_date))
        self.clock.reserve(wanted)

    def drafts_for(self, request: ServiceRequest) -> list[TokenDraft]:
        stock = request.bound_meter  # from stock, or the PD meter kept in place
        target = self.current_key(request.unit)
        if target is None:
            raise KeyDataUnknown(
                f"Vending key aktif untuk {request.unit} belum diatur: token tidak dapat dibuat."
            )
        factory = self.keys_of(request.unit).get(stock.vkrn)
        if factory is None:
            raise KeyDataUnknown(
                f"Data kunci pabrik meter {stock.meter_number} (SGC {stock.supply_group}, "
                f"VKRN {stock.vkrn or '-'}) tidak dikenal: token tidak dapat dibuat."
            )
        drafts = []
        if (stock.tariff_index, stock.vkrn) != (request.tariff_index, target.vkrn):
            tokens = key_change_tokens(
                meter=stock,
                old=factory,
                new=target,
                cache=self.cache,
                tariff_index=request.tariff_index,
            )
            drafts += [TokenDraft(TokenKind.KEY_CHANGE, t) for t in tokens]
        if request.initial_credit_kwh > 0:
            customer_meter = on_tariff_index(stock, request.tariff_index)
            token = self.credit(meter=customer_meter, key=target, kwh=request.initial_credit_kwh)
            drafts.append(TokenDraft(TokenKind.CREDIT, token, request.initial_credit_kwh))
        return drafts
