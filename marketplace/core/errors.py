"""The one root of every refusal a domain gives a user.

A service that refuses a step raises a subclass of ``DomainError`` with the
message for the user (in the request's language), the form field it concerns
(or None: above the form) and a stable ``code`` that callers and tests match
instead of the message text.  Views catch ``DomainError`` once
(``marketplace.core.actions.run_action``); forms put it where it belongs
(``marketplace.core.forms.ServiceErrorMixin``)."""


class DomainError(Exception):
    #: the code when the raiser names none; subclasses narrow it
    default_code = "refused"

    def __init__(self, message, field=None, code=None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.code = code or self.default_code

    def __repr__(self):
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, message={self.message!r})"
