"""Public results (/results/): every result announcement (结果公告), newest
first, searchable by reference, title or winner; each row leads to the
project's result page (``/projects/<ref>/result/``).  The rows come from
``marketplace.evaluation.selectors`` in a fixed number of queries."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from marketplace.evaluation import selectors
from marketplace.procurement.selectors import projects as project_selectors

PER_PAGE = 20


class ResultSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Reference, title or winner"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": project_selectors.SEARCH_MAX_LENGTH}),
    )

    def clean_q(self):
        return project_selectors.normalise_query(self.cleaned_data.get("q"))

    def query(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("q") or ""


def _projects_url(request):
    from cms.models import Section, SectionPage

    section = SectionPage.objects.filter(section=Section.PROJECTS).first()
    return section.get_url(request) if section is not None else "/projects/"


def index(request, page):
    form = ResultSearchForm(request.GET or None)
    query = form.query() if form.is_bound else ""
    paginator = Paginator(selectors.public_results(query), PER_PAGE)
    results_page = paginator.get_page(request.GET.get("page"))
    kept = {"q": query} if query else {}
    return render(
        request,
        "cms/results/index.html",
        {
            "page": page,
            "search_form": form,
            "query": query,
            "results_page": results_page,
            "results": selectors.result_rows(results_page.object_list),
            "result_count": paginator.count,
            "results_url": page.get_url(request),
            "projects_url": _projects_url(request),
            "pagination_query": urlencode(kept) + "&" if kept else "",
        },
    )
