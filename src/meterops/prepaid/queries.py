"""Reads of prepaid services, each starting from what the requesting user may see."""

from collections import deque
from datetime import timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from meterops.core.scoping import scoped
from meterops.core.services import require_role
from meterops.customers.models import Meter

from .choices import RequestState
from .models import (
    TAMPER,
    LoadProfileRecord,
    NfcCardRecord,
    NfcTransaction,
    ServiceRequest,
    TokenSale,
)
from .services import (
    FIELD_ROLES,
    HISTORY_MONTHS,
    LOAD_PROFILE_ROLES,
    OFFICE_ROLES,
    consumption_flags,
)

# The voltage band (default 198–231 V for 220 V, SPLN +5 %/-10 %), the jam nyala below which
# a month is suspicious (default 40 h) and the age of a late application (default 14 days)
# are unit settings (core.UnitSettings, page Setting).


def _late_before(user):
    return timezone.now() - timedelta(days=user.unit_settings().overdue_application_days)


def requests_for(user) -> QuerySet[ServiceRequest]:
    return scoped(ServiceRequest, user).select_related("unit", "customer", "meter", "assigned_to")


def filter_requests(user, *, state: str = "", kind: str = "", q: str = "", late: bool = False):
    requests = requests_for(user)
    if state:
        requests = requests.filter(state=state)
    if kind:
        requests = requests.filter(kind=kind)
    if q:
        requests = requests.filter(
            Q(request_number__startswith=q)
            | Q(customer__customer_id__startswith=q)
            | Q(applicant_name__icontains=q)
        )
    if late:
        requests = requests.exclude(state=RequestState.COMPLETED).filter(
            created_at__lt=_late_before(user)
        )
    return requests.order_by("-created_at")


def state_counts(user) -> list[dict]:
    """How many applications the user's units hold in each state, late ones apart."""
    late_before = _late_before(user)
    counts = {
        row["state"]: row
        for row in requests_for(user)
        .values("state")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(created_at__lt=late_before)))
    }
    return [
        {
            "state": state,
            "label": label,
            "n": counts.get(state, {}).get("n", 0),
            "late": counts.get(state, {}).get("late", 0) if state != RequestState.COMPLETED else 0,
        }
        for state, label in RequestState.choices
    ]


def unit_state_counts(user) -> list[dict]:
    """Per ULP of the user's units: applications in each state and the late ones (one query)."""
    late_before = _late_before(user)
    cells, late, names = {}, {}, {}
    rows = (
        requests_for(user)
        .values("unit", "unit__name", "state")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(created_at__lt=late_before)))
    )
    for row in rows:
        names[row["unit"]] = row["unit__name"]
        cells[row["unit"], row["state"]] = row["n"]
        if row["state"] != RequestState.COMPLETED:
            late[row["unit"]] = late.get(row["unit"], 0) + row["late"]
    return [
        {
            "unit": names[unit],
            "counts": [cells.get((unit, state), 0) for state in RequestState.values],
            "late": late.get(unit, 0),
        }
        for unit in sorted(names, key=names.get)
    ]


def get_request_for(user, pk: int, *, roles=OFFICE_ROLES) -> ServiceRequest:
    """An application of the user's units: another unit's is 404, without the role 403."""
    request = get_object_or_404(requests_for(user), pk=pk)
    require_role(user, roles)
    return request


def find_request_for(user, request_number: str) -> ServiceRequest | None:
    return requests_for(user).filter(request_number=request_number.strip()).first()


def installations_for(user) -> QuerySet[ServiceRequest]:
    """Work orders to install: a field officer sees the ones given to him."""
    requests = requests_for(user).filter(state__in=[RequestState.ASSIGNED, RequestState.INSTALLED])
    if not user.has_role(*OFFICE_ROLES):
        requests = requests.filter(assigned_to=user)
    return requests.order_by("created_at")


def field_installations_for(user) -> QuerySet[ServiceRequest]:
    """The officer's PKs pemasangan still to do, for the field app's work list (issue #18)."""
    return requests_for(user).filter(assigned_to=user, state=RequestState.ASSIGNED)


def get_installation_for(user, pk: int) -> ServiceRequest:
    """An application whose realisation the user may send from the field app: one assigned to
    this officer, or (as on the web) any of an office role's units, in whatever state it is now
    so the service can say why it refuses. Another unit's, contractor's or officer's is 404."""
    requests = requests_for(user)
    if not user.has_role(*OFFICE_ROLES):
        requests = requests.filter(assigned_to=user)
    request = get_object_or_404(requests, pk=pk)
    require_role(user, (*OFFICE_ROLES, *FIELD_ROLES))
    return request


def token_queue_for(user) -> QuerySet[ServiceRequest]:
    """Monitoring permohonan token: activated applications and those with tokens."""
    return (
        requests_for(user)
        .filter(state__in=[RequestState.ACTIVATED, RequestState.TOKENS_ISSUED])
        .prefetch_related("tokens")
        .order_by("state", "activated_at")
    )


def meter_for(user, meter_number: str) -> Meter | None:
    require_role(user, LOAD_PROFILE_ROLES)
    return (
        scoped(Meter, user)
        .filter(meter_number=meter_number.strip(), removed_at__isnull=True)
        .select_related("customer", "customer__unit")
        .first()
    )


