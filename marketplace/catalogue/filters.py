"""Filters of the public catalogue (/catalogue/): a search and a category
(major or minor, by code).  An unknown category is ignored and shown as an
error; the search still applies (``marketplace.core.filters``)."""

from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.filters import ListFilterSet, ModelChoiceFilter, SearchFilter
from marketplace.core.params import text_param

SEARCH_MAX_LENGTH = 50


def _search_text(value):
    # Without control characters: a NUL byte makes PostgreSQL refuse the query.
    return text_param(value, limit=SEARCH_MAX_LENGTH)


class CatalogueFilterSet(ListFilterSet):
    """``?q=&category=<code>``.  The selector needs the published version:
    the view gives it (``selector=partial(selectors.public_items, version)``)."""

    q = SearchFilter(label=_("Search the catalogue"), prepare=_search_text)
    category = ModelChoiceFilter(
        label=_("Category"),
        queryset=ServiceCategory.objects.select_related("parent"),
        to_field_name="code",
    )

    arguments = {"q": "query"}
    defaults = {"query": ""}
