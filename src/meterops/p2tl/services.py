"""Revenue protection (P2TL, issue #23): one suspicion list across the domains.

Each signal the system already holds is one rule below: a function that returns, for every
customer of the given units that shows it, how often (``suspect``, ``hits``), as one
aggregate query. ``suspect_page`` puts the rules together into one SQL statement that scores a
whole unit's customers at once (the weights are the unit's ``P2tlSettings``) and drops the
customers a P2TL inspection recently cleared. Works on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, ExtractMonth, ExtractYear, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.complaints.models import TokenCall
from meterops.core.choices import RoleCode
from meterops.core.models import Unit, User
from meterops.core.services import require_role, require_unit
from meterops.core.transitions import without_jit
from meterops.fieldwork.choices import InspectionFinding, OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder
from meterops.fieldwork.services import InspectionsIssued, issue_p2tl_inspection_orders
from meterops.keychange.choices import TargetState
from meterops.keychange.models import CampaignTarget
from meterops.prepaid.models import TAMPER, LoadProfileRecord, TokenSale
from meterops.reading.models import Reading, previous_period
from meterops.replacement.models import Replacement

from .models import P2tlSettings

SETTINGS_EDITORS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN)
LIST_READERS = (RoleCode.ADMIN, RoleCode.UNIT_ADMIN, RoleCode.SUPERVISOR)
DONE_STATES = (OrderState.DONE, OrderState.VERIFIED)
# A meter visit explains a drop in the readings of the months right after it (issue #23).
VISIT_MONTHS = 3


@dataclass(frozen=True)
class Window:
    """What the rules look at: the units, the months, the unit's thresholds."""

    unit: Unit
    unit_ids: list[int]
    settings: P2tlSettings
    voltage_low: int
    voltage_high: int
    today: date

    @property
    def since_period(self) -> str:
        return previous_period(self.today.strftime("%Y%m"), self.settings.lookback_months - 1)

    @property
    def since_day(self) -> date:
        return self.today - timedelta(days=31 * self.settings.lookback_months)


def window_for(unit: Unit, unit_ids: list[int], today: date | None = None) -> Window:
    """The rules' window for a unit's list: its weights and voltage band, inherited from above
    when it has none of its own, apply to every unit below it on that list."""
    band = unit.settings_or_default()
    return Window(
        unit=unit,
        unit_ids=unit_ids,
        settings=P2tlSettings.for_unit(unit),
        voltage_low=band.voltage_low,
        voltage_high=band.voltage_high,
        today=today or timezone.localdate(),
    )


def _per_customer(rows: QuerySet, customer: str) -> QuerySet:
    return rows.order_by().values(suspect=F(customer)).annotate(hits=Count("pk"))


# --- The rules, one per signal --------------------------------------------------------------


def tamper_months(w: Window) -> QuerySet:
    """Months the NFC card's load profile carried status tamper 08 (seed 002, Bab 3:
    "8 = Status Tamper", Tabel 3-1 sample "08"; 1.4: "Informasi Gangguan Meter … P2TL")."""
    rows = LoadProfileRecord.objects.filter(
        meter__customer__unit_id__in=w.unit_ids,
        period__gte=w.since_period,
        tamper_status=TAMPER,
    )
    return _per_customer(rows, "meter__customer_id")


def voltage_out_months(w: Window) -> QuerySet:
    """Months the load profile's voltage lay outside the unit's normal band (seed 002, Bab 3
    "tegangan"; the band is core UnitSettings voltage_low/voltage_high)."""
    rows = LoadProfileRecord.objects.filter(
        meter__customer__unit_id__in=w.unit_ids, period__gte=w.since_period
    ).filter(Q(voltage__lt=w.voltage_low) | Q(voltage__gt=w.voltage_high))
    return _per_customer(rows, "meter__customer_id")


def _month_index(year, month):
    return year * 12 + month


