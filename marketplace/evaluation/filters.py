"""Filters of the evaluation lists: the public results (/results/), searched
by reference, title or winner (``marketplace.core.filters``).  The
evaluators' index (/work/evaluation/) has no filter, only pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.filters import ListFilterSet, SearchFilter
from marketplace.evaluation import selectors
from marketplace.procurement.selectors import projects as project_selectors


class ResultSearchFilterSet(ListFilterSet):
    """/results/: ``?q=``."""

    q = SearchFilter(
        label=_("Reference, title or winner"),
        normalise=project_selectors.normalise_query,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": project_selectors.SEARCH_MAX_LENGTH}),
    )

    arguments = {"q": "query"}
    defaults = {"query": ""}
    selector = staticmethod(selectors.public_results)
