"""Filters of the needs lists: the public list (/needs/) and the workbench
queues.  An invalid value is ignored and shown as an error; nothing else is lost."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.models.places import Community
from marketplace.needs.models import Need
from marketplace.needs.selectors import OTHER_CATEGORY


class PublicNeedFilterForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.all(),
        required=False,
        empty_label=_("All communities"),
        error_messages={"invalid_choice": _("Choose a community from the list.")},
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._majors = {
            c.code: c for c in ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code")
        }
        self.fields["category"].choices = [
            ("", _("All categories")),
            *[(c.code, c.name) for c in self._majors.values()],
            (OTHER_CATEGORY, _("Not in the catalogue")),
        ]
        self.fields["status"].choices = [("", _("All statuses")), *Need.State.choices]
        self.fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("Choose a value from the list.")

    def clean_category(self):
        code = self.cleaned_data["category"]
        if not code or code == OTHER_CATEGORY:
            return code or None
        return self._majors[code]

    def filters(self):
        """The valid filters (an invalid one is ignored and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "community": data.get("community"),
            "category": data.get("category"),
            "state": data.get("status") or None,
            "year": data.get("year"),
        }


class StateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All statuses")), *choices]
        self.fields["state"].error_messages["invalid_choice"] = _("Choose a value from the list.")

    def selected_state(self):
        return self.cleaned_data.get("state") if self.is_valid() else None
