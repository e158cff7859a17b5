"""Public read questions about purchase projects: the list of calls, one
call by its reference, and what the call page and its PDF show (answered
questions without their askers, addenda, documents, the entry standard in
words, the opening record).

Drafts and projects awaiting approval are never public.  Nothing here reads
bids: the opening record comes through ``marketplace.procurement.selectors.bids``, and
only once the bids are opened.  Every list selects its related rows up front,
so a page's query count does not grow with its rows."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalogue.models import CatalogueItem, ServiceCategory
from marketplace.core.generation_cache import per_generation
from marketplace.core.models.places import Community
from marketplace.organizations.models import EntryStandard, Organization, OrganizationDocument, StaffMember
from marketplace.procurement.models.projects import Addendum, Clarification, Project, ProjectDocument, PurchaseMethod
from marketplace.procurement.selectors import bids as bid_selectors

PUBLIC_STATES = tuple(Project.PUBLIC_STATES)
# Public once published: a draft cancelled before approval never was.
PUBLIC_Q = Q(state__in=PUBLIC_STATES, published_at__isnull=False)
SEARCH_MAX_LENGTH = 100
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,19}$")
LIST_SEPARATOR = "、"


def normalise_query(value):
    return " ".join((value or "").split())[:SEARCH_MAX_LENGTH]


#: the public list's "every state" (its default is the open calls)
ALL_PUBLIC_STATES = "all"


def public_projects(*, method=None, community=None, category=None, state=None, query=""):
    """Published calls and everything after (never drafts or projects awaiting
    approval), newest first; the open calls (``state="published"``) nearest
    deadline first.  ``category`` is a major (or minor) ServiceCategory;
    ``query`` matches the reference or the title; ``state="all"`` (or none)
    is every public state."""
    projects = _public_filtered(method=method, community=community, category=category, query=query)
    if state and state != ALL_PUBLIC_STATES:
        projects = projects.filter(state=state)
    order = ("deadline", "pk") if state == Project.State.PUBLISHED else ("-published_at", "-pk")
    return projects.select_related("method").prefetch_related("communities").order_by(*order)


def public_state_counts(*, method=None, community=None, category=None, state=None, query=""):
    """{state: how many public projects} under the other filters (``state``
    is ignored), every public state present, and their sum under ``"all"``:
    the list's tabs.  Without filters (most visits) the counts are kept until
    the next change of public data (issue 18: they read every public project)."""
    if method is None and community is None and category is None and not normalise_query(query):
        return per_generation("project-state-counts", _public_state_counts)
    return _public_state_counts(method=method, community=community, category=category, query=query)


def _public_state_counts(*, method=None, community=None, category=None, query=""):
    rows = (
        _public_filtered(method=method, community=community, category=category, query=query)
        .order_by()
        .values("state")
        .annotate(count=Count("pk", distinct=True))
    )
    counts = dict.fromkeys(PUBLIC_STATES, 0)
    counts.update({row["state"]: row["count"] for row in rows})
    counts[ALL_PUBLIC_STATES] = sum(counts.values())
    return counts


def _public_filtered(*, method=None, community=None, category=None, query=""):
    projects = Project.objects.filter(PUBLIC_Q)
    if method is not None:
        projects = projects.filter(method=method)
    if community is not None:
        projects = projects.filter(communities=community)
    if category is not None:
        items = CatalogueItem.objects.filter(
            Q(category=category) | Q(category__parent=category), projects=OuterRef("pk")
        )
        projects = projects.filter(Exists(items))
    query = normalise_query(query)
    if query:
        projects = projects.filter(Q(ref__icontains=query) | Q(title__icontains=query))
    return projects


def open_calls(*, method=None, q=""):
    """Calls open for bids now (an organization's /orgs/<id>/calls/), nearest
    deadline first; ``q`` matches the title, the reference or the purchaser."""
    projects = Project.objects.filter(state=Project.State.PUBLISHED, deadline__gt=timezone.now()).select_related(
        "method", "entry_standard", "named_organization"
    )
    if method is not None:
        projects = projects.filter(method=method)
    if q:
        projects = projects.filter(Q(title__icontains=q) | Q(ref__icontains=q) | Q(purchaser__icontains=q))
    return projects.order_by("deadline", "pk")


def public_project(ref):
    """The public project with this reference (any case), or None."""
    if not isinstance(ref, str) or not REF_PATTERN.match(ref):
        return None
    public = Project.objects.filter(PUBLIC_Q).select_related("method", "entry_standard", "named_organization")
    # References are written in capitals and the page URLs in small letters: an exact match on
    # either spelling uses the reference's unique index (issue 18: the case-insensitive match read
    # the whole table); any other mix of cases falls back to it.
    project = public.filter(ref__in={ref, ref.upper()}).first()
    if project is None:
        project = public.filter(ref__iexact=ref).first()
    return project


def is_public(project):
    return project is not None and project.state in PUBLIC_STATES and project.published_at is not None


# --- the filters' choices -----------------------------------------------------------


def filter_methods():
    return PurchaseMethod.objects.order_by("position", "code")


def filter_communities():
    return Community.objects.order_by("street", "name")


def filter_categories():
    return ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code")


# --- one call -----------------------------------------------------------------------


def catalogue_items(project):
    return list(project.catalogue_items.select_related("category__parent").order_by("code"))


def communities(project):
    return list(project.communities.order_by("street", "name"))


def criteria(project):
    return list(project.criteria.order_by("position", "pk"))


@dataclass(frozen=True)
class PublicClarification:
    """An answered question, numbered; who asked is never part of it."""

    number: int
    question: str
    answer: str
    answered_at: datetime.datetime


def answered_clarifications(project):
    rows = (
        Clarification.objects.filter(project=project, answered_at__isnull=False)
        .order_by("asked_at", "pk")
        .values_list("question", "answer", "answered_at")
    )
    return [
        PublicClarification(number=number, question=question, answer=answer, answered_at=answered_at)
        for number, (question, answer, answered_at) in enumerate(rows, start=1)
    ]


def answered_count(project):
    return Clarification.objects.filter(project=project, answered_at__isnull=False).count()


def addenda(project):
    return list(
        Addendum.objects.filter(project=project)
        .only("number", "text", "old_deadline", "new_deadline", "extended", "issued_at", "project_id")
        .order_by("number")
    )


def documents(project):
    return list(
        ProjectDocument.objects.filter(project=project)
        .only("pk", "kind", "title", "original_name", "size", "sha256", "uploaded_at", "project_id", "file")
        .order_by("kind", "pk")
    )


def document(project, pk):
    """A document of a public call, or None."""
    if not is_public(project):
        return None
    return ProjectDocument.objects.filter(project=project, pk=pk).first()


def _qualification_text(required):
    from marketplace.organizations.services.entry_standards import QUALIFICATION_LADDER

    if not required:
        return _("any professional qualification")
    if required not in StaffMember.Qualification.values:
        return required
    label = StaffMember.Qualification(required).label
    if required in QUALIFICATION_LADDER and required != QUALIFICATION_LADDER[-1]:
        return _("%(qualification)s or higher") % {"qualification": label}
    return label


def standard_requirements(standard):
    """The entry standard's rules in words, in the order they are checked."""
    lines = [_("Approved on the platform, with no active blacklisting or suspension.")]
    if standard.required_track in Organization.Track.values:
        lines.append(
            _("Track: %(track)s organizations only.") % {"track": Organization.Track(standard.required_track).label}
        )
    years = standard.min_years_since_founding
    if years > 0:
        lines.append(_("At least %(years)d full year(s) since founding.") % {"years": years})
    staff = standard.min_qualified_staff
    if staff > 0:
        lines.append(
            _("At least %(count)d staff holding %(qualification)s, each backed by a valid qualification document.")
            % {"count": staff, "qualification": _qualification_text(standard.qualification)}
        )
    kinds = [kind for kind in (standard.required_documents or []) if kind in OrganizationDocument.Kind.values]
    if kinds:
        labels = LIST_SEPARATOR.join(str(OrganizationDocument.Kind(kind).label) for kind in dict.fromkeys(kinds))
        lines.append(_("Valid documents: %(documents)s.") % {"documents": labels})
    if standard.min_performance_grade in EntryStandard.Grade.values:
        lines.append(
            _("A latest performance grade of at least %(grade)s in past contracts (once there are graded ones).")
            % {"grade": EntryStandard.Grade(standard.min_performance_grade).label}
        )
    return lines


def call_facts(project):
    """Everything the call page and the call PDF show besides the project's
    own fields (a fixed number of queries)."""
    return {
        "project": project,
        "items": catalogue_items(project),
        "communities": communities(project),
        "criteria": criteria(project),
        "standard": project.entry_standard,
        "standard_requirements": standard_requirements(project.entry_standard),
        "clarifications": answered_clarifications(project),
        "addenda": addenda(project),
        "documents": documents(project),
        "opened": project.opened_at is not None,
        "record": opening_record(project),
    }


# --- the opening record -------------------------------------------------------------


@dataclass(frozen=True)
class OpeningEntry:
    number: int
    organization: str
    organization_id: int
    price: Decimal
    version: int
    submitted_at: datetime.datetime | None
    digest: str


def opening_record(project):
    """The published opening record, or None before the bids are opened."""
    if not is_public(project):
        return None
    return bid_selectors.opening_record(project)


def opening_entries(record):
    entries = []
    for number, entry in enumerate(record.entries if record is not None else [], start=1):
        submitted_at = entry.get("submitted_at")
        entries.append(
            OpeningEntry(
                number=number,
                organization=entry.get("organization", ""),
                organization_id=entry.get("organization_id"),
                price=Decimal(str(entry.get("price", "0"))),
                version=entry.get("version"),
                submitted_at=datetime.datetime.fromisoformat(submitted_at) if submitted_at else None,
                digest=entry.get("digest", ""),
            )
        )
    return entries


def opening_facts(project):
    record = opening_record(project)
    if record is None:
        return None
    return {"project": project, "record": record, "entries": opening_entries(record)}


def bidding_project(ref):
    """The project with exactly this reference that the public may see
    (published or later), as the bid pages show it; or None."""
    return (
        Project.objects.select_related("method", "entry_standard", "named_organization")
        .filter(ref=ref, state__in=Project.PUBLIC_STATES, published_at__isnull=False)
        .first()
    )


def bidding_organization(pk):
    """The organization of the bid pages (/org/<pk>/...), or None."""
    return Organization.objects.select_related("community").filter(pk=pk).first()
