"""Schedule and target per officer (seed 004 §IV, "Penyusunan jadwal pelaksanaan & target per
petugas") and the visit list the officer carries (§V, "Membawa daftar pelanggan yang akan
dikunjungi, sesuai form"). The day of a visit is set when orders are assigned
(``orders.assign_orders``); here are the daily targets and plan against done.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from meterops.core.choices import UnitLevel
from meterops.core.errors import InvalidInput
from meterops.core.models import Unit, User, unit_time_zone
from meterops.core.services import ensure_field_officer_for, require_role, require_unit

from ..choices import OrderKind, OrderState
from ..models import FieldOrder, OfficerTarget
from .arrears import local_today
from .orders import ASSIGNERS

MAX_PLAN_DAYS = 31  # one month at a time: a target per day of it
MAX_DAILY_TARGET = 500
FINISHED = (OrderState.DONE, OrderState.FAILED, OrderState.VERIFIED)


def _check_days(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise InvalidInput("last_day", _("Tanggal akhir sebelum tanggal awal."))
    if (last_day - first_day).days + 1 > MAX_PLAN_DAYS:
        raise InvalidInput(
            "last_day", _("Paling lama %(n)d hari sekaligus.") % {"n": MAX_PLAN_DAYS}
        )


@transaction.atomic
def set_officer_targets(
    *,
    actor: User,
    unit: Unit,
    officer: User,
    kind: str,
    first_day: date,
    last_day: date,
    target: int,
) -> int:
    """Set an officer's daily target of one order kind for each day from ``first_day`` to
    ``last_day`` in a ULP; 0 removes it (seed 004 §IV, "target per petugas"). Setting the same
    again changes nothing, so a double click is harmless."""
    require_role(actor, ASSIGNERS)
    require_unit(actor, unit)
    if unit.level != UnitLevel.SERVICE_POINT:
        raise InvalidInput("unit", _("Target disusun per ULP; pilih sebuah ULP."))
    ensure_field_officer_for(unit, officer, actor=actor)
    if kind not in OrderKind.values:
        raise InvalidInput("kind", _("Jenis order tidak dikenal."))
    if not 0 <= target <= MAX_DAILY_TARGET:
        raise InvalidInput(
            "target", _("Target per hari 0 sampai %(n)d order.") % {"n": MAX_DAILY_TARGET}
        )
    _check_days(first_day, last_day)
    if first_day < local_today(unit_time_zone(unit.pk)):
        raise InvalidInput("first_day", _("Target tidak disusun untuk hari yang sudah lewat."))
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    existing = OfficerTarget.objects.filter(
        unit=unit, officer=officer, kind=kind, day__range=(first_day, last_day)
    )
    if target == 0:
        existing.delete()
        return 0
    OfficerTarget.objects.bulk_create(
        [
            OfficerTarget(
                unit=unit, officer=officer, kind=kind, day=day, target=target, set_by=actor
            )
            for day in days
        ],
        update_conflicts=True,
        unique_fields=["unit", "officer", "day", "kind"],
        update_fields=["target", "set_by", "updated_at"],
    )
    return len(days)


@dataclass
class Realisation:
    officer: User
    kind: str
    target: int = 0
    planned: int = 0
    visited: int = 0

    @property
    def kind_label(self) -> str:
        return str(OrderKind(self.kind).label)

    @property
    def percent(self) -> int | None:
        return round(self.visited * 100 / self.target) if self.target else None


def officer_realisation(
    *, unit: Unit, orders: QuerySet, targets: QuerySet, first_day: date, last_day: date
) -> list[Realisation]:
    """Plan against done per officer and kind over the unit's local days (seed 004 §IV): the
    target is the sum of the daily targets, planned the orders planned on those days, visited
    the orders the officer finished on them (done or failed: the visit was made)."""
    _check_days(first_day, last_day)
    zone = ZoneInfo(unit_time_zone(unit.pk))
    start = datetime.combine(first_day, time.min, zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, zone)
    rows: dict[tuple[int, str], dict] = {}

    def add(queryset, officer_key: str, figure: str, value) -> None:
        for row in queryset.values(officer_key, "kind").annotate(n=value).order_by():
            key = (row[officer_key], row["kind"])
            rows.setdefault(key, {})[figure] = row["n"]

    add(
        targets.filter(unit=unit, day__range=(first_day, last_day)),
        "officer_id",
        "target",
        Sum("target"),
    )
    orders = orders.filter(unit=unit, assigned_to__isnull=False)
    add(
        orders.filter(planned_on__range=(first_day, last_day)),
        "assigned_to_id",
        "planned",
        Count("pk"),
    )
    add(
        orders.filter(state__in=FINISHED, done_at__gte=start, done_at__lt=end),
        "assigned_to_id",
        "visited",
        Count("pk"),
    )
    officers = User.objects.in_bulk({officer_id for officer_id, _kind in rows})
    result = [
        Realisation(officer=officers[officer_id], kind=kind, **figures)
        for (officer_id, kind), figures in rows.items()
    ]
    return sorted(result, key=lambda r: (r.officer.username, r.kind))


def visit_list(*, orders: QuerySet, officer: User, day: date) -> QuerySet[FieldOrder]:
    """The officer's orders planned for the day, in route (RBM) and reading order: the list the
    officer carries (seed 004 §V, "Membawa daftar pelanggan yang akan dikunjungi")."""
    return (
        orders.filter(assigned_to=officer, planned_on=day)
        .select_related("customer", "customer__route", "unit")
        .order_by("customer__route__code", "customer__route_sequence", "customer__customer_id")
    )
