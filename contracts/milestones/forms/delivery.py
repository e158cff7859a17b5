"""Forms of delivery and supervision.  They check input only; the rules (who,
when, which community, the files' content) are the services'
(``contracts.milestones.services``), whose refusals land on the field they
name (``ServiceErrorMixin``)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.milestones.services import reports as report_services
from contracts.milestones.services import supervision as supervision_services
from marketplace.core.forms import ServiceErrorMixin
from marketplace.core.uploads import limit_text

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
PHOTO_ACCEPT = ".jpg,.jpeg,.png,image/jpeg,image/png"
TEXT_MAX = 20000


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A list of uploaded files (empty when none was chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [file for file in (single(item, initial) for item in data) if file]
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


# --- the milestone report ------------------------------------------------------------------------------------


SAVE = "save"
SUBMIT = "submit"
LOG_FIELDS = ("day", "community", "place", "activity", "residents_served", "volunteers")


class ReportForm(ServiceErrorMixin, forms.Form):
    """One form for the whole report: every button saves what was typed
    first (the narrative, a new log entry, new evidence), then does its
    own step (submit, remove an entry or a file)."""

    ERROR_FIELDS = {"evidence": "evidence"}

    narrative = forms.CharField(
        label=_("Report"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 70}),
        help_text=_("What was delivered in this milestone, against the deliverables, and what comes next."),
    )
    documented_cost = forms.DecimalField(
        label=_("Documented cost of this milestone (CNY)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    # one more entry of the service log
    day = forms.DateField(label=_("Date"), required=False, widget=DATE)
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, required=False)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    activity = forms.CharField(label=_("Activity"), required=False, max_length=200)
    residents_served = forms.IntegerField(label=_("Residents served"), required=False, min_value=0, max_value=100000)
    volunteers = forms.IntegerField(
        label=_("Resident volunteers taking part"), required=False, min_value=0, max_value=100000
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    evidence_title = forms.CharField(label=_("Title of the new files"), required=False, max_length=200)
    confirm = forms.BooleanField(
        label=_(
            "I confirm that this report is true and complete. Once submitted it cannot be changed; "
            "it goes to the procurement officer for evaluation."
        ),
        required=False,
    )

    def __init__(self, *args, contract, action=SAVE, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["community"].queryset = contract.communities.order_by("code")
        if contract.cost_share_cap is None:
            del self.fields["documented_cost"]  # only a subsidy contract pays against documented cost
        else:
            self.fields["documented_cost"].help_text = _(
                "The costs this milestone's service incurred, as the invoices and receipts among the evidence "
                "show. The payment is at most %(cap)s%% of it."
            ) % {"cap": f"{contract.cost_share_cap.normalize():f}"}
        self.fields["evidence"].help_text = _(
            "PDF, JPEG or PNG (the content is checked, not the name), at most %(size)s MB each."
        ) % {"size": limit_text(report_services.evidence_limit())}

    def clean(self):
        data = super().clean()
        filled = [name for name in LOG_FIELDS if self.data.get(self.add_prefix(name), "") not in ("", None)]
        if filled and filled != ["volunteers"]:
            for name in ("day", "community", "place", "activity", "residents_served"):
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, _("Fill in every field of the new service log entry, or none."))
            day = data.get("day")
            if day is not None and day > timezone.localdate():
                self.add_error("day", _("The date of an activity cannot be in the future."))
        elif filled == ["volunteers"]:
            self.add_error("activity", _("Fill in every field of the new service log entry, or none."))
        if self.action == SUBMIT and "documented_cost" in self.fields and data.get("documented_cost") is None:
            if "documented_cost" not in self.errors:
                self.add_error("documented_cost", _("Enter the documented cost before submitting."))
        if self.action == SUBMIT and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm before submitting."))
        return data

    def entry(self):
        """The new service log entry's fields, or None."""
        data = self.cleaned_data
        if data.get("activity") in (None, ""):
            return None
        return {
            "day": data["day"],
            "community": data["community"],
            "place": data["place"].strip(),
            "activity": data["activity"].strip(),
            "residents_served": data["residents_served"],
            "volunteers": data.get("volunteers") or 0,
        }


# --- supervision --------------------------------------------------------------------------------------------


class SupervisionForm(ServiceErrorMixin, forms.Form):
    visited_on = forms.DateField(label=_("Visit date"), widget=DATE)
    milestone = forms.ModelChoiceField(
        label=_("Milestone"),
        queryset=None,
        required=False,
        empty_label=_("The contract as a whole"),
    )
    observed = forms.CharField(
        label=_("What you saw"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6, "cols": 70})
    )
    attendance = forms.IntegerField(label=_("Residents counted"), min_value=0, max_value=100000)
    issues = forms.CharField(
        label=_("Issues found"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=_("Leave empty when nothing was wrong."),
    )
    photos = MultipleFileField(
        label=_("Photos"), required=False, widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT})
    )

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = contract.milestones.order_by("number")
        self.fields["photos"].help_text = _(
            "Optional. JPEG or PNG (the content is checked, not the name), at most %(size)s MB each, "
            "at most %(count)s photos."
        ) % {"size": limit_text(supervision_services.photo_limit()), "count": supervision_services.MAX_PHOTOS}

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The visit date cannot be in the future."))
        return day

    def clean_observed(self):
        text = self.cleaned_data["observed"].strip()
        if not text:
            raise forms.ValidationError(_("Say what you saw."))
        return text


class OpinionForm(ServiceErrorMixin, forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Is the residents' committee satisfied with this milestone?"),
        choices=[("yes", _("Yes, satisfied")), ("no", _("No, not satisfied"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=_("The committee's opinion"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
    )

    def clean_opinion(self):
        text = self.cleaned_data["opinion"].strip()
        if not text:
            raise forms.ValidationError(_("Write the committee's opinion."))
        return text


class ResponseForm(ServiceErrorMixin, forms.Form):
    response = forms.CharField(
        label=_("Your answer"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        help_text=_("You can answer each record once; the community worker and the officers read it."),
    )

    def clean_response(self):
        text = self.cleaned_data["response"].strip()
        if not text:
            raise forms.ValidationError(_("Write your answer."))
        return text
