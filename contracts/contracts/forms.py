"""The contract's forms: input checks only; the rules are the services'.

The drafting page is one form with three formsets (milestones, rubric,
survey questions), so whatever the officer typed comes back on an error.
Every formset row starts as an optional "extra" row: a row left blank is
ignored, so rows are added by filling the blank ones and removed by
emptying them (no JavaScript needed)."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from contracts.contracts.models import Amendment, Contract, ContractKind
from marketplace.core.forms import IdMultipleChoiceField, ServiceErrorMixin
from marketplace.core.models.places import Community

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}


def _text(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class ContractForm(ServiceErrorMixin, forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=ContractKind.objects.filter(active=True), empty_label=None)
    level = forms.ChoiceField(label=_("Level"), choices=Contract.Level.choices)
    purchaser = forms.CharField(label=_("Purchaser (department or street)"), max_length=100)
    service_content = forms.CharField(label=_("Service content"), widget=_text(4))
    service_quality = forms.CharField(label=_("Quality requirements"), widget=_text(), required=False)
    service_outputs = forms.CharField(label=_("Expected outputs"), widget=_text(), required=False)
    quantity = forms.CharField(label=_("Quantity"), max_length=200)
    place = forms.CharField(label=_("Place of service"), max_length=200, required=False)
    communities = IdMultipleChoiceField(
        label=_("Communities served"), queryset=Community.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    amount = forms.DecimalField(label=_("Contract sum (CNY)"), min_value=Decimal("0.01"), **MONEY)
    starts_on = forms.DateField(label=_("Term starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Term ends"), widget=DATE)
    term_justification = forms.CharField(
        label=_("Justification for a term over one year"),
        widget=_text(),
        required=False,
        help_text=_("A term may be up to one year, or up to three years with a justification."),
    )
    expert_weight = forms.DecimalField(label=_("Expert weight (%)"), **PERCENT)
    resident_weight = forms.DecimalField(
        label=_("Resident satisfaction weight (%)"),
        help_text=_("At least 70% for community-level contracts, 50% for street-level ones."),
        **PERCENT,
    )
    pass_mark = forms.DecimalField(label=_("Pass mark"), **PERCENT)
    full_payment_score = forms.DecimalField(label=_("Score for the full share"), **PERCENT)
    min_responses = forms.IntegerField(label=_("Minimum survey responses"), min_value=1, max_value=10000)
    min_response_share = forms.DecimalField(label=_("Or this share of the survey links handed out (%)"), **PERCENT)
    evaluation_terms = forms.CharField(label=_("Other evaluation terms"), widget=_text(), required=False)
    breach_terms = forms.CharField(label=_("Breach terms"), widget=_text(), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities if communities is not None else Community.objects.all()


class MilestoneRow(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    deliverables = forms.CharField(label=_("Deliverables"), max_length=2000)
    due_on = forms.DateField(label=_("Report due"), widget=DATE)
    share = forms.DecimalField(
        label=_("Payment share (%)"),
        min_value=Decimal("0.01"),
        **{k: v for k, v in PERCENT.items() if k != "min_value"},
    )


class CriterionRow(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=200)
    max_score = forms.DecimalField(
        label=_("Maximum score"), min_value=Decimal("0.01"), max_value=Decimal("100"), max_digits=5, decimal_places=2
    )


class QuestionRow(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=200)


class OptionalRows(forms.BaseFormSet):
    """Every row optional: blank rows are left out (see the module docstring)."""

    def initial_form_count(self):
        return 0 if self.is_bound else super().initial_form_count()

    def rows(self):
        """The filled rows that are well-formed (all of them once the formset is valid)."""
        return [form.cleaned_data for form in self.forms if form.is_valid() and form.cleaned_data]


MilestoneFormSet = formset_factory(MilestoneRow, formset=OptionalRows, extra=2, max_num=24, absolute_max=24)
CriterionFormSet = formset_factory(CriterionRow, formset=OptionalRows, extra=2, max_num=12, absolute_max=12)
QuestionFormSet = formset_factory(QuestionRow, formset=OptionalRows, extra=2, max_num=5, absolute_max=5)


SECTION_CAPTIONS = {
    "milestones": _("Milestones"),
    "criteria": _("Evaluation rubric"),
    "questions": _("Survey questions"),
}


class DraftForms:
    """The drafting page's form and formsets, bound together."""

    def __init__(self, data=None, *, terms=None, milestones=None, criteria=None, questions=None, communities=None):
        initial = dict(terms or {})
        if "communities" in initial:
            initial["communities"] = [c.pk for c in initial["communities"]]
        if "kind" in initial and initial["kind"] is not None:
            initial["kind"] = initial["kind"].pk
        self.form = ContractForm(data, initial=initial, prefix="contract", communities=communities)
        self.section_errors = {}
        self.milestones = MilestoneFormSet(data, initial=None if data else milestones, prefix="milestones")
        self.criteria = CriterionFormSet(data, initial=None if data else criteria, prefix="criteria")
        questions_extra = None if data else questions
        self.questions = QuestionFormSet(data, initial=questions_extra, prefix="questions")
        if not data and questions:
            self.questions.extra = max(0, 5 - len(questions))

    def is_valid(self):
        return all(
            [self.form.is_valid(), self.milestones.is_valid(), self.criteria.is_valid(), self.questions.is_valid()]
        )

    def values(self):
        terms = dict(self.form.cleaned_data)
        return terms, self.milestones.rows(), self.criteria.rows(), self.questions.rows()

    #: the formsets by the field name the services use for them
    SECTIONS = ("milestones", "criteria", "questions")

    def add_service_error(self, error):
        """Put each problem of a refusal (``TermsError.problems``, or the
        one error) on its field, under its table, or above the form."""
        for problem in getattr(error, "problems", [error]):
            if problem.field in self.SECTIONS:
                self.section_errors.setdefault(problem.field, []).append(problem.message)
            else:
                self.form.add_service_error(problem)
        return True

    def summary(self):
        """Every error on the page, in page order, as (where, message, anchor):
        the list at the top of the form that links to each."""
        entries = [(None, error, "contract-form") for error in self.form.non_field_errors()]
        section_errors = self.section_errors
        for name, field in self.form.fields.items():
            bound = self.form[name]
            entries += [(field.label, error, f"field-{bound.html_name}") for error in bound.errors]
            if name == "term_justification":
                entries += self._section_summary("milestones", self.milestones, section_errors)
        for section, formset in (("criteria", self.criteria), ("questions", self.questions)):
            entries += self._section_summary(section, formset, section_errors)
        return entries

    def _section_summary(self, section, formset, section_errors):
        caption = SECTION_CAPTIONS[section]
        anchor = f"section-{section}"
        entries = [(caption, error, anchor) for error in formset.non_form_errors()]
        entries += [(caption, error, anchor) for error in section_errors.get(section, [])]
        for number, row in enumerate(formset.forms, start=1):
            for name, errors in row.errors.items():
                where = _("%(section)s, row %(row)s: %(field)s") % {
                    "section": caption,
                    "row": number,
                    "field": row.fields[name].label if name in row.fields else name,
                }
                entries += [(where, error, f"{anchor}") for error in errors]
        return entries


