"""Who may do what with a social organization (社会组织).

``can_<verb>(user, obj) -> Decision``: the views (which pages, which
buttons), the services (before they change anything) and the state machine
(``permission=`` on ``Organization``'s transitions) ask the same functions.
State rules live on the model (``conditions``); these are the actor rules,
including the separation of duties: nobody decides on an organization they
belong or belonged to.  Imports nothing but core and Django: the models
import this module."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.fsm import allowed
from marketplace.core.models.audit import AuditEvent
from marketplace.core.permissions import ALLOWED, active, is_officer, refused

MEMBERS_ONLY = _("Only members of this organization may do this.")
ADMINS_ONLY = _("Only the organization's administrators may do this.")
OFFICERS_ONLY = _("Only procurement officers may review organizations.")
NOT_IMPARTIAL = _("You belong or belonged to this organization, so you may not decide on it.")
UPLOAD_MEMBERS_ONLY = _("Only members of this organization may upload its documents.")

#: ``Membership.Role.ADMIN`` (this module cannot import the models, which import it)
ADMIN_ROLE = "admin"

# Officers' decisions; any other audited act on an organization is a member's.
DECISION_ACTIONS = tuple(
    f"organization.{verb}"
    for verb in (
        "return_for_changes",
        "approve",
        "suspend",
        "reinstate",
        "blacklist",
        "lift_blacklist",
        "confirm_registration",
    )
)


# --- membership -------------------------------------------------------------------------------


def membership(user, organization):
    """The user's ``Membership`` of the organization, or None."""
    if user is None or not user.is_authenticated or organization is None or organization.pk is None:
        return None
    return organization.memberships.filter(user=user).first()


def is_member(user, organization):
    return membership(user, organization) is not None


def has_acted_for(user, organization):
    """A member now, or ever: started it, joined it, edited or submitted it.
    Leaving an organization does not make its former member impartial."""
    if user is None or not user.is_authenticated:
        return False
    if organization.created_by_id == user.pk or is_member(user, organization):
        return True
    return (
        AuditEvent.objects.filter(
            object_type=f"{organization._meta.app_label}.{organization._meta.model_name}",
            object_id=str(organization.pk),
            actor=user,
        )
        .exclude(action__in=DECISION_ACTIONS)
        .exists()
    )


# --- members ----------------------------------------------------------------------------------------


def can_start(user, organization=None):
    """Start an organization (and become its administrator): a signed-in
    person who has confirmed an e-mail address or mobile number."""
    if user is None or not user.is_authenticated:
        return refused(_("Sign in first."))
    if user.verified_at is None:
        return refused(_("Confirm your e-mail address or mobile number first."))
    return ALLOWED


def can_act_for(user, organization):
    """Edit the record, submit it, set qualifications: any member."""
    return ALLOWED if is_member(user, organization) else refused(MEMBERS_ONLY)


def can_administer(user, organization):
    """Invite and remove members, change roles, add the registration: the
    organization's administrators."""
    found = membership(user, organization)
    if found is None:
        return refused(MEMBERS_ONLY)
    if found.role != ADMIN_ROLE:
        return refused(ADMINS_ONLY)
    return ALLOWED


def can_upload_document(user, organization):
    return ALLOWED if is_member(user, organization) else refused(UPLOAD_MEMBERS_ONLY)


def can_view_document(user, document):
    """Members of the document's organization and procurement officers (who
    review it, once it has been submitted); superusers.  Nobody else: not
    other organizations, editors or platform administrators."""
    if not active(user):
        return refused(MEMBERS_ONLY)
    if user.is_superuser or is_member(user, document.organization):
        return ALLOWED
    if document.organization.submitted_at is not None and is_officer(user):
        return ALLOWED
    return refused(MEMBERS_ONLY)


# --- officers ----------------------------------------------------------------------------------------


def can_review(user, organization=None):
    """See the review queue and an organization's whole record."""
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


def can_decide(user, organization):
    """Return, approve, suspend, reinstate, blacklist, confirm a registration:
    an officer who never acted for the organization (separation of duties)."""
    if not is_officer(user):
        return refused(OFFICERS_ONLY)
    if has_acted_for(user, organization):
        return refused(NOT_IMPARTIAL)
    return ALLOWED


# --- the state machine's ``permission=``: (instance, user) ----------------------------------------------


def may_act_for(organization, user):
    return can_act_for(user, organization)


def may_decide(organization, user):
    return can_decide(user, organization)


# --- what the pages offer ----------------------------------------------------------------------------------

#: the review page's decisions (the names of their URLs and forms) and the
#: state transitions they take
TRANSITIONS = {
    "return": "return_for_changes",
    "approve": "approve",
    "suspend": "suspend",
    "blacklist": "blacklist",
    "reinstate": "reinstate",
}


def can_confirm_registration(user, organization):
    """Confirm a registration added after approval (no change of state)."""
    decision = can_decide(user, organization)
    if decision and not organization.awaiting_registration_confirmation:
        return refused(_("There is no registration waiting to be confirmed."))
    return decision


def available_actions(user, organization):
    """What ``user`` may do with ``organization`` now: the review decisions
    (``return``, ``approve``, ``suspend``, ``blacklist``, ``reinstate``,
    ``confirm_registration``) and the members' steps (``edit``, ``submit``,
    ``manage_members``, ``upgrade``).  A button shows exactly when the service would
    accept (save for what the form's input decides)."""
    actions = {name for name, method in TRANSITIONS.items() if allowed(getattr(organization, method), user)}
    if can_confirm_registration(user, organization):
        actions.add("confirm_registration")
    if allowed(organization.submit, user):
        actions.add("submit")
    if organization.editable and can_act_for(user, organization):
        actions.add("edit")
    if can_administer(user, organization):
        actions.add("manage_members")
        if organization.may_add_registration:
            actions.add("upgrade")
    return actions
