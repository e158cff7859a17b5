"""Routes of delivery and supervision, in three namespaces that
``config/urls.py`` includes:

- ``delivery_org`` under /org/<org_id>/milestones/: the organization's
  milestones, reports, evidence and answers to supervision records;
- ``supervision`` under /community/contracts/: the community workers'
  contracts, supervision records and residents' committee opinions;
- ``delivery`` under /work/delivery/: the officers' lights and milestone
  files (and the evidence files the milestone's evaluator reads)."""

from django.urls import path

from contracts.milestones.views import delivery, supervision

organization_urlpatterns = [
    path("", delivery.org_index, name="index"),
    path("<int:pk>/", delivery.org_milestone, name="milestone"),
    path("<int:pk>/report/", delivery.org_report, name="report"),
    path("evidence/<int:pk>/", delivery.org_evidence, name="evidence"),
    path("photos/<int:pk>/", delivery.org_photo, name="photo"),
    path("supervision/<int:pk>/respond/", supervision.respond, name="respond"),
]

community_urlpatterns = [
    path("", supervision.index, name="index"),
    path("<int:pk>/", supervision.contract_page, name="contract"),
    path("<int:pk>/supervision/new/", supervision.record_new, name="record_new"),
    path("<int:pk>/milestones/<int:milestone_pk>/opinion/", supervision.opinion, name="opinion"),
    path("photos/<int:pk>/", supervision.photo, name="photo"),
]

officer_urlpatterns = [
    path("", delivery.officer_index, name="index"),
    path("milestones/<int:pk>/", delivery.officer_milestone, name="milestone"),
    path("evidence/<int:pk>/", delivery.evidence_file, name="evidence"),
    path("photos/<int:pk>/", delivery.photo_file, name="photo"),
]