class SignForm(ServiceErrorMixin, forms.Form):
    """Sign (or confirm an amendment): the password again, and the digest
    of the document shown."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to sign.")},
    )
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class StepForm(ServiceErrorMixin, forms.Form):
    """A step with nothing to type (send for signature)."""


class ReasonForm(ServiceErrorMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=_text(), max_length=2000)


class TerminateForm(ServiceErrorMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for terminating"), widget=_text(), max_length=2000)
    on = forms.DateField(label=_("Terminated on"), widget=DATE)
    payable = forms.DecimalField(label=_("Amount payable so far (CNY)"), min_value=Decimal("0"), **MONEY)


class AmendmentForm(ServiceErrorMixin, forms.Form):
    """What changes: blank fields stay as they are; one date and share row
    per milestone, prefilled with the version in force."""

    reason = forms.ChoiceField(label=_("Reason"), choices=Amendment.Reason.choices)
    explanation = forms.CharField(label=_("Explanation"), widget=_text(), max_length=4000)
    ends_on = forms.DateField(label=_("New end of the term"), widget=DATE, required=False)
    amount = forms.DecimalField(label=_("New contract sum (CNY)"), min_value=Decimal("0.01"), required=False, **MONEY)
    scope = forms.CharField(label=_("New service content"), widget=_text(4), required=False)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone_numbers = []
        for milestone in contract.milestones.order_by("number"):
            number = milestone.number
            self.milestone_numbers.append(number)
            self.fields[f"due_{number}"] = forms.DateField(
                label=_("Milestone %(number)s: report due") % {"number": number},
                widget=DATE,
                initial=milestone.due_on,
            )
            self.fields[f"share_{number}"] = forms.DecimalField(
                label=_("Milestone %(number)s: payment share (%%)") % {"number": number},
                initial=milestone.share,
                min_value=Decimal("0.01"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
            )

    def milestone_rows(self):
        return [
            {"number": n, "due_on": self.cleaned_data[f"due_{n}"], "share": self.cleaned_data[f"share_{n}"]}
            for n in self.milestone_numbers
        ]


class ContractFilter(forms.Form):
    state = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + list(Contract.State.choices), required=False
    )
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
