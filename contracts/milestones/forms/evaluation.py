"""Forms of milestone evaluation, surveys and acceptance: they check input
only; the rules are the services' (``ServiceErrorMixin`` puts a refusal on
its field)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.milestones.models import MilestoneEvaluation
from contracts.milestones.services.surveys import MAX_LINKS
from marketplace.core.forms import PasswordReentryMixin, ServiceErrorMixin
from marketplace.evaluation.models import Evaluator

SCALE_CHOICES = [
    (5, _("5 · very satisfied")),
    (4, _("4 · satisfied")),
    (3, _("3 · neither")),
    (2, _("2 · dissatisfied")),
    (1, _("1 · very dissatisfied")),
]


class AssignForm(ServiceErrorMixin, forms.Form):
    evaluator = forms.ModelChoiceField(
        label=_("Evaluator"),
        queryset=Evaluator.objects.none(),
        empty_label=_("(choose)"),
        error_messages={"required": _("Choose an evaluator."), "invalid_choice": _("Choose an evaluator.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = Evaluator.objects.filter(active=True).order_by("name", "pk")


class DeclarationForm(PasswordReentryMixin, ServiceErrorMixin, forms.Form):
    relationship = forms.ChoiceField(
        label=_("Your relationship with the organization"),
        choices=MilestoneEvaluation.Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your relationship with the organization.")},
    )
    detail = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you declare a relationship."),
    )
    ERROR_FIELDS = {"relationship": "relationship", "detail": "detail"}


class SheetForm(ServiceErrorMixin, forms.Form):
    """One score (0..max) and a reason per criterion of the rubric, and an
    overall opinion."""

    opinion = forms.CharField(
        label=_("Overall opinion"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write an overall opinion.")},
    )

    def __init__(self, *args, criteria, scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        scores = scores or {}
        opinion = self.fields.pop("opinion")
        for criterion in self.criteria:
            existing = scores.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.DecimalField(
                label=_("%(name)s: score (0 to %(max)s)") % {"name": criterion.name, "max": criterion.max_score},
                min_value=Decimal("0"),
                max_value=criterion.max_score,
                max_digits=5,
                decimal_places=2,
                initial=existing.score if existing else None,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
                error_messages={"required": _("Score this criterion.")},
            )
            self.fields[f"reason_{criterion.pk}"] = forms.CharField(
                label=_("%(name)s: reason") % {"name": criterion.name},
                max_length=2000,
                initial=existing.reason if existing else "",
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": _("Give the reason for this score.")},
            )
        self.fields["opinion"] = opinion

    def rows(self):
        return [(c, self[f"score_{c.pk}"], self[f"reason_{c.pk}"]) for c in self.criteria]

    def scores(self):
        data = self.cleaned_data
        return {c.pk: (data[f"score_{c.pk}"], data[f"reason_{c.pk}"]) for c in self.criteria}


class ConfirmForm(PasswordReentryMixin, ServiceErrorMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class LinksForm(ServiceErrorMixin, forms.Form):
    count = forms.IntegerField(
        label=_("Number of survey links"),
        min_value=1,
        max_value=MAX_LINKS,
        help_text=_("One link per resident served; each answers once. At most %(max)s at a time.") % {"max": MAX_LINKS},
        error_messages={"required": _("How many links?")},
    )


class SurveyForm(ServiceErrorMixin, forms.Form):
    """The residents' questionnaire: overall satisfaction and the contract's
    questions, 1 to 5 each, and an optional comment."""

    overall = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you with this service?"),
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer.")},
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=SCALE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )
        self.fields["comment"] = forms.CharField(
            label=_("Anything else you want to tell us (optional)"),
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Do not write your name, phone number or address. Comments are read before any is shown."),
        )

    def answers(self):
        return {q.pk: self.cleaned_data[f"question_{q.pk}"] for q in self.questions}


class ModerateForm(ServiceErrorMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose publish or refuse.")},
    )


class DecisionForm(PasswordReentryMixin, ServiceErrorMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the milestone")), ("reject", _("Reject: the organization rectifies"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose accept or reject.")},
    )
    reason = forms.CharField(
        label=_("Reasons for the decision"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reasons for the decision.")},
    )
    override_reason = forms.CharField(
        label=_("Reason for accepting below the pass mark"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when the score is below the pass mark: another officer must approve the acceptance."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the decision cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
