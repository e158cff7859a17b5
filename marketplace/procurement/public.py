"""What the public site reads about one call (DESIGN §3: ``cms`` reads the
other apps through selectors and public read modules).

A call whose deadline has passed has its bids opened before anyone reads it:
the lazy half of the opening (the scheduler is the other half), so public
pages never depend on the scheduler.  The opening is due by the clock, not a
reader's decision; this module, not the CMS, owns that.

The open calls of the home page, and the road from a call to a bid
(``bid_road``: the bid button, or why not, for the reader of the call page)
come from here too, so the CMS asks procurement's own bidding rules and
restates none."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from marketplace.core.filters import changed_between, disclosure_scope
from marketplace.core.permissions import is_officer
from marketplace.organizations.selectors.members import memberships_of_user
from marketplace.organizations.services import entry_standards
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import Project
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.selectors import projects as selectors
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import opening

#: How many open calls the home page lists (the rest are one click away).
HOME_CALLS = 5


def public_project(key):
    """The public project with this reference, its bids opened if the
    deadline has passed; None for drafts, pending and unknown references."""
    project = selectors.public_project(key)
    if project is None:
        return None
    if opening.ensure_opened(project) is not project:  # opened by this request
        project = selectors.public_project(key)
    return project


def open_calls(limit=None):
    """Calls open for bids now, nearest deadline first (the home page)."""
    calls = selectors.open_calls()
    return list(calls[:limit]) if limit else list(calls)


def open_call_count():
    return selectors.open_calls().count()


def organization_bid_record(organization_id):
    """An organization's bidding for its public service record: ``{"bid":
    n, "won": n}`` over opened calls only (the sealed-bid selector's
    ``organization_bid_record``: a bid on a call still open is never
    counted)."""
    return bid_selectors.organization_bid_record(organization_id)


# --- the road from a call to a bid -------------------------------------------------------------


@dataclass(frozen=True)
class BidChoice:
    """One organization of the reader's, on one call: may it bid (then
    ``start`` or ``continue`` its bid at ``bid_url``), else why not
    (``problems``, the services' own words) and where to fix it."""

    organization: object
    problems: list = field(default_factory=list)
    actions: list = field(default_factory=list)  # the entry standard's "what to do next"
    has_bid: bool = False
    not_approved: bool = False
    bid_url: str = ""
    fix_url: str = ""

    @property
    def may_bid(self):
        return not self.problems


@dataclass(frozen=True)
class BidRoad:
    """What the call page offers its reader about bidding.  ``kind`` is one of
    ``closed`` (nobody bids now), ``anonymous`` (sign in or register first),
    ``officer`` (officers do not bid), ``no_organization`` (register one or be
    invited) or ``organizations`` (one ``BidChoice`` per organization)."""

    kind: str
    choices: list = field(default_factory=list)

    @property
    def eligible(self):
        return [choice for choice in self.choices if choice.may_bid]

    @property
    def refused(self):
        return [choice for choice in self.choices if not choice.may_bid]


def bid_road(user, project, *, now=None):
    """The bidding rules of ``services.bids`` (``require_bidder`` = a member
    of the organization + ``eligibility_problems``, and ``call_is_open``)
    asked for every organization ``user`` acts for, so the call page shows a
    bid button exactly when ``start_bid`` would accept it."""
    if not permissions.call_is_open(project, now):
        return BidRoad("closed")
    if user is None or not user.is_authenticated:
        return BidRoad("anonymous")
    memberships = list(memberships_of_user(user))
    if not memberships and is_officer(user):
        return BidRoad("officer")
    if not memberships:
        return BidRoad("no_organization")
    choices = []
    for membership in memberships:
        organization = membership.organization
        if not permissions.acts_for(user, organization):
            continue
        problems = bid_services.eligibility_problems(project, organization)
        failures = entry_standards.check(project.entry_standard, organization).failures if problems else []
        choices.append(
            BidChoice(
                organization=organization,
                problems=problems,
                actions=[action for rule in failures if (action := getattr(rule, "action", ""))],
                has_bid=bid_selectors.own_bid(user, project, organization) is not None,
                not_approved=any(rule.code == "status" for rule in failures),
                bid_url=reverse("orgs:bid", args=[organization.pk, project.ref]),
                fix_url=reverse("orgs:workspace", args=[organization.pk]),
            )
        )
    return BidRoad("organizations", choices)


# --- open data (OCDS 1.1.5, cms/ocds) ----------------------------------------------------------


def open_data_projects():
    """Every project with a public event: a published purchase intention, a
    published call and everything after it; by primary key, with its method
    and the call it re-tenders: the open-data feed walks it in chunks
    (``.iterator(chunk_size=…)``).  A project whose only public event is its
    intention is public through ``intention`` alone (the snapshot), never its
    draft's fields."""
    from django.db.models import Q

    return (
        selectors.Project.objects.filter(selectors.PUBLIC_Q | Q(intention_published_at__isnull=False))
        .select_related("method", "retender_of")
        .order_by("pk")
    )


def projects_with_events_since(since, until=None):
    """The ids of the projects with a procurement event in ``(since, until]``
    (``until=None``: after ``since``): the intention, the call, an addendum,
    the opening, a cancellation, a failure (its time is the audit chain's,
    ``failed_at``), or any other change of the project row (a failure saves it)."""
    from marketplace.core.models.audit import AuditEvent

    fields = ("intention_published_at", "published_at", "opened_at", "cancelled_at", "updated_at", "addenda__issued_at")
    found = set(open_data_projects().filter(changed_between(fields, since, until)).values_list("pk", flat=True))
    # ``updated_at`` moves on with any later save; the failure's own moment stays in the audit chain.
    failures = AuditEvent.objects.filter(
        changed_between(("created_at",), since, until), object_type="marketplace.project", to_state="failed"
    )
    failed = {int(pk) for pk in failures.values_list("object_id", flat=True) if pk.isdigit()}
    if failed:
        found |= set(open_data_projects().filter(pk__in=failed).values_list("pk", flat=True))
    return found


def open_data_project(ref):
    """The project of ``/ocds/…/<ocid>.json``: the public project with this
    exact reference (its bids opened if the deadline passed, as the call
    page does), else one whose purchase intention is public; or None."""
    project = public_project(ref)
    if project is None and isinstance(ref, str) and selectors.REF_PATTERN.match(ref):
        project = open_data_projects().filter(ref=ref).first()
    return project if project is not None and project.ref == ref else None


def failed_at(project):
    """When a failed call failed (too few valid bids at the opening or in
    the evaluation): the time of its transition to ``failed`` in the audit
    chain, else the opening; None for any other project."""
    from marketplace.core.models.audit import AuditEvent

    if project.state != selectors.Project.State.FAILED:
        return None
    found = (
        AuditEvent.objects.filter(object_type="marketplace.project", object_id=str(project.pk), to_state="failed")
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return found or project.opened_at or project.updated_at


# --- announcements (cms.announcements) ------------------------------------------------------------


def _money(value):
    return str(value) if value is not None else ""


def disclosure_events(project_ref=None, project_ids=None):
    """The public announcements the procurement domain owes, as plain dicts
    (``kind``, ``key``, ``title``, ``project_ref``, ``event_at``,
    ``published_at``, ``facts``): each purchase intention (采购意向), call
    (采购公告), addendum (更正公告), opening record (开标记录) and each call
    that ended without a result (终止公告: cancelled after publication, or
    failed).  ``published_at`` is when the fact became public on the site
    (its live page), None when only the announcement makes it public.
    Nothing about bids before the opening; no person."""
    project_model = selectors.Project
    scope = disclosure_scope("ref", "pk", project_ref, project_ids)
    found = []
    for project in project_model.objects.filter(intention_published_at__isnull=False, **scope).select_related("method"):
        intention = project.intention or {}
        found.append(
            {
                "kind": "intention",
                "key": project.ref,
                "title": intention.get("title") or project.title,
                "project_ref": project.ref,
                "event_at": project.intention_published_at,
                "published_at": project.intention_published_at,
                "facts": {**intention, "method_name": project.method.label},
            }
        )
    public = (
        project_model.objects.filter(selectors.PUBLIC_Q, **scope).select_related("method").prefetch_related("addenda")
    )
    for project in public:
        common = {"title": project.title, "project_ref": project.ref}
        base = {"budget": _money(project.budget), "method_name": project.method.label, "year": project.year}
        found.append(
            {
                "kind": "call",
                "key": project.ref,
                **common,
                "event_at": project.published_at,
                "published_at": project.published_at,
                "facts": {**base, "deadline": project.deadline.isoformat()},
            }
        )
        for addendum in project.addenda.all():
            found.append(
                {
                    "kind": "correction",
                    "key": f"{project.ref}-{addendum.number}",
                    **common,
                    "event_at": addendum.issued_at,
                    "published_at": addendum.issued_at,
                    "facts": {
                        "number": addendum.number,
                        "text": addendum.text,
                        "old_deadline": addendum.old_deadline.isoformat(),
                        "new_deadline": addendum.new_deadline.isoformat(),
                    },
                }
            )
        if project.opened_at:
            found.append(
                {
                    "kind": "opening",
                    "key": project.ref,
                    **common,
                    "event_at": project.opened_at,
                    "published_at": project.opened_at,
                    "facts": base,
                }
            )
        ended = None
        if project.state == project_model.State.CANCELLED and project.cancelled_at:
            ended = (project.cancelled_at, "cancelled", project.cancel_reason)
        elif project.state == project_model.State.FAILED:
            ended = (failed_at(project), "failed", "")
        if ended is not None:
            found.append(
                {
                    "kind": "termination",
                    "key": f"call-{project.ref}",
                    **common,
                    "event_at": ended[0],
                    "published_at": ended[0],
                    "facts": {**base, "outcome": ended[1], "reason": ended[2]},
                }
            )
    return found


def next_deadline_after(now):
    """The nearest moment after ``now`` at which a published call's page
    changes by the clock alone: its bidding deadline (it stops saying "open"),
    or the deadline plus the opening's grace (``BID_OPENING_GRACE``: its bids
    are opened by the first reader).  For the public page cache (issue 18)."""
    grace = getattr(settings, "BID_OPENING_GRACE", timedelta(0))
    published = Project.objects.filter(state=Project.State.PUBLISHED)
    deadline = published.filter(deadline__gt=now).order_by("deadline").values_list("deadline", flat=True).first()
    opening = published.filter(deadline__gt=now - grace).order_by("deadline").values_list("deadline", flat=True).first()
    moments = [moment for moment in (deadline, opening + grace if opening else None) if moment and moment > now]
    return min(moments, default=None)
