"""The field app's shell, manifest and service worker (HOME mode mobile, seed 000).

The app itself is static (vanilla JS in static/mobile/); it talks to /api/ with a device token
and keeps working offline. The service worker is served from /m/ so its scope is the app.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from meterops.replacement.models import NOTES_MAX_LENGTH
from meterops.replacement.services import DISTRIBUTOR_ROLES

APP_VERSION = "2026-12-07.2"
ASSETS = (
    "mobile/app.css",
    "mobile/app.js",
    "mobile/queue.js",
    "mobile/worklist.js",
    "mobile/icons/icon-192.png",
    "mobile/icons/icon-512.png",
    "mobile/guide/01-login.png",
    "mobile/guide/02-home.png",
    "mobile/guide/03-worklist.png",
    "mobile/guide/04-rusak.png",
    "mobile/guide/05-ganti.png",
    "mobile/guide/06-antrian.png",
)


def app(request):
    return render(
        request,
        "mobile/app.html",
        {
            "version": APP_VERSION,
            "distributor_roles": [str(r) for r in DISTRIBUTOR_ROLES],
            "notes_max_length": NOTES_MAX_LENGTH,
        },
    )


def manifest(request):
    data = {
        "name": "HOME Mobile — meterops",
        "short_name": "HOME Mobile",
        "description": "Aplikasi lapangan ganti meter rusak (HOME mode mobile)",
        "lang": "id",
        "start_url": "/m/",
        "scope": "/m/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5ea8",
        "icons": [
            {"src": static("mobile/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("mobile/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("mobile/icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data)
    response["Content-Type"] = "application/manifest+json"
    return response


@never_cache
def service_worker(request):
    urls = ["/m/", "/m/manifest.webmanifest", *(static(name) for name in ASSETS)]
    response = HttpResponse(
        render(request, "mobile/sw.js", {"version": APP_VERSION, "urls": urls}).content,
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/m/"
    return response