def _period_index(period):
    """A BLTH (YYYYMM) as a month number that months can be added to, on either database."""
    return _month_index(
        Cast(Substr(period, 1, 4), IntegerField()), Cast(Substr(period, 5, 2), IntegerField())
    )


def prepaid_register_stuck_while_buying(w: Window) -> QuerySet:
    """Card months whose stand did not rise above an earlier month's while tokens were bought
    for the meter that month (seed 002, Tabel 3-1 "Stand"; issue #23: "readings going
    backwards or zero while the customer buys tokens")."""
    earlier_higher = LoadProfileRecord.objects.filter(
        meter_id=OuterRef("meter_id"),
        period__lt=OuterRef("period"),
        period__gte=w.since_period,
        register_kwh__gte=OuterRef("register_kwh"),
    )
    # The unit's sales only: unfiltered, PostgreSQL grouped every sale of every unit by month
    # first (414 of 882 ms for a ULP at 100,000 customers).
    bought = (
        TokenSale.objects.filter(meter__customer__unit_id__in=w.unit_ids)
        .annotate(month=_month_index(ExtractYear("sold_at"), ExtractMonth("sold_at")))
        .filter(meter_id=OuterRef("meter_id"), month=_period_index(OuterRef("period")))
    )
    rows = LoadProfileRecord.objects.filter(
        meter__customer__unit_id__in=w.unit_ids, period__gte=w.since_period
    ).filter(Exists(earlier_higher), Exists(bought))
    return _per_customer(rows, "meter__customer_id")


def register_backwards_or_zero(w: Window) -> QuerySet:
    """Readings whose stand went backwards or whose consumption was zero (seed 001, ACMT
    validation "pemakaian negatif/nol"); a zero explained by a disconnection for arrears
    (flag_disconnected) does not count (issue #23)."""
    rows = Reading.objects.filter(unit_id__in=w.unit_ids, period__gte=w.since_period).filter(
        Q(flag_negative=True) | Q(flag_zero=True, flag_disconnected=False)
    )
    return _per_customer(rows, "customer_id")


def consumption_drop_after_visit(w: Window) -> QuerySet:
    """Readings of the three months after a meter visit (a HOME replacement or a completed
    field order) whose consumption fell below drop_percent % of the 3-month average before
    (issue #23: "consumption falling sharply after a meter visit")."""
    reading_month = _period_index(OuterRef("period"))
    replaced = Replacement.objects.filter(target__customer_id=OuterRef("customer_id")).annotate(
        month=_month_index(ExtractYear("replaced_on"), ExtractMonth("replaced_on"))
    )
    visited = (
        FieldOrder.objects.filter(customer_id=OuterRef("customer_id"), state__in=DONE_STATES)
        .exclude(kind=OrderKind.P2TL_INSPECTION)
        .annotate(month=_month_index(ExtractYear("done_at"), ExtractMonth("done_at")))
    )
    after = Q(month__lt=reading_month, month__gte=reading_month - VISIT_MONTHS)
    rows = (
        Reading.objects.filter(
            unit_id__in=w.unit_ids, period__gte=w.since_period, average_kwh__gt=0
        )
        # Compared as whole percents: SQLite divides integers without a fraction.
        .alias(percent_of_average=F("consumption_kwh") * 100)
        .filter(percent_of_average__lt=F("average_kwh") * w.settings.drop_percent)
        .filter(Exists(replaced.filter(after)) | Exists(visited.filter(after)))
    )
    return _per_customer(rows, "customer_id")


def prepaid_sampling_anomalies(w: Window) -> QuerySet:
    """Prepaid sampling orders that found an APP anomaly (LBKB) at the meter (seed 004 §III:
    "Merekam kelainan APP (LBKB)")."""
    rows = FieldOrder.objects.filter(
        unit_id__in=w.unit_ids,
        kind=OrderKind.PREPAID_SAMPLING,
        state__in=DONE_STATES,
        anomaly__isnull=False,
        done_at__date__gte=w.since_day,
    )
    return _per_customer(rows, "customer_id")


