"""What the procurement domain tells people (templates in
templates/marketplace/procurement/messages/), in-site and by e-mail."""

from marketplace.core.notifications import declare

# To the bidding organization's members.
BID_RECEIVED = declare("procurement.bid_received")
BID_WITHDRAWN = declare("procurement.bid_withdrawn")
ADDENDUM = declare("procurement.addendum")
PROJECT_CANCELLED = declare("procurement.project_cancelled")
QUESTION_ANSWERED = declare("procurement.question_answered")
BID_NOT_COUNTED = declare("procurement.bid_not_counted")
# To the officers and the project's author.
APPROVAL_REQUESTED = declare("procurement.approval_requested", routine=True)
PROJECT_RETURNED = declare("procurement.project_returned")
PROJECT_PUBLISHED = declare("procurement.project_published", routine=True)
QUESTION_ASKED = declare("procurement.question_asked", routine=True)
# The opening, to the bidders and the author.
BIDS_OPENED = declare("procurement.bids_opened")
CALL_FAILED = declare("procurement.call_failed")
