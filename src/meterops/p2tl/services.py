"""Revenue protection (P2TL, issue #23): one suspicion list across the domains.

Each signal the system already holds is one rule below: a function that returns, for every
customer of the given units that shows it, how often (``suspect``, ``hits``), as one
aggregate query. ``_scored_sql`` puts the rules together into one SQL statement that scores a
whole unit's customers at once (the weights are the unit's ``P2tlSettings``). Scoring grows
with the customers, so the worker keeps the scores (``count_suspects``: each unit with its own
weights, into ``SuspectScore``) and the list reads them by unit and score, dropping at read time
the customers a P2TL inspection recently cleared, so an inspection's outcome shows at once.
Works on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, ExtractMonth, ExtractYear, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meterops.complaints.models import TokenCall
from meterops.core import tallies
from meterops.core.choices import RoleCode
from meterops.core.jobs import enqueue_on_commit
from meterops.core.models import Unit, User
from meterops.core.services import require_role, require_unit
from meterops.core.transitions import without_jit
from meterops.customers.models import Customer
from meterops.fieldwork.choices import InspectionFinding, OrderKind, OrderState
from meterops.fieldwork.models import FieldOrder
from meterops.fieldwork.services import InspectionsIssued, issue_p2tl_inspection_orders
from meterops.keychange.choices import TargetState
from meterops.keychange.models import CampaignTarget
from meterops.prepaid.models import TAMPER, LoadProfileRecord, TokenSale
from meterops.reading.models import Reading, previous_period
from meterops.replacement.models import Replacement

from .models import P2tlSettings, SuspectScore, SuspectTally

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
    # When the oldest kept score of these units was counted; None: never, score them live.
    counted_at: datetime | None = None

    @property
    def since_period(self) -> str:
        return previous_period(self.today.strftime("%Y%m"), self.settings.lookback_months - 1)

    @property
    def since_day(self) -> date:
        return self.today - timedelta(days=31 * self.settings.lookback_months)

    @property
    def cleared_since(self) -> date:
        return self.today - timedelta(days=31 * self.settings.cleared_months)


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
        counted_at=scores_counted_at(unit_ids),
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
    return (
        cleared_inspections()
        .filter(unit_id__in=w.unit_ids, done_at__date__gte=w.cleared_since)
        .order_by()
        .values("customer_id")
    )


def cleared_inspections() -> QuerySet:
    """P2TL inspections done that found no violation."""
    return FieldOrder.objects.filter(
        kind=OrderKind.P2TL_INSPECTION,
        state__in=DONE_STATES,
        inspection_finding=InspectionFinding.NONE,
    )


def _scored_sql(w: Window, *, cleared: bool = True) -> tuple[str, list]:
    """SELECT customer, score, one hits column per signal: the weighted sum of the signals a
    customer shows, for every customer of the window's units, in one statement; without the
    customers an inspection cleared unless ``cleared`` is False."""
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
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT g.customer, ({score}) AS score, {columns} FROM ("  # noqa: S608
        f"SELECT u.suspect AS customer, {hits} FROM ({union}) u GROUP BY u.suspect) g"
    )
    weights = [getattr(w.settings, s.weight_field) for s in SIGNALS]
    params = [*weights, *[s.code for s in SIGNALS], *params]
    if cleared:
        cleared_sql, cleared_params = cleared_customers(w).query.sql_with_params()
        sql += f" WHERE g.customer NOT IN ({cleared_sql})"
        params += cleared_params
    return sql, params


def suspect_total(w: Window) -> int:
    """How many customers the window lists."""
    if w.counted_at is not None:
        return _kept_scores(w).count()
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
    (None for a page past the end): the kept scores, or before their first count the rules
    run now, in one statement (issue #23)."""
    if w.counted_at is not None:
        return _kept_page(w, offset=offset, limit=limit)
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


# --- Kept scores -----------------------------------------------------------------------------


def score_max_age() -> timedelta:
    return timedelta(seconds=django_settings.P2TL_MAX_AGE)


def scores_counted_at(unit_ids) -> datetime | None:
    """When the oldest kept score of these units was counted; None when none ever was."""
    counted = SuspectTally.objects.filter(unit_id__in=unit_ids)
    return counted.aggregate(oldest=Min("counted_at"))["oldest"]


