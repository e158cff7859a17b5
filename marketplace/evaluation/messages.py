"""What the evaluation domain tells people (templates in
templates/marketplace/evaluation/messages/), in-site and by e-mail."""

from marketplace.core.notifications import declare

# The committee.
COMMITTEE_APPOINTED = declare("evaluation.committee_appointed")
APPOINT_MEMBER = declare("evaluation.appoint_member")
MEMBER_WITHDREW = declare("evaluation.member_withdrew")
REPORT_GENERATED = declare("evaluation.report_generated")
REPORT_CONFIRMED = declare("evaluation.report_confirmed", routine=True)
SHEET_REOPENED = declare("evaluation.sheet_reopened")
# The qualification review, to the bidders.
QUALIFICATION_FAILED = declare("evaluation.qualification_failed")
TOO_FEW_QUALIFIED = declare("evaluation.too_few_qualified")
# The award.
AWARDED = declare("evaluation.awarded")
BID_WON = declare("evaluation.bid_won")
BID_LOST = declare("evaluation.bid_lost")
AWARD_DECLINED = declare("evaluation.award_declined")
BID_DISQUALIFIED = declare("evaluation.bid_disqualified")
# Challenges.
CHALLENGE_FILED = declare("evaluation.challenge_filed")
CHALLENGE_ANSWERED = declare("evaluation.challenge_answered")
CHALLENGE_DISMISSED = declare("evaluation.challenge_dismissed")
CHALLENGE_UPHELD = declare("evaluation.challenge_upheld")
REEVALUATION = declare("evaluation.reevaluation")
AWARD_CANCELLED = declare("evaluation.award_cancelled")
