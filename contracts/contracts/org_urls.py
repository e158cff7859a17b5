"""An organization's contracts: /org/<pk>/contracts/ (namespace ``orgcontracts``)."""

from django.urls import path

from contracts.contracts.views import organization as views

app_name = "orgcontracts"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/sign/", views.sign, name="sign"),
    path("<str:number>/changes/", views.request_changes, name="request_changes"),
    path("<str:number>/amendments/<int:amendment>/confirm/", views.amendment_confirm, name="amendment_confirm"),
    path("<str:number>/documents/<int:doc_pk>/", views.document, name="document"),
]
