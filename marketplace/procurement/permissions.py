"""Who may do what on purchase projects, bids and purchase-method changes.

``can_<verb>(user, obj) -> Decision``: the views (which pages, which buttons),
the services (inside their transaction, after the lock) and the state
machines (``permission=`` on ``Project`` and ``Bid`` transitions, through the
``may_*`` adapters below) ask the same functions.  Lifecycle rules that hang
on the aggregate alone are the models' ``conditions``; the rules here are
about the actor, plus, for steps that are no transition (an addendum, the
call's documents, a re-tender, an answer), the state they need.

``available_actions(user, project)`` is what the project's page offers: an
action is in it exactly when its service would accept it now (the content of
a draft is checked by the service when it is sent, not here).

Imports nothing above the models: the models import this module."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.fsm import refusal
from marketplace.core.permissions import ALLOWED, Decision, is_officer

OFFICERS_ONLY = _("Only procurement officers may do this.")
MEMBERS_ONLY = _("Only members of this organization may do this.")
SECOND_OFFICER = _("A second officer must approve: not one who drafted, edited or submitted the project.")
METHOD_OFFICERS_ONLY = _("Only procurement officers change purchase methods.")
OWN_METHOD_CHANGE = _("You proposed this change: another procurement officer must decide on it.")

# Acts that shape a project: whoever did one of them may not approve it.
AUTHORING_ACTIONS = ("project.create", "project.edit", "project.submit_for_approval")


class Refusal(Decision):
    """A refused ``Decision`` that also carries a stable ``code`` for the
    service's error."""

    def __new__(cls, reason, code):
        decision = super().__new__(cls, False, reason)
        decision.code = code
        return decision


def refused(reason, code="permission"):
    return Refusal(reason, code)


def enforce(decision, error_class):
    """Raise ``error_class(reason, code=...)`` when ``decision`` refuses."""
    if not decision:
        raise error_class(decision.reason, code=getattr(decision, "code", "permission"))


# --- officers ------------------------------------------------------------------------------------


def can_use_workbench(user):
    """The officers' project workbench (/work/projects/) and its pages."""
    return is_officer(user)


def can_manage(user, obj=None):
    """Draft projects, cancel them, answer questions: procurement officers."""
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


def has_shaped(user, project):
    """Did ``user`` draft, edit, submit or attach documents to the project?"""
    from marketplace.core.models.audit import AuditEvent

    if user.pk in (project.created_by_id, project.submitted_by_id):
        return True
    return (
        AuditEvent.objects.filter(actor=user)
        .filter(
            Q(object_type="marketplace.project", object_id=str(project.pk), action__in=AUTHORING_ACTIONS)
            | Q(object_type="marketplace.projectdocument", details__project=project.ref)
        )
        .exists()
    )


def shaped_among(user, projects):
    """The pks of ``projects`` that ``user`` shaped (``has_shaped``), in one
    query whatever their number: for lists that ask ``can_approve`` per row."""
    from marketplace.core.models.audit import AuditEvent

    projects = list(projects)
    shaped = {p.pk for p in projects if user.pk in (p.created_by_id, p.submitted_by_id)}
    rest = {str(p.pk): p for p in projects if p.pk not in shaped}
    if not rest:
        return shaped
    by_ref = {p.ref: p for p in rest.values()}
    events = (
        AuditEvent.objects.filter(actor=user)
        .filter(
            Q(object_type="marketplace.project", object_id__in=list(rest), action__in=AUTHORING_ACTIONS)
            | Q(object_type="marketplace.projectdocument", details__project__in=list(by_ref))
        )
        .values_list("object_type", "object_id", "details")
    )
    for object_type, object_id, details in events:
        if object_type == "marketplace.project" and object_id in rest:
            shaped.add(rest[object_id].pk)
        elif isinstance(details, dict) and details.get("project") in by_ref:
            shaped.add(by_ref[details["project"]].pk)
    return shaped


def approvable_among(user, projects):
    """Those of ``projects`` that ``user`` may approve (``can_approve``: four
    eyes), in at most one query."""
    if not can_manage(user):
        return []
    projects = list(projects)
    shaped = shaped_among(user, projects)
    return [project for project in projects if project.pk not in shaped]


def can_draft(user, project=None):
    return can_manage(user)


def can_edit(user, project):
    """Edit a draft (its content and rubric)."""
    decision = can_manage(user)
    if decision and project.state not in project.EDITABLE_STATES:
        return refused(_("Only a draft can be edited."), "not_draft")
    return decision


def can_submit(user, project):
    """Send a draft for approval: any procurement officer (whoever sends it
    has shaped it and so cannot approve it)."""
    return can_manage(user)


def can_approve(user, project):
    """Approve (publish) or return a project: an officer who did not shape it
    (four eyes)."""
    decision = can_manage(user)
    if decision and has_shaped(user, project):
        return refused(SECOND_OFFICER, "four_eyes")
    return decision


