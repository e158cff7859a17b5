"""Officers' review of social organizations (/work/organizations/)."""

from django.urls import path

from marketplace.organizations.views import review as views

app_name = "orgreview"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_file, name="document"),
    path("<int:pk>/return/", views.return_for_changes, name="return"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/suspend/", views.suspend, name="suspend"),
    path("<int:pk>/reinstate/", views.reinstate, name="reinstate"),
    path("<int:pk>/confirm-registration/", views.confirm_registration, name="confirm_registration"),
    path("<int:pk>/blacklist/", views.blacklist, name="blacklist"),
]
