"""The payment pages' forms: input checks only; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.payments.models import Payment
from marketplace.core.forms import PasswordReentryMixin, ServiceErrorMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StepForm(ServiceErrorMixin, forms.Form):
    """A step with nothing to type (approve, release, retry)."""


class RecordPaidForm(ServiceErrorMixin, forms.Form):
    reference = forms.CharField(label=_("Bank transaction reference"), max_length=100)
    paid_on = forms.DateField(label=_("Paid on (bank date)"), widget=DATE)

    def __init__(self, *args, **kwargs):
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        self.fields["paid_on"].widget.attrs["max"] = timezone.localdate().isoformat()  # the picker offers no future


class ReturnedForm(ServiceErrorMixin, forms.Form):
    reason = forms.CharField(
        label=_("The bank's reason"),
        max_length=500,
        help_text=_("As the bank's return notice says, e.g. the account is closed or the name does not match."),
    )


class CancelForm(ServiceErrorMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class PayeeAccountForm(PasswordReentryMixin, ServiceErrorMixin, forms.Form):
    """The account payments go to: changing it is guarded by the password (a
    session left open must not redirect the money)."""

    bank_name = forms.CharField(label=_("Bank and branch"), max_length=100)
    account_name = forms.CharField(
        label=_("Account name"), max_length=100, help_text=_("As the bank has it: normally the organization's name.")
    )
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=40,
        help_text=_("Digits only; spaces are ignored."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_account_number(self):
        number = "".join(self.cleaned_data["account_number"].split())
        if not number.isdigit() or not 8 <= len(number) <= 30:
            raise forms.ValidationError(_("Enter the account number: 8 to 30 digits."))
        return number


class StripeOnboardingForm(PasswordReentryMixin, ServiceErrorMixin, forms.Form):
    """Starting Stripe's onboarding names where the money goes: the password
    again, as for the bank account."""

    prefix = "stripe"


class PaymentFilter(forms.Form):
    WAITING = "waiting"
    STATES = [
        (WAITING, _("Waiting for someone")),
        ("", _("All")),
        *Payment.State.choices,
    ]
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


class FundsFilter(forms.Form):
    year = forms.TypedChoiceField(label=_("Fund year"), coerce=int)

    def __init__(self, *args, years, **kwargs):
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["year"].initial = timezone.localdate().year  # the current year first
