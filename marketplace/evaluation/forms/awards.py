"""Forms of the officers' evaluation and award pages (/work/projects/<ref>/evaluation/)
and of the challenge pages.  They read and shape the input;
``marketplace.evaluation.services.committee``, ``.evaluation`` and ``.awards`` check the
rules and change state (an error comes back onto its field here)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.forms import IdMultipleChoiceField, ServiceErrorMixin
from marketplace.evaluation.models import Challenge
from marketplace.procurement.forms.projects import REASON_MAX, TEXT_MAX, ConfirmForm


def _text(value):
    return (value or "").strip()


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, evaluator):
        parts = [evaluator.name, evaluator.get_kind_display()]
        if evaluator.affiliation:
            parts.append(evaluator.affiliation)
        return " · ".join(str(part) for part in parts)


def major_categories():
    return ServiceCategory.objects.filter(parent__isnull=True).order_by("code", "pk")


# --- the committee -----------------------------------------------------------------------------------


class CommitteeForm(ServiceErrorMixin, ConfirmForm):
    """Form the committee: the fields of expertise to draw from, up to
    ``size`` members appointed by name (each with a reason), the rest drawn."""

    confirm_label = _(
        "Form the committee now. The draw is recorded in the audit log and cannot be repeated; "
        "the project moves to evaluation."
    )
    expertise = IdMultipleChoiceField(
        label=_("Fields of expertise to draw from"),
        queryset=ServiceCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Major categories of the service catalogue; preselected from the project's items."),
        error_messages={"required": _("Choose at least one field of expertise to draw from.")},
    )

    def __init__(self, *args, size, evaluators, **kwargs):
        super().__init__(*args, **kwargs)
        self.size = size
        self.fields["expertise"].queryset = major_categories()
        for index in range(size):
            self.fields[f"appoint_{index}"] = EvaluatorChoiceField(
                label=_("Member appointed by name (%(number)s)") % {"number": index + 1},
                queryset=evaluators,
                required=False,
                empty_label=_("— none: draw at random —"),
            )
            self.fields[f"reason_{index}"] = forms.CharField(
                label=_("Reason for appointing this member by name (%(number)s)") % {"number": index + 1},
                max_length=REASON_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields(["expertise", *[f"{kind}_{i}" for i in range(size) for kind in ("appoint", "reason")]])

    def appointment_rows(self):
        return [
            {"number": index + 1, "evaluator": self[f"appoint_{index}"], "reason": self[f"reason_{index}"]}
            for index in range(self.size)
        ]

    def clean(self):
        data = super().clean()
        for index in range(self.size):
            evaluator = data.get(f"appoint_{index}")
            reason = _text(data.get(f"reason_{index}"))
            if evaluator is not None and not reason:
                self.add_error(
                    f"reason_{index}",
                    gettext("Give the reason for appointing %(name)s by name.") % {"name": evaluator.name},
                )
            elif evaluator is None and reason and f"appoint_{index}" not in self.errors:
                self.add_error(f"appoint_{index}", gettext("Choose the member this reason is for, or clear it."))
        return data

    def appointments(self):
        data = self.cleaned_data
        return [
            (data[f"appoint_{index}"], _text(data.get(f"reason_{index}")))
            for index in range(self.size)
            if data.get(f"appoint_{index}") is not None
        ]


class ChairForm(ServiceErrorMixin, forms.Form):
    member = forms.ModelChoiceField(
        label=_("Chair of the committee"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Choose a serving member.")},
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda member: member.evaluator.name


class AppointForm(ServiceErrorMixin, forms.Form):
    evaluator = EvaluatorChoiceField(
        label=_("Evaluator"),
        queryset=None,
        error_messages={"required": _("Choose the evaluator to appoint.")},
    )
    reason = forms.CharField(
        label=_("Reason for appointing this member by name"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for appointing this member by name.")},
    )

    def __init__(self, *args, evaluators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators


# --- the qualification review ------------------------------------------------------------------------


class QualificationForm(ServiceErrorMixin, ConfirmForm):
    """One "meets the call's requirements" box and the reasons per opened bid."""

    confirm_label = _(
        "I have reviewed every bid: record the results. A bid that fails is not scored, and its organization is told."
    )

    def __init__(self, *args, bids, results, qualifications=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bids = list(bids)
        self.results = results
        qualifications = qualifications or {}
        for bid in self.bids:
            earlier = qualifications.get(bid.pk)
            self.fields[f"passed_{bid.pk}"] = forms.BooleanField(
                label=_("%(name)s meets the call's requirements") % {"name": bid.organization.name},
                required=False,
                initial=earlier.manual_passed if earlier else False,
            )
            self.fields[f"reason_{bid.pk}"] = forms.CharField(
                label=_("Reasons for %(name)s") % {"name": bid.organization.name},
                max_length=REASON_MAX,
                initial=earlier.reason if earlier else "",
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={
                    "required": gettext("Give the reasons for %(name)s.") % {"name": bid.organization.name}
                },
            )
        self.order_fields([name for bid in self.bids for name in (f"passed_{bid.pk}", f"reason_{bid.pk}")])

    def rows(self):
        return [
            {
                "bid": bid,
                "entry": self.results[bid.pk],
                "passed": self[f"passed_{bid.pk}"],
                "reason": self[f"reason_{bid.pk}"],
            }
            for bid in self.bids
        ]

    def decisions(self):
        data = self.cleaned_data
        return {bid.pk: (bool(data.get(f"passed_{bid.pk}")), _text(data.get(f"reason_{bid.pk}"))) for bid in self.bids}


# --- the award ----------------------------------------------------------------------------------------


class AwardForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _(
        "Award the project to this bid now. Every bidder is notified, the result is published and the "
        "challenge period starts. This cannot be undone here."
    )
    bid = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for awarding a bid other than the recommended one"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the committee recommended another bid; published with the result."),
    )

    def __init__(self, *args, recommended=True, **kwargs):
        super().__init__(*args, **kwargs)
        if recommended:
            # The recommended bid needs no reason.
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if "reason" in self.fields and not _text(data.get("reason")) and "reason" not in self.errors:
            self.add_error(
                "reason", gettext("The committee recommended another bid: give the reason for awarding this one.")
            )
        return data


class DeclineForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("Record that this organization declined the award.")
    reason = forms.CharField(
        label=_("What the organization stated"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Keep its written statement on file."),
        error_messages={"required": _("Give the reason the organization gave for declining.")},
    )


class DisqualifyForm(ServiceErrorMixin, ConfirmForm):
    confirm_label = _("Disqualify this bid. It cannot be awarded afterwards.")
    reason = forms.CharField(
        label=_("Reasons for disqualifying"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example false documents or a lapsed licence."),
        error_messages={"required": _("Give the reasons for disqualifying this bid.")},
    )


# --- challenges --------------------------------------------------------------------------------------


class ChallengeAnswerForm(ServiceErrorMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer to the challenge"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent to the challenging organization."),
        error_messages={"required": _("Write the answer to the challenge.")},
    )


class ChallengeDecisionForm(ServiceErrorMixin, ConfirmForm):
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    confirm_label = _("Record this decision. The organization is told, and it cannot be changed.")
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[(UPHELD, _("Uphold the challenge")), (DISMISSED, _("Dismiss the challenge"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to uphold or dismiss the challenge.")},
    )
    reason = forms.CharField(
        label=_("Reasons for the decision"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reasons for the decision.")},
    )
    public_summary = forms.CharField(
        label=_("Summary of the grounds for the public announcement"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Published with the decision (质疑处理结果). Describe what was challenged in neutral words; "
            "do not name the challenger or any person, and give no contact details."
        ),
        error_messages={"required": _("Write the summary of the grounds for the public announcement.")},
    )
    remedy = forms.ChoiceField(
        label=_("What follows from upholding it"),
        choices=[("", _("— only when upheld —")), *Challenge.Remedy.choices],
        required=False,
        help_text=_(
            "Back to evaluation: the award is cancelled and the committee scores again. Or cancel the award "
            "and the project."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == self.UPHELD and not data.get("remedy"):
            self.add_error("remedy", gettext("Choose what follows from upholding the challenge."))
        return data

    @property
    def upheld(self):
        return self.cleaned_data["outcome"] == self.UPHELD
