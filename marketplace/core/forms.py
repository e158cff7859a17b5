"""Form fields and mixins shared by every domain."""

from django import forms
from django.core.exceptions import ValidationError

from marketplace.core.params import MAX_ID


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` that refuses an id beyond a 64-bit
    integer before asking the database: Django checks the ids one by one
    (where such an id just matches nothing) and then with one ``IN`` query,
    which SQLite's driver cannot even send ("Python int too large to convert
    to SQLite INTEGER"): a 500 for ``?service_areas=10000000000000000000``."""

    def _check_values(self, value):
        if (self.to_field_name or "pk") == "pk":
            for pk in value:
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # not a number at all: Django refuses it in its own words
                if not -MAX_ID - 1 <= number <= MAX_ID:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


class ServiceErrorMixin:
    """Puts a refused step (``marketplace.core.errors.DomainError``) where the
    user sees it: on its field when the form shows that field, else above the
    form.  ``ERROR_FIELDS`` maps a service's field name to the form's."""

    ERROR_FIELDS = {}

    def add_service_error(self, error):
        field = self.ERROR_FIELDS.get(error.field, error.field)
        visible = {bound.name for bound in self.visible_fields()}
        shown_on = field if field in visible else None
        self.add_error(shown_on, error.message)
        return shown_on


class PasswordReentryMixin:
    """A form for a step that cannot be undone asks for the user's own
    password again (``password``), checked under the sign-in lockout: a
    wrong one counts as a failed sign-in, and a locked account or address
    is refused here, on the form, with everything else kept.  The view
    passes ``request=``; with ``reauth_required(reentry_field=<prefix>password)``
    a user who also needs a second factor types the password only once."""

    def __init__(self, *args, request=None, **kwargs):
        from django.utils.translation import gettext_lazy as _

        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["password"] = forms.CharField(
            label=_("Your password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            error_messages={"required": _("Enter your password to confirm.")},
        )

    def clean_password(self):
        from django.utils.translation import gettext as _

        from marketplace.core import lockout

        password = self.cleaned_data.get("password")
        try:
            ok = lockout.check_password(self.request, self.request.user, password)
        except lockout.LockedOutError as exc:
            raise ValidationError(exc.message, code="locked_out") from None
        if not ok:
            raise ValidationError(_("The password is not correct."), code="wrong_password")
        return password
