"""Who may do what on the community demand list (需求清单).

``can_<verb>(user, obj) -> Decision``: the views (which pages, which buttons),
the services (before they change anything) and the state machine
(``permission=`` on ``Need`` and ``ResidentReport`` transitions) ask the same
functions.  State rules live on the models (``conditions``); these are the
actor rules only.  Imports nothing but core: the models import this module."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.fsm import allowed
from marketplace.core.permissions import ALLOWED, Permission, has, is_officer, refused

WORKERS_ONLY = _("Only community workers of this community may do this.")
OFFICERS_ONLY = _("Only procurement officers may assess and decide needs.")


def is_worker(user):
    """A community worker (may file needs) attached to a community."""
    return has(user, Permission.FILE_COMMUNITY_NEED) and user.community_id is not None


def is_worker_or_officer(user):
    return is_officer(user) or has(user, Permission.FILE_COMMUNITY_NEED)


def can_file(user, community):
    """File a need for ``community`` (or triage a resident's report of it)."""
    if is_worker(user) and community is not None and user.community_id == community.pk:
        return ALLOWED
    return refused(WORKERS_ONLY)


def can_view_need(user, need):
    """Officers see every need on the workbench, workers those of their community."""
    if is_officer(user) or can_file(user, need.community):
        return ALLOWED
    return refused(WORKERS_ONLY)


def can_handle_report(user, report):
    """Triage or decline a resident's report: the community's workers."""
    return can_file(user, report.community)


def can_assess(user, need):
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


def can_decide(user, need):
    """Accept or decline an assessed need."""
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


def can_plan(user, need):
    """A purchase project takes an accepted need up (officers, through the project)."""
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


# --- the state machine's ``permission=``: (instance, user) ---------------------------


def may_handle_report(report, user):
    return can_handle_report(user, report)


def may_assess(need, user):
    return can_assess(user, need)


def may_decide(need, user):
    return can_decide(user, need)


def may_plan(need, user):
    return can_plan(user, need)


# --- what the pages offer ------------------------------------------------------------------


NEED_ACTIONS = ("assess", "decide", "plan")
REPORT_ACTIONS = ("triage", "decline")


def available_actions(user, obj):
    """The steps ``user`` may take on a need (``assess``, ``decide``, ``plan``) or a
    resident report (``triage``, ``decline``) now: a button shows exactly
    when the service would accept."""
    if obj._meta.model_name == "residentreport":
        return {name for name in REPORT_ACTIONS if allowed(getattr(obj, name), user)}
    actions = set()
    if allowed(obj.assess, user):
        actions.add("assess")
    if allowed(obj.accept, user) and allowed(obj.decline, user):
        actions.add("decide")
    if allowed(obj.plan, user):
        actions.add("plan")  # a purchase project may take it up
    return actions
