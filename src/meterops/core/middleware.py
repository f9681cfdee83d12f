import zoneinfo

from django.utils import timezone


class UnitTimezoneMiddleware:
    """Show times in the zone of the user's unit (WIB, WITA or WIT); they are stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.display_time_zone()))
        else:
            timezone.deactivate()
        return self.get_response(request)
