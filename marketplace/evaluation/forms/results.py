"""The challenge form (质疑) of the organizations' result page
(/org/<pk>/bids/<ref>/result/).

The rules (who may challenge, until when, once per award, the grounds'
length, the documents' content and size) are checked by
``marketplace.evaluation.services.awards.file_challenge``, whose refusals the view
attaches to ``reasons`` or ``files``.  The documents are also read here
first, so that a wrong file is refused before anything is stored.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.forms import ServiceErrorMixin
from marketplace.core.uploads import UploadRefusedError
from marketplace.evaluation.services import awards
from marketplace.organizations.services import documents as document_services


def _megabytes(limit):
    value = Decimal(limit) / Decimal(1024 * 1024)
    return f"{value.quantize(Decimal('0.1')).normalize():f}"


class MultipleFileInput(forms.FileInput):
    """A file input that accepts several files (``<input multiple>``)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Cleans a list of uploaded files (possibly empty when not required)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            if not data:
                return [single(None, initial)] if self.required else []
            return [file for file in (single(item, initial) for item in data) if file]
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


class ChallengeForm(ServiceErrorMixin, forms.Form):
    reasons = forms.CharField(
        label=gettext_lazy("Grounds of the challenge"),
        min_length=10,
        error_messages={
            "required": gettext_lazy("State the grounds of the challenge (at least 10 characters)."),
            "min_length": gettext_lazy("State the grounds of the challenge (at least 10 characters)."),
        },
        widget=forms.Textarea(attrs={"rows": 10, "cols": 70}),
        help_text=gettext_lazy(
            "What in the procedure or the result harmed your organization's rights, and why: the facts, "
            "the rule of the call or the law concerned, and what you ask for."
        ),
    )
    files = MultipleFileField(
        label=gettext_lazy("Supporting documents"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I confirm that this challenge is filed on behalf of our organization, that its content is true, "
            "and that it cannot be withdrawn or filed again against this result."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "Optional. PDF, JPEG or PNG (the content is checked, not the name), at most %(size)s MB each, "
            "at most %(count)s files."
        ) % {
            "size": _megabytes(awards.CHALLENGE_DOCUMENT_MAX_BYTES),
            "count": awards.MAX_CHALLENGE_DOCUMENTS,
        }

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > awards.MAX_CHALLENGE_DOCUMENTS:
            raise forms.ValidationError(_("At most %(count)s documents.") % {"count": awards.MAX_CHALLENGE_DOCUMENTS})
        errors = []
        for file in files:
            try:
                document_services.read_upload(file, limit=awards.CHALLENGE_DOCUMENT_MAX_BYTES)
            except UploadRefusedError as error:
                name = document_services.clean_original_name(getattr(file, "name", ""))
                errors.append(_("%(name)s: %(message)s") % {"name": name, "message": error.message})
        if errors:
            raise forms.ValidationError(errors)
        return files
