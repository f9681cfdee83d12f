from django.urls import path

from . import views

app_name = "replacement"

urlpatterns = [
    path("billing/", views.billing_list, name="billing_list"),
    path("billing/<int:pk>/", views.billing_detail, name="billing_detail"),
    path("billing/<int:pk>/resolve/", views.billing_resolve, name="billing_resolve"),
    path("targets/", views.target_list, name="target_list"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("targets/<int:pk>/verify/", views.target_verify, name="target_verify"),
    path(
        "targets/<int:pk>/reverification/",
        views.target_send_to_reverification,
        name="target_send_to_reverification",
    ),
    path("targets/<int:pk>/reverify/", views.target_reverify, name="target_reverify"),
    path("targets/<int:pk>/drop/", views.target_drop, name="target_drop"),
    path("targets/<int:pk>/ba/", views.target_upload_ba, name="target_upload_ba"),
    path("targets/verify/", views.targets_verify, name="targets_verify"),
    path("verification/", views.verification_list, name="verification_list"),
    path("reverification/", views.reverification_list, name="reverification_list"),
    path("photos/<int:pk>/<str:size>/", views.photo_file, name="photo_file"),
    path("documents/<int:pk>/", views.document_file, name="document_file"),
    path("work-orders/print/", views.workorder_print_list, name="workorder_print_list"),
    path("work-orders/print/batches/", views.workorders_print, name="workorders_print"),
    path(
        "work-orders/print/batches/<int:pk>/pdf/",
        views.print_batch_pdf,
        name="print_batch_pdf",
    ),
    path("work-orders/", views.workorder_list, name="workorder_list"),
    path("work-orders/<int:pk>/reprint/", views.workorder_reprint, name="workorder_reprint"),
    path(
        "work-orders/distribution/",
        views.workorder_distribution,
        name="workorder_distribution",
    ),
    path("replacements/", views.replacement_list, name="replacement_list"),
    path("replacements/new/", views.replacement_create, name="replacement_create"),
    path("damage-types/", views.damage_type_list, name="damage_type_list"),
    path(
        "damage-types/<int:pk>/active/", views.damage_type_set_active, name="damage_type_set_active"
    ),
]
