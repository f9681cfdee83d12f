from meterops.reading.models import Approval, BillingPosting, ReadingSettings, RecapTally
from meterops.reading.services import count_recap
from tests.factories import UserFactory

from .helpers import make_customer, make_day, make_reading, make_route


def _reading(unit):
    return make_reading(make_customer(make_route(make_day(unit, code="S"))))


def _approval(unit):
    return Approval.objects.create(
        reading_day=make_day(unit, code="S"), period="202602", approved_by=UserFactory(unit=unit)
    )


def _recap_tally(unit):
    day = make_day(unit, code="S")
    count_recap("202602")
    return RecapTally.objects.get(reading_day=day, period="202602")


ROW_IN_UNIT = {
    "reading.ReadingSettings": lambda unit: ReadingSettings.objects.create(unit=unit),
    "reading.ReadingDay": lambda unit: make_day(unit, code="S"),
    "reading.RouteSchedule": lambda unit: make_route(make_day(unit, code="S")).schedule,
    "reading.Reading": _reading,
    "reading.Approval": _approval,
    "reading.BillingPosting": lambda unit: BillingPosting.objects.create(
        approval=_approval(unit), unit=unit, number="P-1"
    ),
    "reading.RecapTally": _recap_tally,
}
