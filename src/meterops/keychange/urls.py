from django.urls import path

from . import views

app_name = "keychange"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/dashboard/", views.campaign_dashboard, name="dashboard"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/progress/", views.campaign_progress, name="campaign_progress"),
    path("campaigns/<int:pk>/assign/", views.campaign_assign, name="campaign_assign"),
    path("campaigns/<int:pk>/export/", views.campaign_export, name="campaign_export"),
    path(
        "campaigns/<int:pk>/work-orders/", views.campaign_work_orders, name="campaign_work_orders"
    ),
    path(
        "campaigns/<int:pk>/targets/<int:target_pk>/regenerate/",
        views.target_regenerate,
        name="target_regenerate",
    ),
    path("targets/<int:pk>/correction/", views.target_correction, name="target_correction"),
    path("kcts/", views.kct_list, name="kct_list"),
    path("confirmations/", views.confirmation_list, name="confirmation_list"),
    path("confirmations/<int:pk>/", views.confirmation_detail, name="confirmation_detail"),
    path("displays/", views.display_list, name="display_list"),
    path("displays/new/", views.display_edit, name="display_create"),
    path("displays/<int:pk>/", views.display_edit, name="display_edit"),
]
