"""Verbs on purchase projects (购买服务项目).

An officer drafts a project from catalogue items of the published catalogue
and accepted needs; another officer approves it, which publishes the call
(four eyes); organizations ask questions and officers answer in public;
addenda change the call and, too close to the deadline, move it; at the
deadline the bids are opened (``marketplace.procurement.services.opening``).

Each verb runs in one transaction: lock, check, transition (audited by the
``post_transition`` receiver), save, and schedule side effects on commit.  A
broken rule raises ``ProjectError`` (message for the user, optional form
field) and changes nothing.

The verbs live by stage (``rules`` the pure checks, ``drafting``,
``lifecycle`` approval to re-tender, ``call`` questions, addenda and
documents, ``base`` what they share); callers import them from here.
"""

# ``is_officer`` and ``has_shaped`` stay importable from here for the admin and
# the Wagtail hooks; their one definitions are in the permissions modules.
from marketplace.core.permissions import is_officer
from marketplace.procurement.permissions import has_shaped
from marketplace.procurement.services.projects.base import (
    HUNDRED,
    OFFICER_PERMISSION,
    ProjectError,
    clean_text,
    community_choices,
    format_when,
    item_choices,
    lock_project,
    message_context,
    methods,
    notify_author,
    notify_officers,
    officer_url,
    public_url,
    require_officer,
)
from marketplace.procurement.services.projects.call import (
    addendum_deadline,
    answer_question,
    ask_question,
    issue_addendum,
    remove_project_document,
    upload_project_document,
)
from marketplace.procurement.services.projects.drafting import (
    clean_draft,
    create_project,
    next_ref,
    release_needs,
    update_project,
    write_draft,
)
from marketplace.procurement.services.projects.lifecycle import (
    approve_project,
    backdate_intention,
    cancel_project,
    intention_snapshot,
    publish_intention,
    retender,
    return_project,
    submit_for_approval,
)
from marketplace.procurement.services.projects.rules import (
    DRAFT_FIELDS,
    Criterion,
    FundCheck,
    check_bidding_period,
    check_service_period,
    clean_rubric,
    earliest_deadline,
    fund_check,
    parse_decimal,
    rubric_of,
)

__all__ = [
    "Criterion",
    "DRAFT_FIELDS",
    "FundCheck",
    "HUNDRED",
    "OFFICER_PERMISSION",
    "ProjectError",
    "addendum_deadline",
    "answer_question",
    "approve_project",
    "backdate_intention",
    "ask_question",
    "cancel_project",
    "intention_snapshot",
    "publish_intention",
    "check_bidding_period",
    "check_service_period",
    "clean_draft",
    "clean_rubric",
    "clean_text",
    "community_choices",
    "create_project",
    "earliest_deadline",
    "format_when",
    "fund_check",
    "has_shaped",
    "is_officer",
    "issue_addendum",
    "item_choices",
    "lock_project",
    "message_context",
    "methods",
    "next_ref",
    "notify_author",
    "notify_officers",
    "officer_url",
    "parse_decimal",
    "public_url",
    "release_needs",
    "remove_project_document",
    "require_officer",
    "retender",
    "return_project",
    "rubric_of",
    "submit_for_approval",
    "update_project",
    "upload_project_document",
    "write_draft",
]
