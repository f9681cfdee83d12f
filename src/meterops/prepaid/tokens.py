"""From an activated application to its tokens with the STS engine: KCTs, then stroom awal.

The meter leaves the factory on the key its factory data name (SGC, TI, KRN); the customer's
key is the unit's current vending key with the application's tariff index. When the two differ
the meter first needs Key Change Tokens made under its factory key; the stroom awal credit token
is always made under the customer's key. Key material stays inside this module and the codecs.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from meterops import sts

from .choices import TokenKind
from .models import MeterStock, ServiceRequest, VendingKey

ISSUER_ID = "600727"  # the IIN of the meters' PAN; 13-digit meter numbers use "0000"


class KeyDataUnknown(Exception):
    """The vending key a meter needs is not in the key store; message in Indonesian."""


@dataclass(frozen=True)
class TokenDraft:
    kind: str
    token: str
    kwh: Decimal | None = None


def pan_of(meter_number: str) -> sts.Pan:
    if len(meter_number) == 13:
        return sts.Pan("0000", meter_number)
    return sts.Pan(ISSUER_ID, meter_number)


def current_key_of(unit, keys: list[VendingKey]) -> VendingKey | None:
    """The current key of ``unit`` or of its nearest ancestor, among ``keys``."""
    ancestors = unit.path.split("/")
    current = [k for k in keys if k.is_current and k.unit.code in ancestors]
    return max(current, key=lambda k: len(k.unit.path), default=None)


class TokenMaker:
    """Makes the tokens of many applications, deriving each meter's key once."""

    def __init__(self, keys: list[VendingKey]) -> None:
        self.keys = keys
        self.by_sgc_krn = {(k.supply_group, k.key_revision): k for k in keys}
        self.cache = sts.DecoderKeyCache()

    def _meter_data(self, stock: MeterStock, key: VendingKey, tariff_index: str):
        return self.meter_key_data(stock.meter_number, key, tariff_index)

    def meter_key_data(self, meter_number: str, key: VendingKey, tariff_index: str):
        return sts.MeterKeyData(
            pan=pan_of(meter_number),
            supply_group=key.supply_group,
            tariff_index=tariff_index,
            key_type=key.key_type,
            key_revision=key.key_revision,
            base_date=sts.BaseDate(key.base_date),
        )

    def _codec(self, key: VendingKey, meter: sts.MeterKeyData) -> sts.TokenCodec:
        return self.cache.codec(
            vending_key=bytes.fromhex(key.key_hex),
            algorithm=sts.KeyGenerationAlgorithm.DKGA02,
            meter=meter,
            encryption=sts.EncryptionAlgorithm.STA,
        )

    def credit(self, *, meter_number: str, key: VendingKey, tariff_index: str, kwh, issued) -> str:
        """A stroom (credit) token for a meter on ``key`` with ``tariff_index``."""
        codec = self._codec(key, self.meter_key_data(meter_number, key, tariff_index))
        return sts.credit_token(codec, quantity=kwh, issued=issued)

    def drafts_for(self, request: ServiceRequest, *, issued: datetime) -> list[TokenDraft]:
        stock = request.meter
        target = current_key_of(request.unit, self.keys)
        if target is None:
            raise KeyDataUnknown(
                f"Vending key aktif untuk {request.unit} belum diatur: token tidak dapat dibuat."
            )
        factory = self.by_sgc_krn.get((stock.supply_group, stock.key_revision))
        if factory is None:
            raise KeyDataUnknown(
                f"Data kunci pabrik meter {stock.meter_number} (SGC {stock.supply_group}, "
                f"KRN {stock.key_revision}) tidak dikenal: token tidak dapat dibuat."
            )
        target_meter = self._meter_data(stock, target, request.tariff_index)
        target_codec = self._codec(target, target_meter)
        drafts = []
        same = (stock.supply_group, stock.tariff_index, stock.key_revision) == (
            target.supply_group,
            request.tariff_index,
            target.key_revision,
        )
        if not same:
            factory_codec = self._codec(
                factory, self._meter_data(stock, factory, stock.tariff_index)
            )
            change = sts.KeyChange(
                new_key=target_codec.decoder_key,
                key_revision=target.key_revision,
                key_type=target.key_type,
                tariff_index=int(request.tariff_index),
                rollover=sts.needs_rollover(
                    sts.BaseDate(factory.base_date), sts.BaseDate(target.base_date)
                ),
                supply_group=target.supply_group,
            )
            drafts += [
                TokenDraft(TokenKind.KEY_CHANGE, t)
                for t in sts.key_change_tokens(factory_codec, change)
            ]
        if request.initial_credit_kwh > 0:
            token = sts.credit_token(
                target_codec, quantity=request.initial_credit_kwh, issued=issued
            )
            drafts.append(TokenDraft(TokenKind.CREDIT, token, request.initial_credit_kwh))
        return drafts
