"""An organization's results, award notices and challenges, inside its
workspace (/org/<pk>/bids/<ref>/…, namespace ``orgs``: ``marketplace.urls``
joins these to the organization routes)."""

from django.urls import path

from marketplace.evaluation.views import results as result_views

urlpatterns = [
    path("<int:pk>/bids/<str:ref>/result/", result_views.result, name="bid_result"),
    path("<int:pk>/bids/<str:ref>/result/letter.pdf", result_views.letter_pdf, name="result_letter_pdf"),
    path("<int:pk>/bids/<str:ref>/challenge/", result_views.challenge, name="challenge"),
    path(
        "<int:pk>/bids/<str:ref>/challenge/documents/<int:doc_pk>/",
        result_views.challenge_document,
        name="challenge_document",
    ),
]
