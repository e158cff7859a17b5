"""What the demand list tells people (templates in templates/marketplace/needs/messages/).

Both go by e-mail only, as they always have: the community's workers hear of
a resident's report, the filer of a need hears the decision."""

from marketplace.core.notifications import EMAIL, declare

RESIDENT_REPORT = declare("needs.resident_report", channels=(EMAIL,), routine=True)
NEED_DECIDED = declare("needs.need_decided", channels=(EMAIL,), routine=True)
