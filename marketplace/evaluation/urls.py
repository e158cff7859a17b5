"""The evaluators' workspace (/evaluate/): declarations, scoring, the report."""

from django.urls import path

from marketplace.evaluation.views import scoring as views
from marketplace.evaluation.views import workspace

app_name = "evaluate"

urlpatterns = [
    path("", workspace.index, name="index"),
    path("<str:ref>/", workspace.project, name="project"),
    path("<str:ref>/declare/", workspace.declare, name="declare"),
    path("<str:ref>/bids/<int:bid_pk>/", views.bid, name="bid"),
    path("<str:ref>/bids/<int:bid_pk>/documents/<int:doc_pk>/", views.bid_document, name="bid_document"),
    path("<str:ref>/sheets/<int:sheet_pk>/reopen/", views.reopen, name="reopen"),
    path("<str:ref>/sheets/<int:sheet_pk>/confirm-deviation/", views.confirm_deviation, name="confirm_deviation"),
    path("<str:ref>/report/generate/", views.generate_report, name="generate_report"),
    path("<str:ref>/report/confirm/", views.confirm_report, name="confirm_report"),
    path("<str:ref>/report/<int:number>/report.pdf", views.report_pdf, name="report_pdf"),
]
