"""The workbench (/work/): community workers' needs and resident reports,
procurement officers' assessment of needs."""

from django.urls import path

from marketplace.needs import views

app_name = "work"

urlpatterns = [
    # community workers
    path("needs/", views.worker_needs, name="needs"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/triage/", views.report_triage, name="report_triage"),
    path("reports/<int:pk>/decline/", views.report_decline, name="report_decline"),
    # procurement officers
    path("assessment/", views.assessment_queue, name="assessment"),
    path("assessment/<int:pk>/assess/", views.assess, name="assess"),
    path("assessment/<int:pk>/decide/", views.decide, name="decide"),
]
