"""Who may report on a milestone, read reports, supervise a contract and
answer a supervision record (issue 15, 7 and 9).

- **Reports**: members of the contract's organization
  (``marketplace.organizations.permissions.can_act_for``) write and submit
  the report of a pending or rejected milestone of an active contract.
  Officers, the organization's members and the milestone's evaluator (once
  they declared no conflict) read reports and evidence.
- **Supervision**: community workers (``Permission.FILE_COMMUNITY_NEED``,
  attached to a community) of a community the active contract serves add
  supervision records and their residents' committee's opinion per
  milestone.  The organization's members read them and answer each record
  once; officers read them.

``can_<verb>(user, obj) -> Decision``.  The ``Milestone.submit_report``
transition asks the same rule (``contracts/contracts/models.py``: the actor
rule is the organization's membership, the guards the active contract and
a complete draft)."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.permissions import ALLOWED, active, is_officer, refused
from marketplace.needs.permissions import is_worker
from marketplace.organizations.permissions import can_act_for

MEMBERS_ONLY = _("Only members of the organization that holds this contract may do this.")
NOT_ACTIVE = _("Reports and supervision are only for contracts in force (signed by both parties).")
NOT_REPORTABLE = _("This milestone takes no report now: its report was submitted, or it was accepted.")
READERS_ONLY = _("Only the organization, procurement officers and the milestone's evaluator may read this.")
WORKERS_ONLY = _("Only community workers of a community this contract serves may do this.")
ANSWERED = _("The organization has answered this record already.")
NOT_SUPERVISED = _("Only the organization, procurement officers and the communities served may read this.")

# Contract.State / Milestone.State values
ACTIVE = "active"
REPORTABLE = ("pending", "rejected")
# MilestoneEvaluation.State values that let the evaluator read (no conflict declared)
EVALUATOR_READS = ("declared", "locked")


def _contract_active(contract):
    return contract.state == ACTIVE


# --- reports ------------------------------------------------------------------------------------------


def can_write_report(user, milestone):
    """Write (save a draft of) and submit the milestone's report."""
    contract = milestone.contract
    if not can_act_for(user, contract.organization):
        return refused(MEMBERS_ONLY)
    if not _contract_active(contract):
        return refused(NOT_ACTIVE)
    if milestone.state not in REPORTABLE:
        return refused(NOT_REPORTABLE)
    return ALLOWED


def is_assigned_evaluator(user, milestone):
    if not active(user):
        return False
    return milestone.evaluations.filter(evaluator__user=user, state__in=EVALUATOR_READS).exists()


def can_read_reports(user, milestone):
    """The milestone's reports, service log and evidence: the organization's
    members, procurement officers, the evaluator who declared no conflict."""
    if not active(user):
        return refused(READERS_ONLY)
    if is_officer(user) or can_act_for(user, milestone.contract.organization):
        return ALLOWED
    if is_assigned_evaluator(user, milestone):
        return ALLOWED
    return refused(READERS_ONLY)


# --- supervision ----------------------------------------------------------------------------------------


def serves_community_of(user, contract):
    """A community worker of a community ``contract`` serves."""
    return is_worker(user) and contract.communities.filter(pk=user.community_id).exists()


def can_supervise(user, contract):
    """Add a supervision record or a committee opinion to ``contract``."""
    if not serves_community_of(user, contract):
        return refused(WORKERS_ONLY)
    if not _contract_active(contract):
        return refused(NOT_ACTIVE)
    return ALLOWED


def can_read_supervision(user, contract):
    """Supervision records and opinions: the communities served, the
    organization, procurement officers."""
    if not active(user):
        return refused(NOT_SUPERVISED)
    if is_officer(user) or serves_community_of(user, contract) or can_act_for(user, contract.organization):
        return ALLOWED
    return refused(NOT_SUPERVISED)


def can_respond(user, record):
    """The organization answers a supervision record, once."""
    if not can_act_for(user, record.contract.organization):
        return refused(MEMBERS_ONLY)
    if record.responded_at is not None:
        return refused(ANSWERED)
    return ALLOWED


# --- files ------------------------------------------------------------------------------------------------


def can_view_evidence(user, evidence):
    return can_read_reports(user, evidence.report.milestone)


def can_view_photo(user, photo):
    return can_read_supervision(user, photo.record.contract)


def available_actions(user, milestone):
    """The delivery steps ``user`` may take on ``milestone`` now: what the
    buttons show."""
    actions = set()
    if can_write_report(user, milestone):
        actions.add("write_report")
    return actions
