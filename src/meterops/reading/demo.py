"""Demo reading days: five per ULP that has routes, each route put on one of them."""

from django.db import transaction

from meterops.customers.models import Route

from .models import ReadingDay, RouteSchedule

DEMO_DAYS = (("A", 5), ("B", 10), ("C", 15), ("D", 20), ("E", 25))


@transaction.atomic
def schedule_demo_routes() -> tuple[int, int]:
    """Create the missing demo reading days and schedule every unscheduled route, set-based."""
    unit_ids = set(Route.objects.values_list("unit_id", flat=True))
    existing = set(ReadingDay.objects.values_list("unit_id", "code"))
    new_days = [
        ReadingDay(unit_id=unit_id, code=code, day_of_month=day, name=f"Hari baca {code}")
        for unit_id in sorted(unit_ids)
        for code, day in DEMO_DAYS
        if (unit_id, code) not in existing
    ]
    ReadingDay.objects.bulk_create(new_days)
    days = {(d.unit_id, d.code): d.pk for d in ReadingDay.objects.filter(unit_id__in=unit_ids)}
    unscheduled = Route.objects.filter(schedule__isnull=True).order_by("unit_id", "code")
    schedules = [
        RouteSchedule(route_id=pk, reading_day_id=days[(unit_id, DEMO_DAYS[n % len(DEMO_DAYS)][0])])
        for n, (pk, unit_id) in enumerate(unscheduled.values_list("pk", "unit_id"))
    ]
    RouteSchedule.objects.bulk_create(schedules, batch_size=2000)
    return len(new_days), len(schedules)
