"""Issue 12, finding 7: 403 against 404 told an attacker which organization
ids exist.

A member of one organization walks every /org/<id>/… route with the id of
another (real) organization and with an id that does not exist: the answers
must be the same, 404 (405 where only POST is allowed, for both alike).  A
new route under /org/<int:pk>/ is picked up by this test automatically."""

import re

import pytest
from django.db.models import Max

from marketplace import urls as marketplace_urls
from marketplace.models import Invitation, Membership, Organization, OrganizationDocument

# Every route of the organization workspace (its own, its bids' and its results'), as marketplace.urls joins them.
ORG_ROUTES = [
    pattern.pattern._route
    for pattern in marketplace_urls.organization_workspace[0]
    if "<int:pk>" in pattern.pattern._route
]


def _fill(route, pk, other):
    """The route with ``pk`` and the other organization's own sub-ids."""
    document = OrganizationDocument.objects.filter(organization=other).first()
    staff = other.staff.first() if hasattr(other, "staff") else None
    membership = Membership.objects.filter(organization=other).first()
    invitation = Invitation.objects.filter(organization=other).first()
    values = {
        "pk": pk,
        "step": 1,
        "staff_pk": getattr(staff, "pk", 1),
        "doc_pk": getattr(document, "pk", 1),
        "membership_pk": getattr(membership, "pk", 1),
        "invitation_pk": getattr(invitation, "pk", 1),
        "number": 1,
        "ref": "SFQ-2026-0001",
    }

    def replace(match):
        return str(values.get(match.group(2), 1))

    return "/org/" + re.sub(r"<(\w+):(\w+)>", replace, route)


def test_every_org_scoped_route_is_covered():
    assert len(ORG_ROUTES) >= 15, ORG_ROUTES


@pytest.mark.django_db
@pytest.mark.parametrize("route", ORG_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organizations_id_answers_like_a_missing_one(client, site, make_org, org_admin, route, method):
    make_org("approved", admin=org_admin)  # the attacker's own organization
    other = make_org("approved")
    missing = (Organization.objects.aggregate(top=Max("pk"))["top"] or 0) + 1000
    client.force_login(org_admin)
    answers = {}
    for label, pk in (("other", other.pk), ("missing", missing)):
        response = getattr(client, method)(_fill(route, pk, other))
        answers[label] = response.status_code
    assert answers["other"] == answers["missing"], answers
    assert answers["other"] in (404, 405), answers


@pytest.mark.django_db
def test_an_officer_reading_a_document_of_no_concern_gets_404_too(client, site, make_org, make_user):
    organization = make_org("draft")
    document = OrganizationDocument.objects.filter(organization=organization).first()
    stranger = make_user("organization_member", username="stranger")
    client.force_login(stranger)
    assert client.get(f"/org/{organization.pk}/documents/{document.pk}/").status_code == 404
