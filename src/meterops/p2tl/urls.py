from django.urls import path

from . import views

app_name = "p2tl"

urlpatterns = [
    path("suspects/", views.suspect_list, name="suspect_list"),
    path("suspects/export/", views.suspect_export, name="suspect_export"),
    path("suspects/inspect/", views.suspects_inspect, name="suspects_inspect"),
    path("settings/", views.p2tl_settings, name="settings"),
]
