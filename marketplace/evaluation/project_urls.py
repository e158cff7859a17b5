"""Evaluation, award and challenges in the officers' project workbench
(/work/projects/…, namespace ``projects``: ``marketplace.urls`` joins these
to the procurement routes)."""

from django.urls import path

from marketplace.evaluation.views import awards as award_views
from marketplace.evaluation.views import challenges as challenge_views

# Before the project routes: "challenges/" would otherwise read as a project ref.
leading_urlpatterns = [
    path("challenges/", challenge_views.challenges, name="challenges"),
]

urlpatterns = [
    path("<str:ref>/evaluation/", award_views.evaluation, name="evaluation"),
    path("<str:ref>/committee/", award_views.form_committee, name="committee"),
    path("<str:ref>/committee/appoint/", award_views.appoint, name="appoint"),
    path("<str:ref>/committee/chair/", award_views.set_chair, name="chair"),
    path("<str:ref>/qualification/", award_views.qualification, name="qualification"),
    path("<str:ref>/report/<int:number>/report.pdf", award_views.report_pdf, name="report_pdf"),
    path("<str:ref>/award/", award_views.award, name="award"),
    path("<str:ref>/bids/<int:bid_pk>/decline/", award_views.decline, name="decline"),
    path("<str:ref>/bids/<int:bid_pk>/disqualify/", award_views.disqualify, name="disqualify"),
    path("<str:ref>/challenges/<int:pk>/", challenge_views.challenge, name="challenge"),
    path("<str:ref>/challenges/<int:pk>/answer/", challenge_views.answer_challenge, name="challenge_answer"),
    path("<str:ref>/challenges/<int:pk>/decide/", challenge_views.decide_challenge, name="challenge_decide"),
    path(
        "<str:ref>/challenges/<int:pk>/documents/<int:doc_pk>/",
        challenge_views.challenge_document,
        name="challenge_document",
    ),
]
