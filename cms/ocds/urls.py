"""/ocds/: the open-data endpoints (issue 17, 4), before Wagtail's page tree."""

from django.urls import path

from cms.ocds import views

app_name = "ocds"

urlpatterns = [
    path("", views.index, name="index"),
    path("releases/<str:ocid>.json", views.release_package, name="releases"),
    path("records/<str:ocid>.json", views.record_package, name="records"),
    path("changes.json", views.changes, name="changes"),
    path("bulk/releases.jsonl", views.bulk, name="bulk"),
]
