"""Filters of the purchase-project lists: the public list (/projects/), the
officers' workbench (/work/projects/), and an organization's open calls and
bids (/orgs/<id>/calls/, /orgs/<id>/bids/).  An invalid value is ignored and
shown as an error; nothing else is lost (``marketplace.core.filters``).

Bid states come from the sealed-bid selector: this module reads no bid model."""

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from marketplace.core.filters import (
    ChoiceFilter,
    CodeChoiceFilter,
    ListFilterSet,
    ModelChoiceFilter,
    SearchFilter,
)
from marketplace.core.models.places import Community
from marketplace.procurement.models.projects import Project, PurchaseMethod
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.selectors import projects as public
from marketplace.procurement.selectors import work


def _fold_spaces(text):
    return " ".join(text.split()) or None


class PublicProjectFilterSet(ListFilterSet):
    """/projects/: ``?q=&method=<code>&community=<id>&category=<major code>&state=``
    (public states only, or ``all``).  Without ``state`` it lists the open
    calls (招标中), nearest deadline first; ``state_tabs`` gives each state's
    count under the other filters, with its link."""

    q = SearchFilter(
        label=_("Reference or title"),
        normalise=public.normalise_query,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": public.SEARCH_MAX_LENGTH}),
    )
    method = CodeChoiceFilter(label=_("Method"))
    community = ModelChoiceFilter(
        label=_("Community"), queryset=public.filter_communities(), empty_label=_("All communities")
    )
    category = CodeChoiceFilter(label=_("Category"))
    state = ChoiceFilter(label=_("Status"))

    arguments = {"q": "query"}
    defaults = {"query": "", "state": Project.State.PUBLISHED}
    selector = staticmethod(public.public_projects)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        fields = self.form.fields
        methods = {m.code: m for m in public.filter_methods()}
        categories = {c.code: c for c in public.filter_categories()}
        fields["method"].objects = methods
        fields["method"].choices = [("", _("All methods")), *[(m.code, m.label) for m in methods.values()]]
        fields["category"].objects = categories
        fields["category"].choices = [("", _("All categories")), *[(c.code, c.name) for c in categories.values()]]
        fields["state"].choices = [
            *[(value, label) for value, label in Project.State.choices if value in public.PUBLIC_STATES],
            (public.ALL_PUBLIC_STATES, _("All statuses")),
        ]

    def kept(self):
        """The open calls are the default: not a parameter."""
        kept = super().kept()
        if kept.get("state") == Project.State.PUBLISHED:
            del kept["state"]
        return kept

    @property
    def chosen_state(self):
        """The state listed: the valid ``state``, else the open calls."""
        return self.values["state"]

    def state_tabs(self):
        """[{"state", "label", "count", "query", "current"}]: one link per
        public state (the open calls first) and one for all, each keeping the
        other filters."""
        counts = public.public_state_counts(**self.values)
        others = urlencode({name: value for name, value in self.kept().items() if name != "state"})
        tabs = []
        for value, label in self.form.fields["state"].choices:
            params = "" if value == Project.State.PUBLISHED else f"state={value}"
            query = "&".join(part for part in (others, params) if part)
            tabs.append(
                {
                    "state": value,
                    "label": label,
                    "count": counts.get(value, 0),
                    "query": f"?{query}" if query else "",
                    "current": value == self.chosen_state,
                }
            )
        return tabs


class OfficerProjectFilterSet(ListFilterSet):
    """/work/projects/: ``?state=<state or "all">&method=<id>&community=<id>&q=``."""

    state = ChoiceFilter(label=_("Status"))
    method = ModelChoiceFilter(label=_("Method"), queryset=PurchaseMethod.objects.all(), empty_label=_("All methods"))
    community = ModelChoiceFilter(
        label=_("Community"), queryset=Community.objects.order_by("street", "name"), empty_label=_("All communities")
    )
    q = SearchFilter(
        label=_("Reference or title"),
        max_length=100,
        normalise=_fold_spaces,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    defaults = {"state": work.ALL_STATES}
    selector = staticmethod(work.officer_projects)
    invalid_choice = None  # Django's own messages, as the workbench always had

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.form.fields["state"].choices = [(work.ALL_STATES, _("All statuses")), *Project.State.choices]

    def kept(self):
        """ "All statuses" is the default: not a parameter."""
        kept = super().kept()
        if kept.get("state") == work.ALL_STATES:
            del kept["state"]
        return kept


class CallFilterSet(ListFilterSet):
    """An organization's open calls: ``?show=all|eligible&method=<id>&q=``.
    Whether the organization may bid is asked per row, so the view applies
    ``show`` to the rows; the selector reads the calls."""

    ELIGIBLE = "eligible"
    ALL = "all"

    show = ChoiceFilter(
        label=_("Show"),
        choices=[(ALL, _("All open calls")), (ELIGIBLE, _("Only those we may bid on"))],
    )
    method = ModelChoiceFilter(
        label=_("Method"), queryset=PurchaseMethod.objects.filter(active=True), empty_label=_("All methods")
    )
    q = SearchFilter(label=_("Search"), max_length=100, normalise=str.strip)

    defaults = {"show": ALL, "q": ""}
    selector = staticmethod(public.open_calls)
    invalid_choice = None

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.form.fields["method"].label_from_instance = lambda method: method.label

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self._qs = self.selector(method=self.values["method"], q=self.values["q"])
        return self._qs

    def kept(self):
        kept = super().kept()
        if kept.get("show") == self.ALL:
            del kept["show"]
        return kept


class BidFilterSet(ListFilterSet):
    """An organization's bids: ``?state=&q=``.  The view gives the selector
    (``bid_selectors.organization_bid_list`` for the member and organization)."""

    state = ChoiceFilter(label=_("Status"))
    q = SearchFilter(label=_("Search"), max_length=100, normalise=str.strip)

    defaults = {"state": "", "q": ""}
    invalid_choice = None

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.form.fields["state"].choices = [("", _("All")), *bid_selectors.BID_STATE_CHOICES]
