"""The officers' contract pages: /work/contracts/ (namespace ``contracts``)."""

from django.urls import path

from contracts.contracts.views import officer as views

app_name = "contracts"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/<str:ref>/", views.draft, name="draft"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/send/", views.send, name="send"),
    path("<str:number>/sign/", views.sign, name="sign"),
    path("<str:number>/changes/", views.request_changes, name="request_changes"),
    path("<str:number>/terminate/", views.terminate, name="terminate"),
    path("<str:number>/amendments/new/", views.amend, name="amend"),
    path("<str:number>/amendments/<int:amendment>/confirm/", views.amendment_confirm, name="amendment_confirm"),
    path("<str:number>/amendments/<int:amendment>/withdraw/", views.amendment_withdraw, name="amendment_withdraw"),
    path("<str:number>/documents/<int:doc_pk>/", views.document, name="document"),
]
