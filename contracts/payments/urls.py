"""Payments: /work/payments/ (namespace ``payments``) and an organization's
/org/<pk>/payments/ (namespace ``orgpayments``)."""

from django.urls import path

from contracts.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("funds/", views.funds_dashboard, name="funds"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reapprove/", views.reapprove, name="reapprove"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/paid/", views.record_paid, name="record_paid"),
    path("<int:pk>/returned/", views.record_returned, name="record_returned"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/voucher.pdf", views.voucher, name="voucher"),
]

organization_urlpatterns = [
    path("", views.org_index, name="index"),
    path("account/", views.org_account, name="account"),
    path("stripe/", views.org_stripe, name="stripe"),
    path("stripe/refresh/", views.org_stripe_refresh, name="stripe_refresh"),
    path("stripe/return/", views.org_stripe_return, name="stripe_return"),
]
