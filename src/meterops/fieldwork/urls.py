from django.urls import path

from . import views

app_name = "fieldwork"
urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/assign/", views.orders_assign, name="orders_assign"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/fail/", views.order_fail, name="order_fail"),
    path("orders/<int:pk>/verify/", views.order_verify, name="order_verify"),
    path("orders/<int:pk>/target/", views.order_to_target, name="order_to_target"),
    path("orders/<int:pk>/<str:field>/", views.order_photo, name="order_photo"),
    path("plans/", views.officer_plan, name="officer_plan"),
    path("plans/visit-list/", views.visit_list_print, name="visit_list_print"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/orders/", views.audit_issue_orders, name="audit_issue_orders"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("prepaid-sampling/", views.prepaid_sampling, name="prepaid_sampling"),
    path("route-update/", views.route_update, name="route_update"),
    path("route-update/action/", views.route_update_action, name="route_update_action"),
    path("route-map/", views.route_map, name="route_map"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("arrears/", views.arrears_list, name="arrears_list"),
    path("arrears/action/", views.arrears_action, name="arrears_action"),
    path("arrears/export/", views.arrears_export, name="arrears_export"),
    path("arrears/signers/", views.signer_list, name="signer_list"),
    path("arrears/signers/<int:pk>/retire/", views.signer_retire, name="signer_retire"),
    path("arrears/tul-ii-04/", views.closed_house_notices, name="closed_house_notices"),
]
