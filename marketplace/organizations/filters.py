"""Filters of the organization lists: the public directory (/organizations/)
and the officers' review queue (/work/organizations/).  An invalid value is
ignored and shown as an error; nothing else is lost
(``marketplace.core.filters``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.filters import ChoiceFilter, CodeChoiceFilter, ListFilterSet, ModelChoiceFilter, SearchFilter
from marketplace.core.models.places import Community
from marketplace.organizations.models import Organization
from marketplace.organizations.selectors import organizations as directory
from marketplace.organizations.selectors import review
from marketplace.organizations.selectors.review import ALL_STATES, DEFAULT_STATE


class DirectoryFilterSet(ListFilterSet):
    """/organizations/: ``?q=&track=&kind=&community=<id>&area=<major code>``."""

    q = SearchFilter(
        label=_("Name or credit code"),
        normalise=directory.normalise_query,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": directory.SEARCH_MAX_LENGTH}),
    )
    track = ChoiceFilter(label=_("Track"))
    kind = ChoiceFilter(label=_("Type"))
    community = ModelChoiceFilter(
        label=_("Community"), queryset=directory.directory_communities(), empty_label=_("All communities")
    )
    area = CodeChoiceFilter(label=_("Service area"))

    arguments = {"q": "query", "area": "service_area"}
    defaults = {"query": ""}
    selector = staticmethod(directory.public_organizations)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        fields = self.form.fields
        areas = {area.code: area for area in directory.directory_service_areas()}
        fields["track"].choices = [("", _("All tracks")), *Organization.Track.choices]
        fields["kind"].choices = [("", _("All types")), *Organization.Kind.choices]
        fields["area"].objects = areas
        fields["area"].choices = [("", _("All service areas")), *[(a.code, a.name) for a in areas.values()]]


def _fold_spaces(text):
    return " ".join(text.split()) or None


class ReviewQueueFilterSet(ListFilterSet):
    """The review queue: ``?state=<state or "all">&track=&kind=&community=<id>&q=``.
    Without a state the queue shows what waits for review (submitted, and
    shows it selected); "all" shows every state."""

    state = ChoiceFilter(label=_("Status"), initial=DEFAULT_STATE)
    track = ChoiceFilter(label=_("Track"))
    kind = ChoiceFilter(label=_("Type"))
    community = ModelChoiceFilter(
        label=_("Community"),
        queryset=Community.objects.select_related("district").order_by("street", "name"),
        empty_label=_("All communities"),
    )
    q = SearchFilter(
        label=_("Name or credit code"),
        max_length=100,
        normalise=_fold_spaces,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    defaults = {"state": DEFAULT_STATE}
    selector = staticmethod(review.review_queue)
    invalid_choice = None  # Django's own messages, as the queue always had

    def __init__(self, data=None, **kwargs):
        if data and not data.get("state"):
            data = data.copy()
            data["state"] = DEFAULT_STATE
        super().__init__(data, **kwargs)
        fields = self.form.fields
        fields["state"].choices = [(ALL_STATES, _("All statuses")), *Organization.State.choices]
        fields["track"].choices = [("", _("All tracks")), *Organization.Track.choices]
        fields["kind"].choices = [("", _("All types")), *Organization.Kind.choices]

    def kept(self):
        """The state is always kept (the queue's default is a filter too)."""
        return {"state": self.values["state"], **super().kept()}
