"""The organization workspace (/org/): members build and keep their
organization's record; invitations are accepted here."""

from django.urls import path

from marketplace.views import bids as bid_views
from marketplace.views import org_members as member_views
from marketplace.views import organizations as views
from marketplace.views import results as result_views

app_name = "orgs"

urlpatterns = [
    path("", views.my_organizations, name="mine"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.workspace, name="workspace"),
    path("<int:pk>/step/<int:step>/", views.step, name="step"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/upgrade/", views.upgrade, name="upgrade"),
    path("<int:pk>/staff/<int:staff_pk>/", views.staff_qualification, name="staff"),
    path("<int:pk>/documents/", views.documents, name="documents"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_file, name="document"),
    path("<int:pk>/members/", member_views.members, name="members"),
    path("<int:pk>/members/invite/", member_views.invite, name="invite"),
    path("<int:pk>/members/invitations/<int:invitation_pk>/revoke/", member_views.revoke_invitation, name="revoke"),
    path("<int:pk>/members/<int:membership_pk>/", member_views.member, name="member"),
    path("invitations/<str:token>/", member_views.accept_invitation, name="accept"),
    # calls and sealed bids
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
    # results, award notices and challenges (marketplace.views.results)
    path("<int:pk>/bids/<str:ref>/result/", result_views.result, name="bid_result"),
    path("<int:pk>/bids/<str:ref>/result/letter.pdf", result_views.letter_pdf, name="result_letter_pdf"),
    path("<int:pk>/bids/<str:ref>/challenge/", result_views.challenge, name="challenge"),
    path(
        "<int:pk>/bids/<str:ref>/challenge/documents/<int:doc_pk>/",
        result_views.challenge_document,
        name="challenge_document",
    ),
    path("<int:pk>/bids/<str:ref>/receipts/<int:number>/", bid_views.receipt, name="receipt"),
    path("<int:pk>/bids/<str:ref>/receipts/<int:number>/receipt.pdf", bid_views.receipt_pdf, name="receipt_pdf"),
    path("<int:pk>/bids/<str:ref>/receipts/<int:number>/receipt.json", bid_views.receipt_json, name="receipt_json"),
]
