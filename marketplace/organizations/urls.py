"""The organization workspace (/org/): members build and keep their
organization's record; invitations are accepted here.  The workspace's bids
and results are routed by their domains (``marketplace.urls`` joins them)."""

from django.urls import path

from marketplace.organizations.views import members as member_views
from marketplace.organizations.views import organizations as views

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
]
