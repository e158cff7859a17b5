"""Public demand list (/needs/): every filed need with its state and public
answer, filterable by community, category, status and year, and one page per
need.  Resident reports and every person's name and phone stay off these
pages: they are read only through the public selectors, which never touch
them."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from marketplace.core.filters import PER_PAGE
from marketplace.core.paging import bounded_page
from marketplace.needs import selectors
from marketplace.needs.filters import PublicNeedFilterSet


def index(request, page):
    filterset = PublicNeedFilterSet(request.GET)
    filters = filterset.values
    needs_page = bounded_page(request, filterset.qs, PER_PAGE)
    needs = list(needs_page.object_list)
    committed = [n for n in needs if n.state in selectors.COMMITTED_STATES]
    funds = selectors.fund_statuses((n.community_id, n.year) for n in committed)
    # Accepted and planned needs show their cost against the fund.
    rows = [
        (need, funds[(need.community_id, need.year)] if need.state in selectors.COMMITTED_STATES else None)
        for need in needs
    ]
    community_fund = None
    if filters["community"] is not None and filters["year"]:
        community_fund = selectors.fund_statuses([(filters["community"].pk, filters["year"])])[
            (filters["community"].pk, filters["year"])
        ]
    return render(
        request,
        "cms/needs/index.html",
        {
            "page": page,
            "filter_form": filterset.form,
            "filtered": filterset.filtered,
            "needs_page": needs_page,
            "rows": rows,
            "result_count": needs_page.paginator.count,
            "community_fund": community_fund,
            "filter_community": filters["community"],
            "filter_year": filters["year"],
            "needs_url": page.get_url(request),
            "report_url": reverse("resident_report"),
            "pagination_query": filterset.querystring,
        },
    )


def detail(request, page, key):
    if not (key.isascii() and key.isdigit()) or len(key) > 18:
        raise Http404
    need = selectors.public_need(int(key))
    if need is None:
        raise Http404
    fund = None
    if need.state in selectors.COMMITTED_STATES:
        fund = selectors.fund_status(need.community, need.year)
    return render(
        request,
        "cms/needs/detail.html",
        {"page": page, "need": need, "fund": fund, "needs_url": page.get_url(request)},
    )
