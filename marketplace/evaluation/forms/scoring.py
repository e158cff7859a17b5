"""Forms of the evaluators' workspace (/evaluate/).  They read and shape the
input; ``marketplace.evaluation.services.committee`` and ``.evaluation`` check the
rules and change state (a ``ProjectError`` comes back onto its field here)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.errors import DomainError
from marketplace.core.forms import ServiceErrorMixin
from marketplace.evaluation.models import Declaration
from marketplace.evaluation.services.ranking import criterion_max
from marketplace.evaluation.services.scoring import REASON_LIMIT, EvaluationError, clean_scores

NOTE_MAX = 2000


def _text(value):
    return (value or "").strip()


class _ServiceErrors(ServiceErrorMixin):
    """A service's refusal next to the field it concerns, else on the form;
    a refusal that lists several (``error.errors``: [(field, message)], from
    ``scoring.clean_scores``) puts each where it belongs."""

    def add_service_error(self, error):
        shown_on = [
            super(_ServiceErrors, self).add_service_error(DomainError(message, field))
            for field, message in getattr(error, "errors", None) or [(error.field, error.message)]
        ]
        return all(shown_on) and shown_on[0]


class _Confirmed(_ServiceErrors, forms.Form):
    """An irreversible step, confirmed by ticking a box (no JavaScript needed)."""

    confirm_label = _("I confirm.")
    confirm = forms.BooleanField(error_messages={"required": _("Tick the box to confirm.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = self.confirm_label
        self.order_fields([name for name in self.fields if name != "confirm"] + ["confirm"])


# --- the declaration of interests (回避声明) ---------------------------------------------------


class DeclarationForm(_Confirmed):
    """For every bidder: a relationship (or none) and, for a relationship,
    what it is.  Any relationship withdraws the member from the committee."""

    confirm_label = _(
        "I declare this truthfully. I understand that a relationship withdraws me from this committee and "
        "that a false declaration is a breach of the evaluation rules."
    )

    def __init__(self, *args, bids, **kwargs):
        self.bids = list(bids)
        super().__init__(*args, **kwargs)
        for bid in self.bids:
            name = bid.organization.name
            self.fields[f"relationship_{bid.pk}"] = forms.ChoiceField(
                label=gettext("Your relationship with %(name)s") % {"name": name},
                choices=Declaration.Relationship.choices,
                widget=forms.RadioSelect,
                error_messages={"required": gettext("Answer for %(name)s.") % {"name": name}},
            )
            self.fields[f"detail_{bid.pk}"] = forms.CharField(
                label=gettext("What is the relationship with %(name)s?") % {"name": name},
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Required when you declare a relationship."),
            )
        self.order_fields([name for name in self.fields if name != "confirm"] + ["confirm"])

    def clean(self):
        data = super().clean()
        for bid in self.bids:
            relationship = data.get(f"relationship_{bid.pk}")
            if (
                relationship
                and relationship != Declaration.Relationship.NONE
                and not _text(data.get(f"detail_{bid.pk}"))
            ):
                self.add_error(
                    f"detail_{bid.pk}",
                    gettext("Describe your relationship with %(name)s.") % {"name": bid.organization.name},
                )
        return data

    def rows(self):
        """(bid, relationship field, detail field) for each bidder."""
        return [(bid, self[f"relationship_{bid.pk}"], self[f"detail_{bid.pk}"]) for bid in self.bids]

    def answers(self):
        data = self.cleaned_data
        return {bid.pk: (data[f"relationship_{bid.pk}"], _text(data.get(f"detail_{bid.pk}"))) for bid in self.bids}


# --- the score sheet -------------------------------------------------------------------------------


class ScoreForm(_ServiceErrors, forms.Form):
    """A score (0..the criterion's maximum) and a short reason for each
    non-price criterion.  The numbers are checked by the service (one rule,
    one place); this form keeps what was typed and shows the errors."""

    SAVE = "save"
    SUBMIT = "submit"

    confirm = forms.BooleanField(
        label=_("These scores are final: submit and lock the sheet. Only the chair can reopen it."),
        required=False,
    )

    def __init__(self, *args, criteria, **kwargs):
        self.criteria = list(criteria)
        super().__init__(*args, **kwargs)
        for criterion in self.criteria:
            top = criterion_max(criterion)
            self.fields[f"score_{criterion.pk}"] = forms.CharField(
                label=gettext("Score (0 to %(max)s)") % {"max": f"{top.normalize():f}"},
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": f"{top.normalize():f}"}),
            )
            self.fields[f"reason_{criterion.pk}"] = forms.CharField(
                label=_("Reason"),
                required=False,
                max_length=REASON_LIMIT,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=gettext("A short reason for the score (at most %(limit)s characters).")
                % {"limit": REASON_LIMIT},
            )
        self.order_fields([name for name in self.fields if name != "confirm"] + ["confirm"])

    @classmethod
    def initial_for(cls, sheet):
        if sheet is None:
            return {}
        initial = {}
        for score in sheet.scores.all():
            initial[f"score_{score.criterion_id}"] = f"{score.value:f}"
            initial[f"reason_{score.criterion_id}"] = score.reason
        return initial

    @property
    def submitting(self):
        return self.data.get("action") == self.SUBMIT

    def clean(self):
        data = super().clean()
        if self.submitting and not data.get("confirm"):
            self.add_error("confirm", gettext("Tick the box to submit and lock the sheet."))
            # The service checks the scores only once the form is valid: show
            # their errors now too, so the member corrects everything in one go.
            try:
                clean_scores(self.criteria, self.values(), complete=True)
            except EvaluationError as error:
                for field, message in getattr(error, "errors", [(error.field, error.message)]):
                    if field in self.fields and message not in self.errors.get(field, []):
                        self.add_error(field, message)
        return data

    def rows(self):
        """(criterion, score field, reason field) for each criterion."""
        return [(c, self[f"score_{c.pk}"], self[f"reason_{c.pk}"]) for c in self.criteria]

    def values(self):
        data = self.cleaned_data
        return {c.pk: (data.get(f"score_{c.pk}", ""), data.get(f"reason_{c.pk}", "")) for c in self.criteria}


# --- the chair's actions -----------------------------------------------------------------------------


class ReopenForm(_ServiceErrors, forms.Form):
    reason = forms.CharField(
        label=_("Why reopen this sheet?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded and sent to the member. A report generated before is superseded."),
        error_messages={"required": _("Give the reason for reopening the score sheet.")},
    )


class DeviationForm(_ServiceErrors, forms.Form):
    note = forms.CharField(
        label=_("Why does this score stand?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the deviating score stands.")},
    )


class GenerateReportForm(_Confirmed):
    confirm_label = _(
        "Generate the evaluation report now from the submitted score sheets; every member then confirms it."
    )


class ConfirmReportForm(_Confirmed):
    confirm_label = _("I have read the evaluation report and confirm it.")
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Your confirmation is recorded with the report's SHA-256 digest."),
        error_messages={"required": _("Enter your password to confirm.")},
    )
