"""Forms of the demand list.  They check input and show errors; the services
in ``marketplace.needs.services`` change state."""

import secrets
from decimal import Decimal

from django import forms
from django.core import signing
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core.forms import ServiceErrorMixin
from marketplace.core.models.places import Community
from marketplace.needs.models import Need

MAX_BENEFICIARIES = 1_000_000
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CatalogueItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


def published_items():
    return CatalogueItem.objects.filter(active=True, version__state=CatalogueVersion.State.PUBLISHED).order_by("code")


class NeedForm(ServiceErrorMixin, forms.ModelForm):
    """File a need (also pre-filled from a resident report when triaging)."""

    catalogue_item = CatalogueItemChoiceField(
        label=_("Catalogue item"),
        queryset=CatalogueItem.objects.none(),
        required=False,
        empty_label=_("(none fits: describe the service below)"),
    )

    class Meta:
        model = Need
        fields = list(Need.FILED_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "other_description": forms.Textarea(attrs={"rows": 3}),
            "period_start": DATE_INPUT,
            "period_end": DATE_INPUT,
        }
        error_messages = {
            "title": {"required": _("Give the need a title.")},
            "description": {"required": _("Describe the need.")},
            "beneficiaries_count": {"required": _("Give the number of beneficiaries.")},
            "beneficiary_group": {"required": _("Choose the beneficiary group.")},
            "period_start": {"required": _("Give the expected start.")},
            "period_end": {"required": _("Give the expected end.")},
            "estimated_budget": {"required": _("Give the estimated budget.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalogue_item"].queryset = published_items()
        self.fields["beneficiaries_count"].widget.attrs.update({"min": 1, "max": MAX_BENEFICIARIES})
        self.fields["estimated_budget"].widget.attrs.update({"min": "0.01", "step": "0.01"})

    def clean_beneficiaries_count(self):
        count = self.cleaned_data["beneficiaries_count"]
        if count is not None and count < 1:
            raise forms.ValidationError(_("Give the number of beneficiaries."))
        if count is not None and count > MAX_BENEFICIARIES:
            raise forms.ValidationError(_("That is more people than a community has. Check the number."))
        return count

    def clean_estimated_budget(self):
        budget = self.cleaned_data["estimated_budget"]
        if budget is not None and budget <= Decimal("0"):
            raise forms.ValidationError(_("The estimated budget must be more than zero."))
        return budget

    def clean_period_start(self):
        start = self.cleaned_data["period_start"]
        if start is not None and start.year < timezone.localdate().year:
            raise forms.ValidationError(_("The expected start must be in this year or later."))
        return start

    def clean_period_end(self):
        end = self.cleaned_data["period_end"]
        if end is not None and end < timezone.localdate():
            raise forms.ValidationError(_("The expected period must not lie in the past."))
        return end

    def clean(self):
        cleaned = super().clean()
        other = (cleaned.get("other_description") or "").strip()
        if cleaned.get("catalogue_item") is None and not other:
            self.add_error("other_description", _("Choose a catalogue item, or describe the service if none fits."))
        elif cleaned.get("catalogue_item") is not None and other:
            self.add_error(
                "other_description",
                _("Choose a catalogue item or describe a service outside the catalogue, not both."),
            )
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end must not be before the start."))
        return cleaned

    def _post_clean(self):
        # Validate the fields without building an instance: the service creates the need.
        pass

    def need_data(self):
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class DeclineReportForm(ServiceErrorMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Give the reason for declining.")},
    )
    confirm = forms.BooleanField(
        label=_("I have checked the report and want to decline it. This cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for declining."))
        return reason


class AssessForm(ServiceErrorMixin, forms.Form):
    assessment = forms.CharField(
        label=_("Assessment (internal)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Is the need real, urgent, in the catalogue, reasonably priced? Only staff see this."),
        error_messages={"required": _("Write the assessment.")},
    )
    assessed_cost = forms.DecimalField(
        label=_("Assessed cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Leave empty to keep the community's estimate."),
    )
    public_answer = forms.CharField(
        label=_("Public answer (optional for now)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Shown on the public demand list."),
    )

    def clean_assessment(self):
        text = self.cleaned_data["assessment"].strip()
        if not text:
            raise forms.ValidationError(_("Write the assessment."))
        return text


class DecideForm(ServiceErrorMixin, forms.Form):
    ACCEPT = "accept"
    DECLINE = "decline"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept the need")), (DECLINE, _("Decline the need"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose accept or decline.")},
    )
    public_answer = forms.CharField(
        label=_("Public answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the public demand list: what happens next, or why not."),
        error_messages={"required": _("Write the public answer.")},
    )
    override_reason = forms.CharField(
        label=_("Reason for exceeding the fund"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Only when accepting would take the community above its yearly fund."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm this decision. It cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def clean_public_answer(self):
        text = self.cleaned_data["public_answer"].strip()
        if not text:
            raise forms.ValidationError(_("Write the public answer."))
        return text


# --- the public resident form --------------------------------------------------------

TOKEN_SALT = "marketplace.needs.resident-report"  # noqa: S105 - a signing salt, not a secret
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 3600


class PhoneField(forms.CharField):
    """Spaces people type inside a number are dropped before it is checked."""

    def to_python(self, value):
        return super().to_python(value).replace(" ", "").replace("\u3000", "")


phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("Enter a mobile number (11 digits) or a landline number with its area code."),
)


def make_form_token():
    """A signed token holding the time the form was shown and a random
    nonce: each token is good for one report (``ResidentReport.token_digest``)."""
    nonce = secrets.token_urlsafe(12)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{int(timezone.now().timestamp())}.{nonce}")


class ResidentReportForm(ServiceErrorMixin, forms.Form):
    """A resident reports a need; no account.  ``website`` is a honeypot that
    people never see; ``token`` proves the form was shown and not filled
    faster than a person can."""

    community = forms.ModelChoiceField(
        label=_("Your community"),
        queryset=Community.objects.all(),
        empty_label=_("(choose)"),
        error_messages={"required": _("Choose your community."), "invalid_choice": _("Choose your community.")},
    )
    title = forms.CharField(
        label=_("What is needed"),
        max_length=200,
        help_text=_("In a few words, e.g. “lunch for elderly people living alone”."),
        error_messages={"required": _("Say in a few words what is needed.")},
    )
    description = forms.CharField(
        label=_("Details"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Who needs it, how many people, since when, what has been tried."),
        error_messages={"required": _("Describe the need.")},
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=50,
        help_text=_("Only the community's workers see your name and phone; they are never published."),
        error_messages={"required": _("Give your name so that the community can reply.")},
    )
    phone = PhoneField(
        label=_("Your phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel"}),
        validators=[phone_validator],
        error_messages={"required": _("Give a phone number so that the community can reply.")},
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        if not self.is_bound:
            self.initial["token"] = make_form_token()

    @property
    def is_spam_trap_filled(self):
        return bool((self.data.get("website") or "").strip())

    def visible_fields(self):
        # The honeypot is rendered separately, hidden from people.
        return [field for field in super().visible_fields() if field.name != "website"]

    def clean_token(self):
        token = self.cleaned_data.get("token") or ""
        try:
            value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=MAX_FORM_AGE_SECONDS)
            issued = int(value.split(".", 1)[0])
        except (signing.BadSignature, ValueError) as exc:
            raise forms.ValidationError(
                _("The form has expired or was not loaded from this site. Please send it again.")
            ) from exc
        if timezone.now().timestamp() - issued < MIN_FILL_SECONDS:
            raise forms.ValidationError(_("That was very fast. Please check your report and send it again."))
        return token

    def clean(self):
        cleaned = super().clean()
        if self.errors.get("token"):
            # Show the token problem at the top: the field itself is hidden.
            for error in self.errors.pop("token"):
                self.add_error(None, error)
        return cleaned
