"""What the accounts tell people (templates in templates/marketplace/core/messages/)."""

from marketplace.core.notifications import EMAIL, SMS, declare

# Someone signed up with an identifier that has an account: its owner is told.
SIGNUP_ATTEMPT = declare("core.signup_attempt", channels=(EMAIL,))
SIGNUP_ATTEMPT_SMS = declare("core.signup_attempt_sms", channels=(SMS,))
# Proving the e-mail address (a link) or the mobile number (a code) of a new account.
VERIFY_EMAIL = declare("core.verify_email", channels=(EMAIL,))
VERIFICATION_CODE = declare("core.verification_code", channels=(SMS,))
# The daily digest of routine messages (core/digests.py), to users who chose it.
DIGEST = declare("core.digest", channels=(EMAIL,))
