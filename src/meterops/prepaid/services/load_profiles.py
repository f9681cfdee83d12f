"""Writes of NFC load profiles: card records of top-ups and file imports (seed 002, Bab 3)."""

from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meterops.core.choices import Domain, RoleCode
from meterops.core.models import User
from meterops.core.scoping import scoped
from meterops.core.services import record_event, require_role
from meterops.customers.models import Meter

from ..cards import CardReading, CardRecord, monthly_consumption, read_card
from ..errors import LoadProfileRejected
from ..loadprofile_files import read_load_profile_file
from ..models import NfcCardRecord, NfcTransaction, TokenSale
from .applications import OFFICE_ROLES

LOAD_PROFILE_ROLES = (*OFFICE_ROLES, RoleCode.HELPDESK)
HISTORY_MONTHS = 12  # the card carries 12 months; flags look at the latest 12 stored


def consumption_flags(records, *, power_va: int, hours_on: int) -> dict:
    """Months whose consumption is far below the customer's history or the tariff's norm.

    Issue #8 on seed 002 Bab 3 (Informasi Load Profile, "PLN dapat Menentukan Pemakaian
    Tenaga Listrik"): the kWh of a month is the Stand difference with the month before
    (``cards.monthly_consumption``; unknown when that month is missing). A month is
    ``low_use`` when it is under half the average of the known months of ``records``, and
    ``below_norm`` when it is under the jam nyala norm ``hours_on`` x power (kVA), a unit
    setting (default 40 h). Either is a possible theft: the page offers an inspection target.
    The meter page and the flagged-meter list both use this one rule.
    """
    used = dict(monthly_consumption(records))
    known = [kwh for kwh in used.values() if kwh is not None]
    average = sum(known, Decimal(0)) / len(known) if known else None
    norm = Decimal(hours_on * power_va) / 1000
    months = {
        period: {
            "used": kwh,
            "low_use": average is not None and kwh is not None and kwh < average / 2,
            "below_norm": kwh is not None and kwh < norm,
        }
        for period, kwh in used.items()
    }
    return {"months": months, "average": average, "norm": norm}


LOAD_PROFILE_COLUMNS = (
    "meter_id, period, register_kwh, credit_kwh, voltage, tamper_status, current_amp"
)
# A month read again without arus (a 23-digit record, a file) keeps the arus it had.
LOAD_PROFILE_UPSERT = (
    "INSERT INTO prepaid_loadprofilerecord ({columns}, received_at) {source} "
    "ON CONFLICT (meter_id, period) DO UPDATE SET register_kwh = excluded.register_kwh, "
    "credit_kwh = excluded.credit_kwh, voltage = excluded.voltage, "
    "tamper_status = excluded.tamper_status, "
    "current_amp = COALESCE(excluded.current_amp, prepaid_loadprofilerecord.current_amp), "
    "received_at = excluded.received_at"
)
UNNEST = (
    "SELECT m, p, r, c, v, t, a, %s FROM unnest(%s::bigint[], %s::varchar[], %s::numeric[], "
    "%s::numeric[], %s::int[], %s::int[], %s::numeric[]) AS u(m, p, r, c, v, t, a)"
)
UPSERT_BATCH = 2000  # SQLite: rows per statement, 8 parameters each, within its 32 766


def _upsert_load_profile(rows: list[tuple[int, CardRecord]], at: datetime) -> int:
    """Store (meter id, record) rows; the same card read again updates, never duplicates.

    One INSERT ... ON CONFLICT DO UPDATE: on PostgreSQL over unnest() of one array per column
    (6x faster than multi-row VALUES, which beat bulk_create's model instances), on SQLite
    as multi-row VALUES per batch.
    """
    received = connection.ops.adapt_datetimefield_value(at)
    values = [
        (
            meter_id,
            r.period,
            int(r.register_kwh),
            int(r.credit_kwh),
            r.voltage,
            r.tamper_status,
            r.current_amp,
        )
        for meter_id, r in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source = UNNEST
            columns = [list(column) for column in zip(*values, strict=True)] or [[]] * 7
            cursor.execute(
                LOAD_PROFILE_UPSERT.format(columns=LOAD_PROFILE_COLUMNS, source=source),
                [received, *columns],
            )
            return len(rows)
        for start in range(0, len(values), UPSERT_BATCH):
            batch = values[start : start + UPSERT_BATCH]
            source = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                LOAD_PROFILE_UPSERT.format(columns=LOAD_PROFILE_COLUMNS, source=source),
                [value for row in batch for value in (*row, received)],
            )
    return len(rows)


