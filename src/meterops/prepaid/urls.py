from django.urls import path

from . import views

app_name = "prepaid"

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/export/", views.request_export, name="request_export"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/payment-slip/", views.request_slip, name="request_slip"),
    path("requests/<int:pk>/work-order/", views.request_work_order, name="request_work_order"),
    path("requests/<int:pk>/tokens/", views.request_issue_tokens, name="request_issue_tokens"),
    path("requests/<int:pk>/assign/", views.request_assign, name="request_assign"),
    path("requests/<int:pk>/installation/", views.request_install, name="request_install"),
    path("requests/<int:pk>/complete/", views.request_complete, name="request_complete"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("payments/", views.payment_entry, name="payment_entry"),
    path("payments/channel/", views.channel_payment, name="channel_payment"),
    path("activations/", views.activation, name="activation"),
    path("tokens/", views.token_monitor, name="token_monitor"),
    path("token-sales/", views.token_sale, name="token_sale"),
    path("token-sales/channel/", views.channel_token_sale, name="channel_token_sale"),
    path("installations/", views.installation_list, name="installation_list"),
    path("load-profiles/", views.load_profile, name="load_profile"),
    path("load-profiles/upload/", views.load_profile_upload, name="load_profile_upload"),
    path("nfc-transactions/", views.nfc_transactions, name="nfc_transactions"),
    path("nfc-counter/", views.nfc_counter, name="nfc_counter"),
    path("nfc-counter/<int:pk>/", views.nfc_counter_receipt, name="nfc_counter_receipt"),
]
