"""Filters of the needs lists: the public list (/needs/) and the workbench
queues (a worker's needs and resident reports, the officers' assessment
queue).  An invalid value is ignored and shown as an error; nothing else is
lost (``marketplace.core.filters``)."""

from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.filters import (
    ChoiceFilter,
    CodeChoiceFilter,
    ListFilterSet,
    ModelChoiceFilter,
    TypedChoiceFilter,
)
from marketplace.core.models.places import Community
from marketplace.needs import selectors
from marketplace.needs.models import Need
from marketplace.needs.selectors import OTHER_CATEGORY


class PublicNeedFilterSet(ListFilterSet):
    """/needs/: ``?community=<id>&category=<major code or "other">&status=&year=``."""

    community = ModelChoiceFilter(
        label=_("Community"), queryset=Community.objects.all(), empty_label=_("All communities")
    )
    category = CodeChoiceFilter(label=_("Category"))
    status = ChoiceFilter(label=_("Status"))
    year = TypedChoiceFilter(label=_("Year"), coerce=int, empty_value=None)

    arguments = {"status": "state"}
    selector = staticmethod(selectors.public_needs)

    def __init__(self, data=None, *, years=None, **kwargs):
        super().__init__(data, **kwargs)
        years = selectors.need_years() if years is None else years
        fields = self.form.fields
        majors = {c.code: c for c in ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code")}
        fields["category"].objects = {**majors, OTHER_CATEGORY: OTHER_CATEGORY}
        fields["category"].choices = [
            ("", _("All categories")),
            *[(c.code, c.name) for c in majors.values()],
            (OTHER_CATEGORY, _("Not in the catalogue")),
        ]
        fields["status"].choices = [("", _("All statuses")), *Need.State.choices]
        fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]


class StateFilterSet(ListFilterSet):
    """A worker's needs or resident reports: ``?state=``.  The view gives the
    states and the selector (which knows the worker's community)."""

    state = ChoiceFilter(label=_("Status"))

    def __init__(self, data=None, *, choices=(), **kwargs):
        super().__init__(data, **kwargs)
        self.form.fields["state"].choices = [("", _("All statuses")), *choices]


class AssessmentFilterSet(StateFilterSet):
    """The officers' assessment queue: ``?state=&community=<id>``."""

    community = ModelChoiceFilter(
        label=_("Community"), queryset=Community.objects.all(), empty_label=_("All communities")
    )
    selector = staticmethod(selectors.assessment_queue)

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("choices", Need.State.choices)
        super().__init__(data, **kwargs)