def load_profile_of(meter: Meter) -> dict:
    """The 12 latest months of a meter with consumption, and what looks wrong; each month
    names the purchase whose card last brought it (empty when a file did).

    The limits are those of the customer's unit (Setting): voltage band, jam nyala minimum.
    """
    limits = meter.customer.unit.settings_or_default()
    records = list(
        LoadProfileRecord.objects.filter(meter=meter).order_by("-period")[:HISTORY_MONTHS]
    )
    records.reverse()
    flags = consumption_flags(
        records, power_va=meter.customer.power_va, hours_on=limits.low_hours_on
    )
    rows = [
        {
            "record": r,
            **flags["months"][r.period],
            "tamper": r.tamper_status == TAMPER,
            "voltage_out": not limits.voltage_low <= r.voltage <= limits.voltage_high,
        }
        for r in records
    ]
    sources = {}  # the purchase that last brought each month, when a card brought it
    for period, channel, reference in (
        NfcCardRecord.objects.filter(
            transaction__meter=meter, period__in=[r.period for r in records]
        )
        .order_by("period", "transaction__at", "transaction_id")
        .values_list("period", "transaction__channel", "transaction__reference")
    ):
        sources[period] = f"{channel} {reference}"
    for row in rows:
        row["source"] = sources.get(row["record"].period, "")
    average, norm = flags["average"], flags["norm"]
    return {
        "rows": rows,
        "average": average,
        "tamper": any(row["tamper"] for row in rows),
        "voltage_out": any(row["voltage_out"] for row in rows),
        "low_use": any(row["low_use"] for row in rows),
        "below_norm": any(row["below_norm"] for row in rows),
        "norm": norm,
        "limits": limits,
        "transactions": NfcTransaction.objects.filter(meter=meter).order_by("-at")[:20],
    }


class _Month(NamedTuple):
    period: str
    register_kwh: Decimal
    voltage: int
    tamper_status: int


def flagged_meters_for(user) -> list[Meter]:
    """Installed meters of the user's units whose latest 12 card months show tamper, a voltage
    out of the user's band, or consumption far below history or norm (``consumption_flags``).

    One streamed query over the load profiles in (meter, month) order, one for the meters
    flagged; each meter carries ``tampered``, ``voltage_out``, ``low_use`` and ``below_norm``
    (months counted). The band and the jam nyala norm are the viewer's unit settings.
    """
    require_role(user, LOAD_PROFILE_ROLES)
    limits = user.unit_settings()
    low, high = limits.voltage_low, limits.voltage_high
    rows = (
        LoadProfileRecord.objects.filter(
            meter__in=scoped(Meter, user).filter(removed_at__isnull=True)
        )
        .order_by("meter_id", "period")
        .values_list(
            "meter_id",
            "period",
            "register_kwh",
            "voltage",
            "tamper_status",
            "meter__customer__power_va",
        )
    )
    found: dict[int, dict] = {}
    for meter_id, group in groupby(rows.iterator(chunk_size=5000), key=itemgetter(0)):
        latest = deque(group, maxlen=HISTORY_MONTHS)
        months = [_Month(*row[1:5]) for row in latest]
        power_va = latest[-1][5] or 0
        flags = consumption_flags(months, power_va=power_va, hours_on=limits.low_hours_on)
        counts = {
            "tampered": sum(m.tamper_status == TAMPER for m in months),
            "voltage_out": sum(not low <= m.voltage <= high for m in months),
            "low_use": sum(f["low_use"] for f in flags["months"].values()),
            "below_norm": sum(f["below_norm"] for f in flags["months"].values()),
        }
        if any(counts.values()):
            found[meter_id] = counts
    meters = list(
        Meter.objects.filter(pk__in=list(found))
        .select_related("customer")
        .order_by("customer__customer_id")
    )
    for meter in meters:
        for name, value in found[meter.pk].items():
            setattr(meter, name, value)
    return meters


def nfc_transactions_for(user, *, meter_number: str = "", day=None):
    require_role(user, LOAD_PROFILE_ROLES)
    rows = scoped(NfcTransaction, user).select_related("meter", "meter__customer")
    if meter_number:
        rows = rows.filter(meter__meter_number=meter_number)
    if day:
        rows = rows.filter(at__date=day)
    return rows.order_by("-at")


def token_sales_for(user) -> QuerySet[TokenSale]:
    require_role(user, OFFICE_ROLES)
    return scoped(TokenSale, user).select_related("meter", "meter__customer").order_by("-sold_at")


def counter_sales_for(user) -> QuerySet[NfcTransaction]:
    """Loket NFC: the purchases of the user's units that our counter sold a token for."""
    require_role(user, OFFICE_ROLES)
    return (
        scoped(NfcTransaction, user)
        .filter(sale__isnull=False)
        .select_related("meter", "meter__customer", "sale")
        .order_by("-at")
    )


def get_counter_sale_for(user, pk: int) -> NfcTransaction:
    """One sale of the NFC counter with its card's records: another unit's is 404."""
    purchase = get_object_or_404(
        scoped(NfcTransaction, user)
        .filter(sale__isnull=False)
        .select_related("meter", "meter__customer", "sale", "sale__meter"),
        pk=pk,
    )
    require_role(user, OFFICE_ROLES)
    purchase.records = list(purchase.card_records.order_by("position"))
    return purchase