def kct_failures(w: Window) -> QuerySet:
    """KRN-2 targets whose key change token failed (seed 003, point 5: KCT ditolak, parameter
    berubah, meter tidak ditemukan, pelanggan menolak)."""
    rows = CampaignTarget.objects.filter(
        unit_id__in=w.unit_ids,
        state__in=(TargetState.FAILED, TargetState.CANCELLED),
        confirmed_at__date__gte=w.since_day,
    ).exclude(failure_reason="")
    return _per_customer(rows, "customer_id")


def repeated_token_calls(w: Window) -> QuerySet:
    """PLN 123 calls "token tidak bisa masuk" of one customer, counted when they reach
    token_call_minimum within token_call_days (seed 003, call-centre handling; issue #23)."""
    since = timezone.now() - timedelta(days=w.settings.token_call_days)
    rows = TokenCall.objects.filter(unit_id__in=w.unit_ids, created_at__gte=since)
    return _per_customer(rows, "customer_id").filter(hits__gte=w.settings.token_call_minimum)


@dataclass(frozen=True)
class Signal:
    code: str
    rule: object
    weight_field: str
    explanation: object  # with %(n)s: the number of hits


SIGNALS = (
    Signal(
        "tamper",
        tamper_months,
        "weight_tamper",
        _("Status tamper 08 pada %(n)s bulan load profile"),
    ),
    Signal(
        "voltage",
        voltage_out_months,
        "weight_voltage",
        _("Tegangan di luar batas normal pada %(n)s bulan load profile"),
    ),
    Signal(
        "register",
        register_backwards_or_zero,
        "weight_register",
        _("Stan mundur atau pemakaian nol tanpa pemutusan: %(n)s kali"),
    ),
    # The prepaid twin of the readings' signal, under the same weight.
    Signal(
        "prepaid_register",
        prepaid_register_stuck_while_buying,
        "weight_register",
        _("Stan kartu NFC tidak naik padahal membeli token: %(n)s bulan"),
    ),
    Signal(
        "drop_after_visit",
        consumption_drop_after_visit,
        "weight_drop_after_visit",
        _("Pemakaian turun tajam setelah kunjungan meter: %(n)s bulan"),
    ),
    Signal(
        "sampling",
        prepaid_sampling_anomalies,
        "weight_sampling",
        _("Kelainan APP saat sampling prabayar: %(n)s kali"),
    ),
    Signal("kct_failure", kct_failures, "weight_kct_failure", _("KCT KRN-2 gagal: %(n)s kali")),
    Signal(
        "token_calls",
        repeated_token_calls,
        "weight_token_calls",
        _("Keluhan token tidak bisa masuk: %(n)s kali"),
    ),
)


# --- The list: every rule in one statement ---------------------------------------------------


def cleared_customers(w: Window) -> QuerySet:
    """Customers whose P2TL inspection found no violation within cleared_months: they leave
    the list for that long (issue #23, "the outcome feeds back")."""
    since = w.today - timedelta(days=31 * w.settings.cleared_months)
    return (
        FieldOrder.objects.filter(
            unit_id__in=w.unit_ids,
            kind=OrderKind.P2TL_INSPECTION,
            state__in=DONE_STATES,
            inspection_finding=InspectionFinding.NONE,
            done_at__date__gte=since,
        )
        .order_by()
        .values("customer_id")
    )


