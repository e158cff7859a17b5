"""What delivery and supervision tell people (templates in
templates/contracts/milestones/delivery/messages/): in-site and by e-mail,
in each recipient's language."""

from marketplace.core.notifications import declare

T = "contracts/milestones/delivery/messages/"

# To the officers: a milestone report (or a rectified one) waits for evaluation.
REPORT_SUBMITTED = declare("delivery.report_submitted", templates=T + "report_submitted")
# The scheduler's reminders (contracts/milestones/tasks.py), to the organization's members and the officers:
# once when a deadline's light turns yellow, once when it turns red.
LIGHT_YELLOW = declare("delivery.light_yellow", templates=T + "light_yellow")
LIGHT_RED = declare("delivery.light_red", templates=T + "light_red")
# To the organization's members: a community worker's visit, a residents' committee's opinion.
SUPERVISION_RECORDED = declare("delivery.supervision_recorded", templates=T + "supervision_recorded")
OPINION_RECORDED = declare("delivery.opinion_recorded", templates=T + "opinion_recorded")
# To the worker who wrote the record: the organization answered it.
SUPERVISION_ANSWERED = declare("delivery.supervision_answered", templates=T + "supervision_answered")
