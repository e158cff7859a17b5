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

from django.urls import reverse

from marketplace.core.permissions import is_officer
from marketplace.organizations.selectors.members import memberships_of_user
from marketplace.organizations.services import entry_standards
from marketplace.procurement import permissions
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
