"""Forms for sign-up and verification.  They check input and show errors;
``marketplace.core.accounts`` changes state.  (An organization's member forms
are in ``marketplace.organizations.forms.members``.)"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.core import accounts


class SignupForm(forms.Form):
    """E-mail address or mainland mobile number, and a password twice.
    ``website`` is a honeypot that people never see."""

    identifier = forms.CharField(
        label=_("E-mail address or mainland mobile number"),
        max_length=254,
        help_text=_("We send a confirmation link to the e-mail address, or a six-digit code to the mobile number."),
        error_messages={"required": _("Enter your e-mail address or mobile number.")},
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, not a common password, not like your e-mail or number."),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again.")},
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identifier"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.kind = None

    @property
    def is_spam_trap_filled(self):
        return bool((self.data.get("website") or "").strip())

    def visible_fields(self):
        # The honeypot is rendered separately, hidden from people.
        return [field for field in super().visible_fields() if field.name != "website"]

    def clean_identifier(self):
        # Whether an account has it already is not checked here: the answer
        # must not tell (``accounts.sign_up`` tells the owner instead).
        kind, value = accounts.normalise_identifier(self.cleaned_data["identifier"])
        self.kind = kind
        return value

    def clean(self):
        cleaned = super().clean()
        if self.is_spam_trap_filled:
            raise ValidationError(_("The form could not be accepted. Leave the hidden field empty and try again."))
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ. Type the same password twice."))
        elif password1 and cleaned.get("identifier") and self.kind:
            try:
                accounts.check_password(password1, kind=self.kind, value=cleaned["identifier"])
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=12,
        error_messages={"required": _("Enter the six-digit code from the text message.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"\d{6}", "size": 8}
        )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError(_("The code has six digits."))
        return code


class DigestForm(forms.Form):
    """How routine messages reach the user by e-mail (``core/digests.py``)."""

    AT_ONCE = "at_once"
    DAILY = "daily"

    routine = forms.ChoiceField(
        label=_("Routine messages by e-mail"),
        choices=[
            (AT_ONCE, _("E-mail me each routine message at once")),
            (DAILY, _("E-mail me routine messages once a day, in one summary")),
        ],
        widget=forms.RadioSelect,
        help_text=_(
            "Routine messages ask for nothing at once, e.g. an organization submitted for review or a question "
            "on a call. Either way they appear at once in your messages on the platform, and urgent messages "
            "are always e-mailed at once."
        ),
    )

    @property
    def digest(self):
        return self.cleaned_data["routine"] == self.DAILY
