"""Reads for the organization workspace and its members' pages: the rows a
page shows, looked up by id within their organization (None when there is
no such row there; the views answer 404)."""

from marketplace.organizations.models import Invitation, Membership, Organization, OrganizationDocument, StaffMember


def organization(pk):
    return Organization.objects.select_related("community").filter(pk=pk).first()


def memberships_of(organization):
    """An organization's members with their accounts, administrators first."""
    return organization.memberships.select_related("user").order_by("-role", "created_at", "pk")


def membership_in(organization, pk):
    return Membership.objects.filter(pk=pk, organization=organization).first()


def invitation_in(organization, pk):
    return Invitation.objects.filter(pk=pk, organization=organization).first()


def is_member_of(user, organization_id):
    return Membership.objects.filter(organization_id=organization_id, user=user).exists()


def memberships_of_user(user):
    """The organizations a person acts for, by name."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization__community")
        .order_by("organization__name", "organization__pk")
    )


def staff_member_in(organization, pk):
    return StaffMember.objects.filter(pk=pk, organization=organization).first()


def document_in(organization_id, pk):
    documents = OrganizationDocument.objects.select_related("organization")
    return documents.filter(pk=pk, organization_id=organization_id).first()


def current_documents_of(organization, person):
    """A staff member's current (not replaced) documents, newest first."""
    return OrganizationDocument.objects.filter(
        organization=organization, staff_member=person, replaced_by__isnull=True
    ).order_by("-uploaded_at")


def earlier_documents(organization):
    """Documents replaced by a newer upload, newest first."""
    return (
        OrganizationDocument.objects.filter(organization=organization, replaced_by__isnull=False)
        .select_related("staff_member")
        .order_by("-uploaded_at", "-pk")
    )