def keep_card(
    *,
    meter: Meter,
    channel: str,
    reference: str,
    amount: Decimal,
    card: CardReading,
    at: datetime,
    actor: User | None,
    sale: TokenSale | None = None,
) -> NfcTransaction:
    """Keep what a purchase's card carried (seed 002, 1.4: "informasi load profile yang
    tersimpan dalam Contact Less Card akan terkirim"): the purchase with its accepted records
    (which purchase brought which month) and the rejected ones' reasons, and the meter's
    load profile upserted per month. The caller holds the transaction."""
    transaction_row = NfcTransaction.objects.create(
        meter=meter,
        channel=channel,
        reference=reference,
        at=at,
        amount=amount,
        records_kept=len(card.records),
        rejections="\n".join(card.errors),
        sale=sale,
    )
    NfcCardRecord.objects.bulk_create(
        NfcCardRecord(
            transaction=transaction_row,
            position=r.position,
            period=r.period,
            register_kwh=r.register_kwh,
            credit_kwh=r.credit_kwh,
            voltage=r.voltage,
            tamper_status=r.tamper_status,
            current_amp=r.current_amp,
        )
        for r in card.records
    )
    _upsert_load_profile([(meter.pk, r) for r in card.records], at)
    record_event(
        verb="prepaid.nfc_transaction",
        actor=actor,
        customer=meter.customer,
        domain=Domain.PREPAID,
        note=f"{channel} {reference}: {len(card.records)} record load profile"
        + (f", {len(card.errors)} ditolak" if card.errors else ""),
    )
    return transaction_row


@transaction.atomic
def record_nfc_transaction(
    *,
    meter_number: str,
    channel: str,
    reference: str,
    amount: Decimal,
    card_records: list[str],
    at: datetime | None = None,
) -> NfcTransaction:
    """An NFC top-up at a PPOB with the card's load profile (seed 002, 1.2 and 1.4).

    Bad records are rejected with their reason and the rest of the card is kept; the same
    (channel, reference) again returns the transaction already stored.
    """
    existing = NfcTransaction.objects.filter(channel=channel, reference=reference).first()
    if existing is not None:
        return existing
    meter = (
        Meter.objects.filter(meter_number=meter_number, removed_at__isnull=True)
        .select_related("customer")
        .first()
    )
    if meter is None:
        raise LoadProfileRejected(
            _("No meter %(m)s tidak terpasang di pelanggan mana pun.") % {"m": meter_number}
        )
    return keep_card(
        meter=meter,
        channel=channel,
        reference=reference,
        amount=amount,
        card=read_card(card_records),
        at=at or timezone.now(),
        actor=None,
    )


@transaction.atomic
def import_load_profiles(*, name: str, content: bytes, actor: User) -> tuple[int, list[str]]:
    """Import the 12-month card histories of many meters from CSV/XLSX, set-based.

    Returns (rows stored, errors); a row of a meter the actor may not see, a meter not
    installed, or a month repeated in the file is rejected with its row number.
    """
    require_role(actor, LOAD_PROFILE_ROLES)
    parsed = read_load_profile_file(name, content)
    errors = list(parsed.errors)
    numbers = {meter_number for _n, meter_number, _r in parsed.rows}
    meters = dict(
        scoped(Meter, actor)
        .filter(meter_number__in=numbers, removed_at__isnull=True)
        .values_list("meter_number", "pk")
    )
    rows, seen = [], set()
    for number, meter_number, record in parsed.rows:
        meter_id = meters.get(meter_number)
        if meter_id is None:
            errors.append(
                _("Baris %(n)s, kolom No Meter: meter %(m)s tidak terpasang di unit Anda.")
                % {"n": number, "m": meter_number}
            )
        elif (meter_id, record.period) in seen:
            errors.append(
                _("Baris %(n)s: BLTH %(p)s meter %(m)s ganda di file.")
                % {"n": number, "p": record.period, "m": meter_number}
            )
        else:
            seen.add((meter_id, record.period))
            rows.append((meter_id, record))
    return _upsert_load_profile(rows, timezone.now()), errors