def _kept_scores(w: Window) -> QuerySet:
    """The window's kept scores without the customers an inspection cleared since the day
    their unit's cleared_months reached back to when counted."""
    cleared = cleared_inspections().filter(
        customer_id=OuterRef("customer_id"), done_at__date__gte=OuterRef("cleared_since")
    )
    return SuspectScore.objects.filter(unit_id__in=w.unit_ids).exclude(Exists(cleared))


def _kept_page(w: Window, *, offset: int, limit: int | None):
    rows = _kept_scores(w).order_by("-score", "customer_id")
    page = rows[offset : offset + limit] if limit is not None else rows[offset:]
    codes = [s.code for s in SIGNALS]
    suspects = [
        Suspect(row[0], row[1], dict(zip(codes, row[2:], strict=True)))
        for row in page.values_list("customer_id", "score", *codes)
    ]
    if not suspects:
        return [], None
    listed = offset + len(suspects) if limit is None or len(suspects) < limit else rows.count()
    return suspects, listed


def count_suspects(unit_id: int | None = None, today: date | None = None) -> int:
    """Score the customers of every unit (or of ``unit_id`` and the units below it) into
    SuspectScore, each unit with its own weights (issue #23); returns the customers scored."""
    units = Unit.objects.filter(Exists(Customer.objects.filter(unit_id=OuterRef("pk"))))
    if unit_id is not None:
        top = Unit.objects.get(pk=unit_id)
        units = units.filter(Q(pk=top.pk) | Q(path__startswith=f"{top.path}/"))
    return sum(count_suspects_of(unit, today) for unit in units.order_by("path"))


@transaction.atomic
def count_suspects_of(unit: Unit, today: date | None = None) -> int:
    """Score one unit's customers with its weights into SuspectScore in place of its last
    count, in one INSERT … SELECT; a crash keeps the last count whole."""
    w = window_for(unit, [unit.pk], today)
    sql, params = _scored_sql(w, cleared=False)
    codes = ", ".join(s.code for s in SIGNALS)
    hits = ", ".join(f"g.h_{s.code}" for s in SIGNALS)
    updates = ", ".join(
        f"{name} = excluded.{name}"
        for name in ("unit_id", "score", "cleared_since", *[s.code for s in SIGNALS])
    )
    score_table, customer_table = SuspectScore._meta.db_table, Customer._meta.db_table
    counted_at = timezone.now()
    SuspectScore.objects.filter(unit=unit)._raw_delete(SuspectScore.objects.db)
    with connection.cursor() as cursor:
        without_jit(cursor)
        # A customer moved in from another unit replaces the row counted there.
        cursor.execute(
            f"INSERT INTO {score_table} (customer_id, unit_id, score, cleared_since, {codes})"  # noqa: S608
            f" SELECT g.customer, %s, g.score, %s, {hits} FROM ({sql}) g"
            f" WHERE g.score > 0 AND g.customer IN"
            f" (SELECT c.id FROM {customer_table} c WHERE c.unit_id = %s)"
            f" ON CONFLICT (customer_id) DO UPDATE SET {updates}",
            [unit.pk, w.cleared_since, *params, unit.pk],
        )
        scored = cursor.rowcount
    tallies.store(
        [SuspectTally(unit=unit, suspects=scored, counted_at=counted_at)],
        keys=["unit"],
        counts=["suspects"],
    )
    return scored


def recount_suspects_if_stale(w: Window) -> bool:
    """Queue a count of the kept scores when the window's are missing or older than
    P2TL_MAX_AGE."""
    from .tasks import count_suspects_task

    return tallies.recount_if_stale(count_suspects_task, w.counted_at, max_age=score_max_age())


def scores_just_counted() -> bool:
    """Every unit's scores counted within the last half of P2TL_MAX_AGE."""
    oldest = SuspectTally.objects.aggregate(oldest=Min("counted_at"))["oldest"]
    return tallies.just_counted(oldest, score_max_age())


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
    from .tasks import count_suspects_task

    # The kept scores were counted with the old weights: count the unit's again.
    enqueue_on_commit(count_suspects_task, unit.pk, True)
    return row


def order_inspections(*, actor: User, customers: QuerySet) -> InspectionsIssued:
    """Turn the supervisor's chosen suspects into Pemeriksaan P2TL field orders (issue #23)."""
    require_role(actor, LIST_READERS)
    return issue_p2tl_inspection_orders(actor=actor, customers=customers)
