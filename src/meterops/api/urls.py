"""The device API (django-ninja) under /api/; its URL namespace is "api" (api:openapi-json)."""

from django.urls import path

from .api import api

urlpatterns = [path("", api.urls)]
