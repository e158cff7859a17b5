"""Read questions of the officers' review of social organizations
(/work/organizations/): the queue with its filters and counts, and an
organization's audit trail.  Every list selects its related rows up front, so
a page's query count does not grow with the rows it shows."""

from django.db.models import Count, Q

from marketplace.core.models.audit import AuditEvent
from marketplace.organizations.models import Membership, Organization, OrganizationDocument

# The review queue proper: what waits for a decision.
DEFAULT_STATE = Organization.State.SUBMITTED
ALL_STATES = "all"


def object_type(model):
    """How ``services.audit.record_event`` keys an object's events."""
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _search(queryset, q):
    q = " ".join((q or "").split())
    if not q:
        return queryset
    return queryset.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.replace(" ", "").upper()))


def filtered_organizations(*, track=None, kind=None, community=None, q=None):
    """Organizations matching every filter except the state (for the counts).
    Drafts never submitted are the members' own work, not for review."""
    organizations = Organization.objects.filter(submitted_at__isnull=False)
    if track:
        organizations = organizations.filter(track=track)
    if kind:
        organizations = organizations.filter(kind=kind)
    if community is not None:
        organizations = organizations.filter(community=community)
    return _search(organizations, q)


def review_queue(*, state=DEFAULT_STATE, track=None, kind=None, community=None, q=None):
    """The officers' list.  ``state`` is a state value, or ``None``/``"all"``
    for every state.  Submitted organizations come oldest submission first
    (first come, first reviewed); other lists most recently changed first."""
    organizations = filtered_organizations(track=track, kind=kind, community=community, q=q)
    if state and state != ALL_STATES:
        organizations = organizations.filter(state=state)
    organizations = organizations.select_related("community").annotate(
        staff_count=Count("staff", distinct=True),
        document_count=Count("documents", filter=Q(documents__replaced_by__isnull=True), distinct=True),
        member_count=Count("memberships", distinct=True),
    )
    if state == Organization.State.SUBMITTED:
        return organizations.order_by("submitted_at", "pk")
    return organizations.order_by("-updated_at", "pk")


def state_counts(*, track=None, kind=None, community=None, q=None):
    """``{state: count}`` for every state (zeros included) under the other
    filters, and ``"all"``: one query."""
    rows = (
        filtered_organizations(track=track, kind=kind, community=community, q=q)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Organization.State.values, 0)
    for row in rows:
        counts[row["state"]] = row["n"]
    counts[ALL_STATES] = sum(counts.values())
    return counts


def organization_for_review(pk):
    return (
        Organization.objects.select_related("community__district", "created_by", "decided_by")
        .prefetch_related("service_areas")
        .filter(pk=pk, submitted_at__isnull=False)
        .first()
    )


def organization_documents(organization):
    """All the organization's documents, current ones first by kind, with the
    staff member a qualification belongs to."""
    return (
        OrganizationDocument.objects.filter(organization=organization)
        .select_related("staff_member", "uploaded_by")
        .order_by("kind", "-uploaded_at", "-pk")
    )


def organization_history(organization):
    """Audit events of the organization and of its documents, oldest first."""
    document_ids = [
        str(pk) for pk in OrganizationDocument.objects.filter(organization=organization).values_list("pk", flat=True)
    ]
    return (
        AuditEvent.objects.filter(
            Q(object_type=object_type(Organization), object_id=str(organization.pk))
            | Q(object_type=object_type(OrganizationDocument), object_id__in=document_ids)
        )
        .select_related("actor")
        .order_by("id")
    )


def return_history(organization):
    """Every return for changes, oldest first (the reasons are the events' reasons)."""
    return (
        AuditEvent.objects.filter(
            object_type=object_type(Organization),
            object_id=str(organization.pk),
            action="organization.return_for_changes",
        )
        .select_related("actor")
        .order_by("id")
    )


def organization_memberships(organization):
    """Who acts for the organization, administrators first."""
    return Membership.objects.filter(organization=organization).select_related("user").order_by("-role", "pk")


# --- the officers' to-do page (marketplace/workspace) ------------------------------------------------


def awaiting_review():
    """Organizations submitted for review, the oldest submission first."""
    organizations = Organization.objects.filter(state=Organization.State.SUBMITTED).select_related("community")
    return organizations.order_by("submitted_at", "pk")


# What a member does to answer a return: save a wizard step, upload a document.
ANSWERING_ACTIONS = ("organization.edit", "organization.document_upload", "organization.upgrade")


def changed_since_return(organization):
    """Has a member saved anything since the organization was returned?
    Until then the officer's reasons are still to do (later events than the
    return's own, by id: the audit chain is ordered)."""
    if organization.state != Organization.State.RETURNED:
        return True
    returned = return_history(organization).values_list("id", flat=True).last()
    if returned is None:
        return True
    return AuditEvent.objects.filter(
        object_type=object_type(Organization),
        object_id=str(organization.pk),
        action__in=ANSWERING_ACTIONS,
        id__gt=returned,
    ).exists()
