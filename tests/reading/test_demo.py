from django.core.management import call_command

from meterops.reading.models import ReadingDay, RouteSchedule
from tests.factories import RouteFactory


class SeedReadingDemoTests:
    def test_schedules_every_route_once_and_is_repeatable(self, cast):
        routes = [RouteFactory(unit=cast.sp_a) for _ in range(7)]
        call_command("seed_reading_demo", verbosity=0)
        call_command("seed_reading_demo", verbosity=0)
        assert ReadingDay.objects.filter(unit=cast.sp_a).count() == 5
        assert RouteSchedule.objects.filter(route__in=routes).count() == 7