def can_publish_intention(user, project):
    """Publish the purchase intention (采购意向) of a project not yet
    published, once."""
    decision = can_manage(user)
    if not decision:
        return decision
    if project.state not in (project.State.DRAFT, project.State.PENDING_APPROVAL):
        return refused(_("The call is already published."), "state")
    if project.intention_published_at is not None:
        return refused(_("The purchase intention is already public."), "intention_public")
    if project.retender_of_id is not None:
        return refused(_("A re-tender is covered by its original project's purchase intention."), "retender")
    return ALLOWED


def can_cancel(user, project):
    return can_manage(user)


def can_change_documents(user, project):
    """Attach or remove the call's documents: while the project is a draft."""
    decision = can_manage(user)
    if decision and project.state not in project.EDITABLE_STATES:
        return refused(_("Documents can be changed only while the project is a draft."), "not_draft")
    return decision


def call_is_open(project, now=None):
    """Published and before its deadline (by the server clock)."""
    now = now or timezone.now()
    return project.state == project.State.PUBLISHED and now < project.deadline


def can_issue_addendum(user, project, now=None):
    decision = can_manage(user)
    if decision and not call_is_open(project, now):
        return refused(_("The call is closed."), "call_closed")
    return decision


def can_answer(user, clarification):
    """Answer an organization's question (published without its name)."""
    decision = can_manage(user)
    if not decision:
        return decision
    if clarification.project.state != clarification.project.State.PUBLISHED:
        return refused(_("The call is closed."), "call_closed")
    if clarification.answered_at is not None:
        return refused(_("This question has been answered."), "answered")
    return ALLOWED


def can_retender(user, project):
    """Copy a failed project into a new draft, once."""
    decision = can_manage(user)
    if not decision:
        return decision
    if project.state != project.State.FAILED:
        return refused(_("Only a failed project can be re-tendered."), "state")
    if any(copy.state != project.State.CANCELLED for copy in project.retenders.all()):
        return refused(_("This project has already been re-tendered."), "retendered")
    return ALLOWED


# --- organizations and their bids ------------------------------------------------------------------


def acts_for(user, organization):
    """``user`` is a member of ``organization``."""
    from marketplace.organizations.models import Membership

    if user is None or not user.is_authenticated or organization is None or organization.pk is None:
        return False
    return Membership.objects.filter(user=user, organization=organization).exists()


def can_act_for(user, organization):
    return ALLOWED if acts_for(user, organization) else refused(MEMBERS_ONLY)


def can_change_bid(user, bid):
    """Save, attach to, submit or withdraw the organization's bid."""
    return can_act_for(user, bid.organization)


# --- purchase methods ----------------------------------------------------------------------------------


def can_propose_method_change(user, method=None):
    return ALLOWED if is_officer(user) else refused(METHOD_OFFICERS_ONLY)


def can_decide_method_change(user, change):
    """Approve or reject a proposed change: another officer than the proposer."""
    decision = can_propose_method_change(user)
    if decision and change.proposed_by_id == user.pk:
        return refused(OWN_METHOD_CHANGE, "four_eyes")
    return decision


# --- the state machines' ``permission=``: (instance, user) -------------------------------------------


def may_submit(project, user):
    return can_submit(user, project)


def may_approve(project, user):
    return can_approve(user, project)


def may_cancel(project, user):
    return can_cancel(user, project)


def may_change_bid(bid, user):
    return can_change_bid(user, bid)


# --- what the project's page offers --------------------------------------------------------------------

#: action name -> the transition it takes
PROJECT_TRANSITIONS = {
    "submit": "submit_for_approval",
    "approve": "publish",
    "return": "return_to_draft",
    "cancel": "cancel",
}


def project_action_refusal(user, project, action):
    """None if ``action`` may be taken on ``project`` by ``user`` now, else
    ``(message, code)``."""
    if action in PROJECT_TRANSITIONS:
        return refusal(getattr(project, PROJECT_TRANSITIONS[action]), user)
    check = {
        "edit": can_edit,
        "documents": can_change_documents,
        "addendum": can_issue_addendum,
        "retender": can_retender,
        "intention": can_publish_intention,
    }[action]
    decision = check(user, project)
    return None if decision else (decision.reason, getattr(decision, "code", "permission"))


PROJECT_ACTIONS = ("edit", "documents", "intention", *PROJECT_TRANSITIONS, "addendum", "retender")


def available_actions(user, project):
    """The actions of ``PROJECT_ACTIONS`` that ``user`` may take on ``project`` now."""
    return {action for action in PROJECT_ACTIONS if project_action_refusal(user, project, action) is None}


def available_bid_actions(user, bid):
    """What the organization's bid page offers: ``submit`` and ``withdraw``
    (the bid's transitions) while the call is open."""
    if bid is None or not call_is_open(bid.project):
        return set()
    return {name for name in ("submit", "withdraw") if refusal(getattr(bid, name), user) is None}
