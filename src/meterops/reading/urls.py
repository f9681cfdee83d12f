from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "reading"

urlpatterns = [
    path("reading-days/", views.reading_day_list, name="reading_day_list"),
    path("routes/<int:pk>/", views.route_detail, name="route_detail"),
    path("uploads/", views.upload, name="upload"),
    path("verifications/", views.verification, name="verification"),
    path("verifications/actions/", views.verification_action, name="verification_action"),
    path("approvals/", views.approval, name="approval"),
    path("approvals/approve/", views.approval_approve, name="approval_approve"),
    path("approvals/cancel/", views.approval_cancel, name="approval_cancel"),
    path("postings/<int:pk>/file/", views.posting_download, name="posting_download"),
    path("postings/<int:pk>/taken/", views.posting_taken, name="posting_taken"),
    path("recaps/", views.recap, name="recap"),
    path("recaps/reading-days/<int:pk>/", views.recap_detail, name="recap_detail"),
    path("customers/<int:pk>/readings/", views.customer_readings, name="customer_readings"),
    path("settings/", views.reading_settings, name="settings"),
    # Audit Baca Meter and Scorecard Vendor moved to fieldwork; bookmarks still land there.
    path("audits/", RedirectView.as_view(pattern_name="fieldwork:audit_list", query_string=True)),
    path("audits/<int:pk>/", RedirectView.as_view(pattern_name="fieldwork:audit_detail")),
    path("scorecard/", RedirectView.as_view(pattern_name="fieldwork:scorecard", query_string=True)),
]
