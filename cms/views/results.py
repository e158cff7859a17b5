"""Public results (/results/): every result announcement (结果公告), newest
first, searchable by reference, title or winner; each row leads to the
project's result page (``/projects/<ref>/result/``).  The rows come from
``marketplace.evaluation.selectors`` in a fixed number of queries."""

from django.shortcuts import render
from django.urls import reverse

from marketplace.core.paging import bounded_page
from marketplace.evaluation import selectors
from marketplace.evaluation.filters import ResultSearchFilterSet

PER_PAGE = 20


def _projects_url(request):
    from cms.models import Section, SectionPage

    section = SectionPage.objects.filter(section=Section.PROJECTS).first()
    return section.get_url(request) if section is not None else "/projects/"


def index(request, page):
    filterset = ResultSearchFilterSet(request.GET)
    query = filterset.values["query"]
    results_page = bounded_page(request, filterset.qs, PER_PAGE)
    return render(
        request,
        "cms/results/index.html",
        {
            "page": page,
            "search_form": filterset.form,
            "query": query,
            "results_page": results_page,
            "results": selectors.result_rows(results_page.object_list),
            "result_count": results_page.paginator.count,
            "results_url": page.get_url(request),
            "projects_url": _projects_url(request),
            "pagination_query": filterset.querystring,
            "open_data_url": reverse("ocds:index"),
        },
    )
