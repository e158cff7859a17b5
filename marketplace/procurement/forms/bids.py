"""Forms of the organizations' bidding pages (/org/<pk>/calls/, /org/<pk>/bids/).

The forms only carry what was typed: the rules (price > 0 and within the
budget, text limits, PDF only, eligibility, the deadline) are checked by
``marketplace.procurement.services.bids``, whose refusals the views attach to these
fields by name (``price``, ``response_<criterion pk>``, ``team``,
``experience``, ``file``).
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.forms import ServiceErrorMixin
from marketplace.core.money import format_cny

TEXTAREA = {"rows": 6, "cols": 60}


def _megabytes(limit):
    value = Decimal(limit) / Decimal(1024 * 1024)
    return f"{value.quantize(Decimal('0.1')).normalize():f}"


class BidForm(ServiceErrorMixin, forms.Form):
    """The working copy: price, one response per non-price criterion, team
    and experience.  Anything may be left empty in a draft."""

    price = forms.CharField(
        label=gettext_lazy("Price (yuan)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 16}),
    )
    team = forms.CharField(
        label=gettext_lazy("Team"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=gettext_lazy("Who will do the work: roles, qualifications (e.g. licensed social workers), hours."),
    )
    experience = forms.CharField(
        label=gettext_lazy("Experience"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=gettext_lazy("Similar services the organization has delivered: where, when, for whom, results."),
    )

    def __init__(self, *args, project, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = [criterion for criterion in criteria if not criterion.is_price]
        self.fields["price"].help_text = _(
            "In yuan with at most two decimals, above 0 and at most the budget of ¥%(budget)s."
        ) % {"budget": format_cny(project.budget)}
        fields = {"price": self.fields["price"]}
        for criterion in self.criteria:
            if criterion.max_score is not None:
                score = _("Maximum score: %(score)s.") % {"score": f"{criterion.max_score.normalize():f}"}
            else:
                score = ""
            fields[self.response_name(criterion)] = forms.CharField(
                label=criterion.name,
                required=False,
                strip=False,
                widget=forms.Textarea(attrs=TEXTAREA),
                help_text=" ".join(part for part in (criterion.description, score) if part),
            )
        fields["team"] = self.fields["team"]
        fields["experience"] = self.fields["experience"]
        self.fields = fields

    @staticmethod
    def response_name(criterion):
        return f"response_{criterion.pk}"

    @classmethod
    def initial_for(cls, bid):
        initial = {
            "price": "" if bid.price is None else f"{bid.price:.2f}",
            "team": bid.team,
            "experience": bid.experience,
        }
        for key, text in (bid.responses or {}).items():
            initial[f"response_{key}"] = text
        return initial

    def service_data(self):
        data = self.cleaned_data
        return {
            "price": data.get("price", ""),
            "responses": {str(c.pk): data.get(self.response_name(c), "") for c in self.criteria},
            "team": data.get("team", ""),
            "experience": data.get("experience", ""),
        }

    def response_fields(self):
        """(criterion, bound field) for each non-price criterion, in rubric order."""
        return [(criterion, self[self.response_name(criterion)]) for criterion in self.criteria]


class BidDocumentForm(ServiceErrorMixin, forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title (optional)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For example “Service plan”. Without a title the file name is used."),
    )
    file = forms.FileField(
        label=gettext_lazy("PDF file"),
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
        error_messages={
            "required": gettext_lazy("Choose the PDF file to upload."),
            "empty": gettext_lazy("The file is empty."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "doc")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF only (the content is checked, not the name), at most %(size)s MB.") % {
            "size": _megabytes(settings.BID_DOCUMENT_MAX_BYTES)
        }


class SubmitBidForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm this is our bid; after submission the receipt digest is fixed."),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "submit")
        super().__init__(*args, **kwargs)


class WithdrawBidForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I want to withdraw our bid. It does not count unless we submit it again before the deadline."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "withdraw")
        super().__init__(*args, **kwargs)


class QuestionForm(ServiceErrorMixin, forms.Form):
    question = forms.CharField(
        label=gettext_lazy("Your question"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "maxlength": 2000}),
        help_text=gettext_lazy("At most 2,000 characters. Do not write your organization's name into the question."),
    )
