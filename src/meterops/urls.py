from django.contrib import admin
from django.urls import include, path

from meterops.core import health, metrics

# No route serves MEDIA_ROOT, not even in DEBUG: photos and scans go out only through the views
# that find their row in the user's scope first (core.media.serve_file, issue #17).
urlpatterns = [
    # Liveness and readiness for probes, and Prometheus (METRICS_ALLOWED_ADDRESSES only).
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("metrics", metrics.export, name="metrics"),
    path("", include("meterops.core.urls")),
    path("customers/", include("meterops.customers.urls")),
    path("replacement/", include("meterops.replacement.urls")),
    path("reading/", include("meterops.reading.urls")),
    path("prepaid/", include("meterops.prepaid.urls")),
    path("keychange/", include("meterops.keychange.urls")),
    path("complaints/", include("meterops.complaints.urls")),
    path("imports/", include("meterops.imports.urls")),
    path("fieldwork/", include("meterops.fieldwork.urls")),
    path("p2tl/", include("meterops.p2tl.urls")),
    path("api/", include("meterops.api.urls")),
    path("m/", include("meterops.mobile.urls")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
]
