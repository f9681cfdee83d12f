import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meterops.settings")
application = get_wsgi_application()
# Every view and the API's schemas are imported now, while the web worker boots, and not in the
# first request it answers (~0.3 s; gunicorn replaces a worker every max_requests).
get_resolver().url_patterns  # noqa: B018 - loading the URLconf is the point
