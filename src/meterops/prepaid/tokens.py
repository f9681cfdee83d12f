"""From an activated application to its tokens with the STS engine: KCTs, then stroom awal.

The keys come from the one key store (``meterops.keychange.keys``). The meter leaves the
factory on the key revision its factory data name (KRN); the customer's key is the unit's
current key (its newest revision, VKRN 43 once stored) with the application's tariff index.
When the two differ the meter first needs Key Change Tokens made under its factory key; the
stroom awal credit token is always made under the customer's key. Key material stays inside
the key store and the codecs.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

from meterops import sts
from meterops.keychange.keys import vending_keys_for
from meterops.keychange.models import VendingKey, pan_of

from .choices import TokenKind
from .models import ServiceRequest

__all__ = ["KeyDataUnknown", "TokenDraft", "TokenMaker", "pan_of"]


class KeyDataUnknown(Exception):
    """The vending key a meter needs is not in the key store; message in Indonesian."""


@dataclass(frozen=True)
class TokenDraft:
    kind: str
    token: str
    kwh: Decimal | None = None


def _meter(meter_number, supply_group, tariff_index, key_type):
    return SimpleNamespace(
        meter_number=meter_number,
        supply_group=supply_group,
        tariff_index=tariff_index,
        key_type=key_type if key_type is not None else 2,
    )


class TokenMaker:
    """Makes the tokens of many applications, reading each unit's keys and meter key once."""

    def __init__(self) -> None:
        self.cache = sts.DecoderKeyCache()
        self._keys: dict[int, dict[int, VendingKey]] = {}

    def keys_of(self, unit) -> dict[int, VendingKey]:
        if unit.pk not in self._keys:
            self._keys[unit.pk] = vending_keys_for(unit)
        return self._keys[unit.pk]

    def current_key(self, unit) -> VendingKey | None:
        keys = self.keys_of(unit)
        return keys[max(keys)] if keys else None

    def credit(self, *, meter, key: VendingKey, kwh, issued) -> str:
        """A stroom (credit) token for ``meter`` (number, SGC, TI, KT) under ``key``."""
        return sts.credit_token(key.codec(meter, self.cache), quantity=kwh, issued=issued)

    def drafts_for(self, request: ServiceRequest, *, issued: datetime) -> list[TokenDraft]:
        stock = request.bound_meter  # from stock, or the PD meter kept in place
        target = self.current_key(request.unit)
        if target is None:
            raise KeyDataUnknown(
                f"Vending key aktif untuk {request.unit} belum diatur: token tidak dapat dibuat."
            )
        factory = self.keys_of(request.unit).get(stock.key_revision)
        if factory is None:
            raise KeyDataUnknown(
                f"Data kunci pabrik meter {stock.meter_number} (SGC {stock.supply_group}, "
                f"KRN {stock.key_revision}) tidak dikenal: token tidak dapat dibuat."
            )
        as_factory = _meter(
            stock.meter_number, stock.supply_group, stock.tariff_index, stock.key_type
        )
        as_customer = _meter(
            stock.meter_number, stock.supply_group, request.tariff_index, stock.key_type
        )
        target_codec = target.codec(as_customer, self.cache)
        drafts = []
        if (stock.tariff_index, stock.key_revision) != (request.tariff_index, target.key_revision):
            change = sts.KeyChange(
                new_key=target_codec.decoder_key,
                key_revision=target.key_revision,
                key_type=as_customer.key_type,
                tariff_index=int(request.tariff_index),
                rollover=sts.needs_rollover(
                    sts.BaseDate(factory.base_date), sts.BaseDate(target.base_date)
                ),
                supply_group=stock.supply_group,
            )
            drafts += [
                TokenDraft(TokenKind.KEY_CHANGE, t)
                for t in sts.key_change_tokens(factory.codec(as_factory, self.cache), change)
            ]
        if request.initial_credit_kwh > 0:
            token = sts.credit_token(
                target_codec, quantity=request.initial_credit_kwh, issued=issued
            )
            drafts.append(TokenDraft(TokenKind.CREDIT, token, request.initial_credit_kwh))
        return drafts
