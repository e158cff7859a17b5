"""Procurement officers' project workbench (/work/projects/, namespace
``projects``; ``marketplace.urls`` joins the evaluation and award routes)."""

from django.urls import path

from marketplace.procurement.views import projects as views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/edit/", views.edit, name="edit"),
    path("<str:ref>/intention/", views.publish_intention, name="intention"),
    path("<str:ref>/submit/", views.submit, name="submit"),
    path("<str:ref>/approve/", views.approve, name="approve"),
    path("<str:ref>/return/", views.return_project, name="return"),
    path("<str:ref>/cancel/", views.cancel, name="cancel"),
    path("<str:ref>/documents/", views.documents, name="documents"),
    path("<str:ref>/documents/<int:pk>/", views.document_file, name="document"),
    path("<str:ref>/documents/<int:pk>/remove/", views.remove_document, name="document_remove"),
    path("<str:ref>/addendum/", views.addendum, name="addendum"),
    path("<str:ref>/questions/<int:pk>/answer/", views.answer, name="answer"),
    path("<str:ref>/retender/", views.retender, name="retender"),
    path("<str:ref>/bids/<int:bid_pk>/", views.bid, name="bid"),
    path("<str:ref>/bids/<int:bid_pk>/documents/<int:doc_pk>/", views.bid_document, name="bid_document"),
]
