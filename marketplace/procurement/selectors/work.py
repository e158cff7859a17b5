"""Read questions of the officers' project workbench (/work/projects/): the
list with its filters and counts, a project with everything its page shows,
and its audit trail.  Lists select their related rows up front, so a page's
query count does not grow with the rows it shows.

Nothing here reads bids: bids go through ``marketplace.procurement.selectors.bids`` only
(sealing), and no list counts them.
"""

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from marketplace.catalogue.models import CatalogueItem
from marketplace.core.models.audit import AuditEvent
from marketplace.core.models.places import Community
from marketplace.needs.models import Need
from marketplace.organizations.models import Organization
from marketplace.procurement.models.projects import Clarification, Project, ProjectDocument
from marketplace.procurement.selectors.bids import sealed_audit_q

ALL_STATES = "all"
State = Project.State

# The list's order: what waits for an officer first.
_STATE_ORDER = Case(
    When(state=State.PENDING_APPROVAL, then=Value(0)),
    When(state=State.DRAFT, then=Value(1)),
    When(state=State.PUBLISHED, then=Value(2)),
    When(state__in=(State.CLOSED, State.EVALUATING), then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def object_type(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _search(queryset, q):
    q = " ".join((q or "").split())
    if not q:
        return queryset
    return queryset.filter(Q(ref__icontains=q) | Q(title__icontains=q))


def filtered_projects(*, method=None, community=None, q=None):
    """Projects matching every filter except the state (for the counts)."""
    projects = Project.objects.all()
    if method is not None:
        projects = projects.filter(method=method)
    if community is not None:
        served = Project.communities.through.objects.filter(community=community).values("project_id")
        projects = projects.filter(pk__in=served)
    return _search(projects, q)


def officer_projects(*, state=None, method=None, community=None, q=None):
    """The workbench list: awaiting approval, then drafts, then open calls,
    each by deadline (nearest first)."""
    projects = filtered_projects(method=method, community=community, q=q)
    if state and state != ALL_STATES:
        projects = projects.filter(state=state)
    return (
        projects.select_related("method", "created_by")
        .annotate(state_order=_STATE_ORDER)
        .order_by("state_order", "deadline", "pk")
    )


def state_counts(*, method=None, community=None, q=None):
    """``{state: count}`` for every state (zeros included) and ``"all"``: one query."""
    rows = filtered_projects(method=method, community=community, q=q).order_by().values("state").annotate(n=Count("pk"))
    counts = dict.fromkeys(State.values, 0)
    for row in rows:
        counts[row["state"]] = row["n"]
    counts[ALL_STATES] = sum(counts.values())
    return counts


def due_projects():
    """Published projects whose deadline has passed (to open lazily)."""
    return list(Project.objects.filter(state=State.PUBLISHED, deadline__lte=timezone.now()))


def project_for_officer(ref):
    return (
        Project.objects.select_related(
            "method",
            "named_organization",
            "entry_standard",
            "created_by",
            "submitted_by",
            "approved_by",
            "retender_of",
        )
        .prefetch_related(
            Prefetch("catalogue_items", queryset=CatalogueItem.objects.select_related("category")),
            Prefetch("communities", queryset=Community.objects.select_related("district")),
            "criteria",
            Prefetch("documents", queryset=ProjectDocument.objects.select_related("uploaded_by")),
            Prefetch(
                "clarifications",
                queryset=Clarification.objects.select_related("organization", "asked_by", "answered_by"),
            ),
            "addenda",
            Prefetch("needs", queryset=Need.objects.select_related("community", "catalogue_item")),
            "retenders",
        )
        .filter(ref=ref)
        .first()
    )


def project_history(project):
    """The audit trail of the project, its documents and clarifications,
    oldest first; bid events of sealed projects never show."""
    related = Q(
        object_type__in=(object_type(ProjectDocument), object_type(Clarification)), details__project=project.ref
    )
    return (
        AuditEvent.objects.filter(Q(object_type=object_type(Project), object_id=str(project.pk)) | related)
        .exclude(sealed_audit_q())
        .select_related("actor")
        .order_by("id")
    )


# --- the form's choices ----------------------------------------------------------------


def acceptable_needs(project=None):
    """Accepted needs waiting for a project, and those the project already holds."""
    condition = Q(state=Need.State.ACCEPTED)
    if project is not None and project.pk:
        condition |= Q(project=project, state=Need.State.PLANNED)
    return (
        Need.objects.filter(condition)
        .select_related("community", "catalogue_item")
        .order_by("community__name", "-created_at", "pk")
    )


def approved_organizations():
    return Organization.objects.filter(state=Organization.State.APPROVED).order_by("name", "pk")


def project_by_ref(ref):
    """The project with reference ``ref`` (no prefetching), or None."""
    return Project.objects.filter(ref=ref).first()


def accepted_need(pk):
    """The need ``pk`` with what a new draft takes from it, or None."""
    return Need.objects.select_related("community", "catalogue_item__version").filter(pk=pk).first()


# --- the officers' to-do page (marketplace/workspace) ------------------------------------------------


def awaiting_approval(user):
    """Projects waiting for approval that ``user`` may approve (four eyes:
    ``permissions.can_approve``), the longest waiting first; two queries."""
    from marketplace.procurement.permissions import approvable_among

    pending = Project.objects.filter(state=State.PENDING_APPROVAL).order_by("updated_at", "pk")
    return approvable_among(user, pending)


def closing_soon(days, now=None):
    """Published calls whose deadline falls within ``days`` days, the nearest first."""
    from datetime import timedelta

    now = now or timezone.now()
    projects = Project.objects.filter(state=State.PUBLISHED, deadline__gt=now, deadline__lte=now + timedelta(days=days))
    return projects.order_by("deadline", "pk")


def unanswered_questions():
    """Questions on open calls that no officer has answered yet, the oldest first."""
    questions = Clarification.objects.filter(project__state=State.PUBLISHED, answered_at__isnull=True)
    return questions.select_related("project").order_by("asked_at", "pk")


def method_changes_to_decide(user):
    """Proposed purchase-method changes that ``user`` may decide (not their own)."""
    from marketplace.procurement.models.projects import PurchaseMethodChange

    changes = PurchaseMethodChange.objects.filter(state=PurchaseMethodChange.State.PENDING).exclude(proposed_by=user)
    return changes.select_related("method").order_by("proposed_at", "pk")
