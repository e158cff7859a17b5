"""What the organizations domain tells people (templates in
templates/marketplace/organizations/messages/).  In-site and by e-mail,
except the invitation, which goes to an address by e-mail only."""

from marketplace.core.notifications import EMAIL, declare

# The officers' decisions, to the organization's members.
APPROVED = declare("organizations.approved")
SUSPENDED = declare("organizations.suspended")
REINSTATED = declare("organizations.reinstated")
BLACKLISTED = declare("organizations.blacklisted")
BLACKLISTING_ENDED = declare("organizations.blacklisting_ended")
RETURNED = declare("organizations.returned")
REGISTRATION_CONFIRMED = declare("organizations.registration_confirmed")
# To the reviewing officers.
SUBMITTED = declare("organizations.submitted", routine=True)
REGISTRATION_ADDED = declare("organizations.registration_added", routine=True)
# Documents (the daily task), to the members.
DOCUMENT_EXPIRING = declare("organizations.document_expiring", routine=True)
DOCUMENT_EXPIRED = declare("organizations.document_expired")
# Members.
INVITATION = declare("organizations.invitation", channels=(EMAIL,))
MEMBER_JOINED = declare("organizations.member_joined", routine=True)
MEMBER_REMOVED = declare("organizations.member_removed")
ROLE_CHANGED = declare("organizations.role_changed")