def _scored_sql(w: Window) -> tuple[str, list]:
    """SELECT customer, score, one hits column per signal: the weighted sum of the signals a
    customer shows, for every customer of the window's units, in one statement."""
    parts, params = [], []
    for signal in SIGNALS:
        if not getattr(w.settings, signal.weight_field):
            continue
        sql, rule_params = signal.rule(w).query.sql_with_params()
        # Only the rules' own SQL and fixed names are put together; every value is a parameter.
        parts.append(f"SELECT r.suspect, %s AS signal, r.hits FROM ({sql}) r")  # noqa: S608
        params += [signal.code, *rule_params]
    if not parts:  # the settings form refuses this; an empty list, not an error
        none = ", ".join(f"0 AS h_{s.code}" for s in SIGNALS)
        return f"SELECT NULL AS customer, 0 AS score, {none} WHERE 1 = 0", []
    hits = ", ".join(
        f"SUM(CASE WHEN u.signal = %s THEN u.hits ELSE 0 END) AS h_{s.code}" for s in SIGNALS
    )
    score = " + ".join(f"CASE WHEN g.h_{s.code} > 0 THEN %s ELSE 0 END" for s in SIGNALS)
    columns = ", ".join(f"g.h_{s.code}" for s in SIGNALS)
    cleared_sql, cleared_params = cleared_customers(w).query.sql_with_params()
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT g.customer, ({score}) AS score, {columns} FROM ("  # noqa: S608
        f"SELECT u.suspect AS customer, {hits} FROM ({union}) u GROUP BY u.suspect"
        f") g WHERE g.customer NOT IN ({cleared_sql})"
    )
    weights = [getattr(w.settings, s.weight_field) for s in SIGNALS]
    return sql, [*weights, *[s.code for s in SIGNALS], *params, *cleared_params]


def count_suspects(w: Window) -> int:
    sql, params = _scored_sql(w)
    with transaction.atomic(), connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) s", params)  # noqa: S608
        return cursor.fetchone()[0]


@dataclass
class Suspect:
    customer_id: int
    score: int
    hits: dict[str, int]

    def reasons(self) -> list[str]:
        """The signals this customer shows, each explained in the users' words."""
        return [str(s.explanation % {"n": self.hits[s.code]}) for s in SIGNALS if self.hits[s.code]]


def suspect_page(w: Window, *, offset: int = 0, limit: int | None = None):
    """A page of the unit's suspects, highest score first, and how many there are in all
    (None for a page past the end), in one statement whatever the number of customers
    (issue #23)."""
    sql, params = _scored_sql(w)
    sql = (
        f"SELECT s.*, COUNT(*) OVER () AS listed FROM ({sql}) s"  # noqa: S608
        " ORDER BY s.score DESC, s.customer"
    )
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params = [*params, limit, offset]
    # JIT compiled the statement's many rules for 4.2 s of a 3.9 s run at 100,000 customers.
    with transaction.atomic(), connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    suspects = [
        Suspect(
            row[0],
            int(row[1]),
            {s.code: int(n or 0) for s, n in zip(SIGNALS, row[2:-1], strict=True)},
        )
        for row in rows
    ]
    return suspects, (rows[0][-1] if rows else None)


def suspect_rows(w: Window, *, offset: int = 0, limit: int | None = None) -> list[Suspect]:
    """The unit's suspects, highest score first (issue #23)."""
    return suspect_page(w, offset=offset, limit=limit)[0]


# --- Writes ----------------------------------------------------------------------------------


@transaction.atomic
def update_p2tl_settings(*, actor: User, unit: Unit, values: dict) -> P2tlSettings:
    """Save a unit's P2TL weights and thresholds, audited; units below without their own row
    inherit them (issue #23)."""
    require_role(actor, SETTINGS_EDITORS)
    require_unit(actor, unit)
    row = P2tlSettings.objects.select_for_update().filter(unit=unit).first()
    if row is None:
        inherited = P2tlSettings.for_unit(unit)
        row = P2tlSettings(
            unit=unit,
            **{
                f.name: getattr(inherited, f.name)
                for f in P2tlSettings._meta.concrete_fields
                if f.name not in ("id", "unit", "created_at", "updated_at")
            },
        )
    for name, value in values.items():
        setattr(row, name, value)
    row._history_user = actor
    row.full_clean()
    row.save()
    return row


def order_inspections(*, actor: User, customers: QuerySet) -> InspectionsIssued:
    """Turn the supervisor's chosen suspects into Pemeriksaan P2TL field orders (issue #23)."""
    require_role(actor, LIST_READERS)
    return issue_p2tl_inspection_orders(actor=actor, customers=customers)
