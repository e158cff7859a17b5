"""Procurement officers' project workbench (/work/projects/)."""

from django.urls import path

from marketplace.views import awards as award_views
from marketplace.views import projects as views

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("challenges/", award_views.challenges, name="challenges"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/edit/", views.edit, name="edit"),
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
    # evaluation, award and challenges (marketplace.views.awards)
    path("<str:ref>/evaluation/", award_views.evaluation, name="evaluation"),
    path("<str:ref>/committee/", award_views.form_committee, name="committee"),
    path("<str:ref>/committee/appoint/", award_views.appoint, name="appoint"),
    path("<str:ref>/committee/chair/", award_views.set_chair, name="chair"),
    path("<str:ref>/qualification/", award_views.qualification, name="qualification"),
    path("<str:ref>/report/<int:number>/report.pdf", award_views.report_pdf, name="report_pdf"),
    path("<str:ref>/award/", award_views.award, name="award"),
    path("<str:ref>/bids/<int:bid_pk>/decline/", award_views.decline, name="decline"),
    path("<str:ref>/bids/<int:bid_pk>/disqualify/", award_views.disqualify, name="disqualify"),
    path("<str:ref>/challenges/<int:pk>/", award_views.challenge, name="challenge"),
    path("<str:ref>/challenges/<int:pk>/answer/", award_views.answer_challenge, name="challenge_answer"),
    path("<str:ref>/challenges/<int:pk>/decide/", award_views.decide_challenge, name="challenge_decide"),
    path(
        "<str:ref>/challenges/<int:pk>/documents/<int:doc_pk>/",
        award_views.challenge_document,
        name="challenge_document",
    ),
]
