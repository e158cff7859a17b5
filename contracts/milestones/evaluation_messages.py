"""What milestone evaluation, surveys and acceptance tell people (issue
15, 10-14), in-site and by e-mail; templates in
templates/contracts/milestones/evaluation/messages/."""

from marketplace.core.notifications import declare

T = "contracts/milestones/evaluation/messages/"

# The expert / third-party evaluation.
EVALUATOR_ASSIGNED = declare("milestone_evaluation.assigned", templates=T + "assigned")
EVALUATOR_RECUSED = declare("milestone_evaluation.recused", templates=T + "recused")
SHEET_LOCKED = declare("milestone_evaluation.sheet_locked", templates=T + "sheet_locked", routine=True)
# Acceptance.
OVERRIDE_REQUESTED = declare("milestone_evaluation.override_requested", templates=T + "override_requested")
MILESTONE_ACCEPTED = declare("milestone_evaluation.accepted", templates=T + "accepted")
MILESTONE_REJECTED = declare("milestone_evaluation.rejected", templates=T + "rejected")
CONTRACT_COMPLETED = declare("milestone_evaluation.contract_completed", templates=T + "contract_completed")
