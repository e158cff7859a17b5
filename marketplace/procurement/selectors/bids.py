"""Which bids may this user see?  The one door to bids (DESIGN §5, sealed bids).

Every read of ``Bid``, ``BidVersion`` or ``BidDocument`` outside the bid
services goes through this module: views, PDFs, exports, e-mails, tasks and
later apps.  Before a project's bids are opened, a bid is readable only by
members of the organization that made it: not by officers, evaluators,
editors or platform administrators, and nobody else can learn how many bids
there are.  After the opening, procurement officers may read them, and
so may the committee's members who declared no conflict of interest (the
qualified bids only).

The models are registered with neither the Django nor the Wagtail admin, and
the audit log hides bid events of sealed projects (``sealed_audit_q``).
"""

from django.db.models import CharField, Count, Exists, F, OuterRef, Q
from django.db.models.functions import Cast

from marketplace.evaluation.models import CommitteeMember
from marketplace.organizations.models import Membership
from marketplace.procurement.models.bids import Bid, BidDocument, BidVersion, OpeningRecord

READ_OPENED_PERMISSION = "marketplace.manage_procurement"


def _member_org_ids(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return Membership.objects.none().values("organization_id")
    return Membership.objects.filter(user=user).values("organization_id")


def _may_read_opened(user):
    return user is not None and user.is_authenticated and user.is_active and user.has_perm(READ_OPENED_PERMISSION)


# What officers may read after the opening: bids that were opened, never a
# draft, a withdrawn bid, an unsubmitted edit or a superseded version.
OPENED_STATES = (
    Bid.State.OPENED,
    Bid.State.QUALIFIED,
    Bid.State.DISQUALIFIED,
    Bid.State.AWARDED,
    Bid.State.NOT_AWARDED,
)


# What a committee member who declared no conflict may read: the bids that
# passed the qualification review (and their outcome).
SCORED_STATES = (Bid.State.QUALIFIED, Bid.State.AWARDED, Bid.State.NOT_AWARDED)


def _declared_project_ids(user):
    """Projects on whose committee ``user`` serves and has declared no
    conflict (a member who has not declared, or withdrew, reads nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return CommitteeMember.objects.none().values("committee__project_id")
    return CommitteeMember.objects.filter(
        evaluator__user=user, status=CommitteeMember.Status.ACTIVE, declared_at__isnull=False
    ).values("committee__project_id")


def _visible_q(user, prefix=""):
    own = Q(**{f"{prefix}organization_id__in": _member_org_ids(user)})
    committee = Q(
        **{
            f"{prefix}project_id__in": _declared_project_ids(user),
            f"{prefix}project__opened_at__isnull": False,
            f"{prefix}state__in": SCORED_STATES,
        }
    )
    if _may_read_opened(user):
        return (
            own | committee | Q(**{f"{prefix}project__opened_at__isnull": False, f"{prefix}state__in": OPENED_STATES})
        )
    return own | committee


def _own_q(user, prefix=""):
    return Q(**{f"{prefix}organization_id__in": _member_org_ids(user)})


def bids_for(user):
    """The bids ``user`` may read."""
    return Bid.objects.filter(_visible_q(user)).select_related("project", "organization", "current_version")


def bid_for(user, pk):
    """One bid ``user`` may read, or None (a refused reader learns nothing
    about whether it exists)."""
    return bids_for(user).filter(pk=pk).first()


def own_bid(user, project, organization):
    """The organization's bid on the project, if ``user`` is one of its members."""
    return (
        Bid.objects.filter(project=project, organization=organization, organization_id__in=_member_org_ids(user))
        .select_related("current_version", "project", "organization")
        .first()
    )


def organization_bids(user, organization):
    """An organization's bids, for its members' workspace (nobody else)."""
    return (
        Bid.objects.filter(organization=organization, organization_id__in=_member_org_ids(user))
        .select_related("project", "project__method", "current_version")
        .order_by("-updated_at")
    )


# The states an organization's bid list filters by (``procurement.filters``).
BID_STATE_CHOICES = Bid.State.choices


def organization_bid_list(user, organization, *, state="", q=""):
    """An organization's bids, filtered by state and by the project's title
    or reference (its members' list)."""
    bids = organization_bids(user, organization)
    if state:
        bids = bids.filter(state=state)
    if q:
        bids = bids.filter(Q(project__title__icontains=q) | Q(project__ref__icontains=q))
    return bids


def versions_for(user, bid=None):
    """Versions: all of them for the bidder; for other readers after the
    opening, only the version that counted."""
    counted = _visible_q(user, "bid__") & Q(bid__current_version=F("pk"))
    queryset = BidVersion.objects.filter(_own_q(user, "bid__") | counted).select_related("bid", "bid__project")
    return queryset if bid is None else queryset.filter(bid=bid)


def version_for(user, pk):
    return versions_for(user).filter(pk=pk).first()


def documents_for(user, bid=None):
    """Documents: all of them for the bidder; for other readers after the
    opening, those of the version that counted."""
    counted = _visible_q(user, "bid__") & Q(versions__pk=F("bid__current_version"))
    queryset = (
        BidDocument.objects.filter(_own_q(user, "bid__") | counted).distinct().select_related("bid", "bid__project")
    )
    return queryset if bid is None else queryset.filter(bid=bid)


def document_for(user, pk):
    return documents_for(user).filter(pk=pk).first()


def opening_record(project):
    """The public opening record, once there is one."""
    if project.opened_at is None:
        return None
    return OpeningRecord.objects.filter(project=project).first()


def scored_bids(user, project):
    """The qualified bids a committee member may read and score (none for a
    member who has not declared or withdrew)."""
    return (
        bids_for(user)
        .filter(project=project, state__in=SCORED_STATES, current_version__isnull=False)
        .exclude(organization_id__in=_member_org_ids(user))
        .order_by("current_version__submitted_at", "pk")
    )


def opened_bids(user, project):
    """After the opening, the opened bids with their last submitted version,
    for those who may read them; before it, none."""
    if project.opened_at is None or not _may_read_opened(user):
        return Bid.objects.none()
    return (
        bids_for(user)
        .filter(project=project, current_version__isnull=False)
        .exclude(state__in=(Bid.State.DRAFT, Bid.State.WITHDRAWN))
        .order_by("current_version__submitted_at")
    )


def sealed_audit_q():
    """Audit events that must stay hidden while bids are sealed: those of
    bids, their documents and versions on projects not yet opened.  Any
    audit view applies ``.exclude(sealed_audit_q())``."""
    sealed_bids = Bid.objects.exclude(project__opened_at__isnull=False, state__in=OPENED_STATES)
    bid_ids = sealed_bids.annotate(key=Cast("pk", CharField())).values("key")
    document_ids = BidDocument.objects.filter(bid__in=sealed_bids).annotate(key=Cast("pk", CharField())).values("key")
    return Q(object_type="marketplace.bid", object_id__in=bid_ids) | Q(
        object_type="marketplace.biddocument", object_id__in=document_ids
    )


def projects_with_own_bids(user):
    """Annotate-ready: ``Exists`` of a bid by one of the user's organizations."""
    return Exists(Bid.objects.filter(project=OuterRef("pk"), organization_id__in=_member_org_ids(user)))


def organization_bid_record(organization_id):
    """What the public may know of an organization's bidding (its service
    record): ``{"bid": n, "won": n}``, the projects whose bids were opened
    on which it bid, and those awarded to it now (an award cancelled after a
    challenge does not count).  Only opened bids count: a draft, a submitted
    bid on a call not yet opened or a bid withdrawn before the deadline is
    never counted, so the record reveals nothing about a sealed call.  One
    query."""
    return Bid.objects.filter(
        organization_id=organization_id, project__opened_at__isnull=False, state__in=OPENED_STATES
    ).aggregate(
        bid=Count("project", distinct=True),
        won=Count("project", filter=Q(state=Bid.State.AWARDED), distinct=True),
    )


def opened_bid_counts(project_ids):
    """``{project_id: bids in its opening record}`` for the projects among
    ``project_ids`` whose bids were opened (open data, issue 17): a call not
    yet opened has no entry, so nothing about a sealed call is counted.
    One query."""
    records = OpeningRecord.objects.filter(project_id__in=project_ids, project__opened_at__isnull=False)
    return {project_id: len(entries or ()) for project_id, entries in records.values_list("project_id", "entries")}


__all__ = [
    "bid_for",
    "bids_for",
    "document_for",
    "documents_for",
    "opened_bids",
    "opening_record",
    "opened_bid_counts",
    "organization_bid_record",
    "scored_bids",
    "organization_bids",
    "own_bid",
    "projects_with_own_bids",
    "sealed_audit_q",
    "version_for",
    "versions_for",
]
