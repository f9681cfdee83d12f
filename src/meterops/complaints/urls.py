from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("token-calls/", views.wizard, name="wizard"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/resolve/", views.ticket_resolve, name="ticket_resolve"),
    path("tickets/<int:pk>/close/", views.ticket_close, name="ticket_close"),
    path(
        "tickets/<int:pk>/replacement-target/",
        views.ticket_replacement_target,
        name="ticket_replacement_target",
    ),
    path("tickets/<int:pk>/replacement-token/", views.call_replacement, name="call_replacement"),
    path("settings/", views.complaint_settings, name="settings"),
]
