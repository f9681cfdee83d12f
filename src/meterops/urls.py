from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("meterops.core.urls")),
    path("customers/", include("meterops.customers.urls")),
    path("replacement/", include("meterops.replacement.urls")),
    path("reading/", include("meterops.reading.urls")),
    path("prepaid/", include("meterops.prepaid.urls")),
    path("keychange/", include("meterops.keychange.urls")),
    path("complaints/", include("meterops.complaints.urls")),
    path("imports/", include("meterops.imports.urls")),
    path("fieldwork/", include("meterops.fieldwork.urls")),
    path("api/", include("meterops.api.urls")),
    path("m/", include("meterops.mobile.urls")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
