"""What every list shares: a django-filter ``FilterSet`` that reads the query
string, and the page of rows.

A list is a FilterSet plus a selector.  The FilterSet validates the query
string (its ``form`` is the filter bar the template shows); the selector
reads the rows.  ``filterset.values`` are the valid filters as the selector's
keyword arguments, and ``filterset.qs`` asks the selector with them::

    filterset = PublicNeedFilterSet(request.GET)
    page = paginate(request, filterset.qs)

An invalid value (an unknown status, a community id that is not one) is
ignored and shown as an error on the bar; the other filters still apply, and
the bar keeps every value the user chose.  Nothing here answers 500 to a
hostile query string: each field refuses what it cannot read.

``filterset.querystring`` gives the valid filters back as query parameters
("community=3&status=submitted&"), for the page links of
``includes/pagination.html``."""

import copy

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.http import QueryDict
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from marketplace.core.params import has_control_characters

PER_PAGE = 20
INVALID_CHOICE = _("Choose a value from the list.")


def paginate(request, rows, per_page=PER_PAGE):
    """The page ``?page=`` asks for; a page that is not a number is the first,
    one past the end the last (``Paginator.get_page``)."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


# --- filters whose form fields are Django's own (the bar's HTML stays as it was) -----------


class ChoiceFilter(django_filters.Filter):
    """A select whose choices (with their own "All …" first entry) the
    FilterSet sets per request."""

    field_class = forms.ChoiceField


class TypedChoiceFilter(django_filters.Filter):
    field_class = forms.TypedChoiceField


class ModelChoiceField(forms.ModelChoiceField):
    """Refuses a value with control characters (a NUL byte makes PostgreSQL
    refuse the query) before it reaches the database."""

    def to_python(self, value):
        if value not in self.empty_values and has_control_characters(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelChoiceFilter(django_filters.Filter):
    field_class = ModelChoiceField


class CodeField(forms.ChoiceField):
    """A select of objects named by their ``code`` (categories, service
    areas, purchase methods): it cleans to the object, or to ``None``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.objects = {}  # code -> object, set with the choices

    def clean(self, value):
        code = super().clean(value)
        return self.objects.get(code) if code else None


class CodeChoiceFilter(django_filters.Filter):
    field_class = CodeField


class SearchField(forms.CharField):
    """A search box.  ``prepare`` reads the raw text before it is checked
    (``text_param`` drops control characters rather than refusing them);
    ``normalise`` cleans the checked text (folds spaces, cuts to the longest
    search the list reads)."""

    def __init__(self, *args, prepare=None, normalise=None, **kwargs):
        self.prepare = prepare
        self.normalise = normalise
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if self.prepare is not None:
            value = self.prepare(value)
        return super().to_python(value)

    def clean(self, value):
        value = super().clean(value)
        return self.normalise(value) if self.normalise is not None else value


class SearchFilter(django_filters.Filter):
    field_class = SearchField


# --- the FilterSet ------------------------------------------------------------------------


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet read by a selector (see the module's docstring).

    Subclasses declare their filters (the bar's fields, in order), and may set
    ``arguments`` ({filter name: the selector's keyword}), ``defaults``
    ({selector keyword: value when the filter is not given or invalid}) and
    ``selector`` (``staticmethod(a function taking the keywords)``; or pass
    ``selector=`` when it needs more, such as the worker's community)."""

    arguments = {}
    defaults = {}
    selector = None
    invalid_choice = INVALID_CHOICE  # None keeps Django's own messages

    def __init__(self, data=None, *, selector=None, request=None, prefix=None):
        # Like ``BaseFilterSet.__init__``, without a queryset: the selector reads.
        self.is_bound = bool(data)
        self.data = data or QueryDict()
        self.queryset = None
        self.request = request
        self.form_prefix = prefix
        self.filters = copy.deepcopy(self.base_filters)
        for filter_ in self.filters.values():
            filter_.parent = self
        if selector is not None:
            self.selector = selector
        if self.invalid_choice is not None:
            for field in self.form.fields.values():
                field.error_messages["invalid_choice"] = self.invalid_choice

    @cached_property
    def cleaned(self):
        """{filter name: value} of the valid, given filters."""
        if not self.is_bound:
            return {}
        self.form.is_valid()  # an invalid field is left out of cleaned_data
        data = getattr(self.form, "cleaned_data", {})
        return {name: data[name] for name in self.filters if name in data and data[name] not in (None, "")}

    @cached_property
    def values(self):
        """The selector's keyword arguments: every filter, valid or its default."""
        values = {self.arguments.get(name, name): None for name in self.filters}
        values.update(self.defaults)
        values.update({self.arguments.get(name, name): value for name, value in self.cleaned.items()})
        return values

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self._qs = self.selector(**self.values)
        return self._qs

    def filter_queryset(self, queryset):  # pragma: no cover - the selector filters
        raise NotImplementedError("a ListFilterSet's selector filters: use .qs or .values")

    # --- the filters as query parameters ---------------------------------------------

    def param(self, name, value):
        field = self.form.fields[name]
        if isinstance(field, forms.ModelChoiceField):
            return field.prepare_value(value)
        if hasattr(value, "code"):
            return value.code
        if isinstance(value, models.Model):
            return value.pk
        return value

    def kept(self):
        """{parameter: value} of the valid filters, in the bar's order."""
        return {name: self.param(name, value) for name, value in self.cleaned.items()}

    @property
    def filtered(self):
        return bool(self.kept())

    @property
    def querystring(self):
        kept = self.kept()
        return urlencode(kept) + "&" if kept else ""


def disclosure_scope(ref_lookup, id_lookup, project_ref=None, project_ids=None):
    """The filter of a domain's ``disclosure_events``: one project by
    reference, some by id, or (neither given) all."""
    scope = {}
    if project_ref:
        scope[ref_lookup] = project_ref
    if project_ids is not None:
        scope[f"{id_lookup}__in"] = list(project_ids)
    return scope


def changed_between(fields, since, until=None):
    """``Q`` of the rows with any of ``fields`` (lookups such as
    ``"published_at"`` or ``"addenda__issued_at"``) in ``(since, until]``,
    OR-ed; ``until=None`` leaves the end open.  The domains' ``…_since``
    functions name the projects that changed in a time window with it (the
    open-data change feed, issue 18).  Each field's two bounds sit in one
    ``Q``, so through a to-many relation both apply to the same related row."""
    found = models.Q()
    for field in fields:
        bounds = {f"{field}__gt": since}
        if until is not None:
            bounds[f"{field}__lte"] = until
        found |= models.Q(**bounds)
    return found
