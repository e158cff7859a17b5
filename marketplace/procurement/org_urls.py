"""An organization's calls and sealed bids, inside its workspace (/org/<pk>/…,
namespace ``orgs``: ``marketplace.urls`` joins these to the organization routes)."""

from django.urls import path

from marketplace.procurement.views import bids as bid_views

urlpatterns = [
    path("<int:pk>/calls/", bid_views.calls, name="calls"),
    path("<int:pk>/bids/", bid_views.bids, name="bids"),
    path("<int:pk>/bids/<str:ref>/", bid_views.bid, name="bid"),
    path("<int:pk>/bids/<str:ref>/question/", bid_views.ask, name="ask"),
    path("<int:pk>/bids/<str:ref>/submit/", bid_views.submit, name="bid_submit"),
    path("<int:pk>/bids/<str:ref>/withdraw/", bid_views.withdraw, name="bid_withdraw"),
    path("<int:pk>/bids/<str:ref>/documents/<int:doc_pk>/", bid_views.document, name="bid_document"),
    path(
        "<int:pk>/bids/<str:ref>/documents/<int:doc_pk>/remove/",
        bid_views.remove_document,
        name="bid_document_remove",
    ),
    path("<int:pk>/bids/<str:ref>/receipts/<int:number>/", bid_views.receipt, name="receipt"),
    path("<int:pk>/bids/<str:ref>/receipts/<int:number>/receipt.pdf", bid_views.receipt_pdf, name="receipt_pdf"),
    path("<int:pk>/bids/<str:ref>/receipts/<int:number>/receipt.json", bid_views.receipt_json, name="receipt_json"),
]
