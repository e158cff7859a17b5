"""Domain events other apps may follow (DESIGN §3): ``cms`` publishes pages
from them, so this app never imports ``cms``.  Sent inside the service's
transaction, so a receiver's failure rolls the step back: a call is never
published without its page."""

from django.dispatch import Signal

# kwargs: project (its purchase intention, 采购意向, is public: ``project.intention``)
intention_published = Signal()
# kwargs: project
call_published = Signal()
# kwargs: project (an addendum, an answer, a cancellation or a failure changed the public call)
call_changed = Signal()
# kwargs: project, record (OpeningRecord)
bids_opened = Signal()
# kwargs: project, award (Award): the result is published
award_made = Signal()
# kwargs: project, award (the cancelled Award): an upheld challenge undid it
award_cancelled = Signal()
# kwargs: project, challenge (Challenge): upheld or dismissed; its announcement is due
challenge_decided = Signal()
