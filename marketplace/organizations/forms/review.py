"""Forms of the officers' review of social organizations, and the entry
standard form of the Wagtail admin.  They check input and show errors; the
services in ``marketplace.organizations.services.organizations`` decide."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.forms import ServiceErrorMixin
from marketplace.organizations.models import EntryStandard, OrganizationDocument
from marketplace.organizations.services.organizations import RETURN_SECTIONS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_MAX = 2000


def _text(value):
    return (value or "").strip()


# --- decisions -------------------------------------------------------------------------


class DecisionForm(ServiceErrorMixin, forms.Form):
    """Every decision is confirmed by ticking a box (no JavaScript needed)."""

    confirm_label = _("I have checked the organization's record and documents.")

    confirm = forms.BooleanField(error_messages={"required": _("Tick the box to confirm the decision.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = self.confirm_label

    def service_kwargs(self):
        return {}


class ReturnForm(DecisionForm):
    confirm_label = _("I have checked the record and documents, and return the organization with these reasons.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sections = {
            key: forms.CharField(
                label=label,
                required=False,
                max_length=REASON_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            for key, label in RETURN_SECTIONS.items()
        }
        # The sections first, the confirmation last.
        confirm = self.fields.pop("confirm")
        self.fields.update(sections)
        self.fields["confirm"] = confirm

    def clean(self):
        cleaned = super().clean()
        if not any(_text(cleaned.get(key)) for key in RETURN_SECTIONS):
            raise forms.ValidationError(_("Give at least one reason, next to what must change."), code="no_reason")
        return cleaned

    def service_kwargs(self):
        return {"reasons": {key: _text(self.cleaned_data.get(key)) for key in RETURN_SECTIONS}}


class ApproveForm(DecisionForm):
    confirm_label = _("I have checked the record and documents, and approve the organization.")

    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log with the decision."),
    )
    field_order = ["note", "confirm"]

    def service_kwargs(self):
        return {"note": _text(self.cleaned_data["note"])}


class ConfirmRegistrationForm(ApproveForm):
    confirm_label = _(
        "I have checked the unified social credit code, legal type and capital against the registration certificate."
    )


class ReasonForm(DecisionForm):
    """A decision with a required reason."""

    reason_label = _("Reason")
    reason_required = _("Give the reason.")

    reason = forms.CharField(max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["reason", "until", "confirm"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = self.reason_label
        self.fields["reason"].error_messages["required"] = self.reason_required

    def clean_reason(self):
        reason = _text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(self.reason_required, code="required")
        return reason

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"]}


class SuspendForm(ReasonForm):
    confirm_label = _("I have checked the facts. The organization may not bid until it is reinstated.")
    reason_label = _("Reason for the suspension")
    reason_required = _("Give the reason for the suspension.")


class ReinstateForm(ReasonForm):
    confirm_label = _("I have checked that the reason for the suspension no longer applies.")
    reason_label = _("Reason for reinstating")
    reason_required = _("Give the reason for reinstating the organization.")


class BlacklistForm(ReasonForm):
    confirm_label = _("I have checked the facts. The organization is blacklisted until the end date.")
    reason_label = _("Reason for blacklisting")
    reason_required = _("Give the reason for blacklisting.")

    until = forms.DateField(
        label=_("Blacklisted until"),
        widget=DATE_INPUT,
        help_text=_("The blacklisting is lifted automatically on this date."),
        error_messages={"required": _("Give the end date."), "invalid": _("Enter a date such as 2027-06-30.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].widget.attrs["min"] = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError(_("The end date must be after today."), code="past")
        return until

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"], "until": self.cleaned_data["until"]}


# --- entry standards (Wagtail admin) ------------------------------------------------------


class EntryStandardForm(forms.ModelForm):
    """The required documents are chosen from the known kinds of document
    (checkboxes), never typed as JSON."""

    required_documents = forms.MultipleChoiceField(
        label=_("Documents that must be valid"),
        choices=OrganizationDocument.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The organization must hold a current, unexpired document of each kind ticked."),
        error_messages={"invalid_choice": _("“%(value)s” is not a known kind of document.")},
    )

    class Meta:
        model = EntryStandard
        fields = [
            "name",
            "description",
            "is_standard",
            "required_track",
            "min_years_since_founding",
            "qualification",
            "min_qualified_staff",
            "required_documents",
            "min_performance_grade",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_required_documents(self):
        chosen = set(self.cleaned_data.get("required_documents") or ())
        # Stored in the order of the kinds, each once.
        return [kind for kind in OrganizationDocument.Kind.values if kind in chosen]

    def clean_name(self):
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(_("Give the entry standard a name."), code="required")
        return name

    def clean(self):
        cleaned = super().clean()
        qualification = cleaned.get("qualification")
        minimum = cleaned.get("min_qualified_staff")
        if minimum and not qualification:
            self.add_error("qualification", _("Choose the qualification that these staff must hold."))
        elif qualification and not minimum:
            self.add_error("min_qualified_staff", _("Give how many staff must hold this qualification (1 or more)."))
        return cleaned
