"""Who may take which evaluation step, and when: each rule once.

``can_<verb>(user, obj) -> Decision`` (``marketplace.core.permissions``):
truthy when allowed, else falsy with the reason for the user and a stable
``code``.  The services ask these functions inside their transaction, after
their locks, and raise the refusal (``require``); the views and templates
ask the same functions (``available_actions``) to decide which buttons and
forms to show, so a button shows exactly when the service would accept.

State rules that are the aggregate's own (a challenge is answered once, a
sheet is reopened only when submitted) are the state machines' (the
``Challenge`` and ``ScoreSheet`` transitions, asked through
``marketplace.core.fsm``); actor rules are here, and the evaluation models
use them as their transitions' ``permission``.  ``Project`` belongs to
procurement, which cannot know these rules (evaluation sits above it): its
evaluation-phase transitions (``start_evaluation``, ``award``, ``contract``)
carry only procurement's facts, and the ``can_*`` functions here add the
evaluation actor rules before the service takes the transition.

This package reads only the evaluation models (through the aggregates'
relations) so that the models may import it: no services, no selectors.
``base`` holds the refusal and who is who; ``committee`` the committee,
scoring and report rules; ``awards`` the award and challenge rules.
"""

from marketplace.evaluation.permissions.awards import (
    can_answer_challenge,
    can_award,
    can_decide_challenge,
    can_disqualify_ranked,
    can_file_challenge,
    can_mark_contracted,
    can_record_decline,
    challengeable,
    confirmed_report,
)
from marketplace.evaluation.permissions.base import (
    EVALUATE_PERMISSION,
    Refusal,
    committee_of,
    current_report,
    is_evaluator,
    live_award,
    member_for,
    officer_may,
    require,
    sheet_chair_may,
    sheet_member_may,
)
from marketplace.evaluation.permissions.committee import (
    can_appoint_member,
    can_confirm_deviation,
    can_confirm_report,
    can_declare,
    can_form_committee,
    can_generate_report,
    can_reopen_sheet,
    can_review_qualification,
    can_score,
    can_set_chair,
    may_confirm_deviation,
    member_sheets_visible,
)

__all__ = [
    "EVALUATE_PERMISSION",
    "PROJECT_ACTIONS",
    "Refusal",
    "available_actions",
    "can_answer_challenge",
    "can_appoint_member",
    "can_award",
    "can_confirm_deviation",
    "can_confirm_report",
    "can_decide_challenge",
    "can_declare",
    "can_disqualify_ranked",
    "can_file_challenge",
    "can_form_committee",
    "can_generate_report",
    "can_mark_contracted",
    "can_record_decline",
    "can_reopen_sheet",
    "can_review_qualification",
    "can_score",
    "can_set_chair",
    "challengeable",
    "committee_of",
    "confirmed_report",
    "current_report",
    "is_evaluator",
    "live_award",
    "may_confirm_deviation",
    "member_for",
    "member_sheets_visible",
    "officer_may",
    "require",
    "sheet_chair_may",
    "sheet_member_may",
]

# --- what a page may offer ----------------------------------------------------------------------------------------

PROJECT_ACTIONS = {
    "form_committee": can_form_committee,
    "set_chair": can_set_chair,
    "appoint_member": can_appoint_member,
    "review_qualification": can_review_qualification,
    "declare": can_declare,
    "score": can_score,
    "generate_report": can_generate_report,
    "award": can_award,
    "mark_contracted": can_mark_contracted,
}


def available_actions(user, project, names=None):
    """The project-level steps ``user`` may take on ``project`` now (the
    names of ``PROJECT_ACTIONS``, or the subset ``names``): what the pages
    show buttons and forms for."""
    return {name for name in names or PROJECT_ACTIONS if PROJECT_ACTIONS[name](user, project)}
