"""Public demand list (/needs/): every filed need with its state and public
answer, filterable by community, category, status and year, and one page per
need.  Resident reports and every person's name and phone stay off these
pages: they are read only through the public selectors, which never touch
them."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from marketplace.needs import selectors
from marketplace.needs.filters import PublicNeedFilterForm

PER_PAGE = 20


def index(request, page):
    form = PublicNeedFilterForm(request.GET or None, years=selectors.need_years())
    filters = form.filters() if form.is_bound else {"community": None, "category": None, "state": None, "year": None}
    paginator = Paginator(selectors.public_needs(**filters), PER_PAGE)
    needs_page = paginator.get_page(request.GET.get("page"))
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
    kept = {
        "community": filters["community"].pk if filters["community"] else "",
        "category": form.data.get("category", "") if filters["category"] else "",
        "status": filters["state"] or "",
        "year": filters["year"] or "",
    }
    kept = {k: v for k, v in kept.items() if v}
    return render(
        request,
        "cms/needs/index.html",
        {
            "page": page,
            "filter_form": form,
            "filtered": bool(kept),
            "needs_page": needs_page,
            "rows": rows,
            "result_count": paginator.count,
            "community_fund": community_fund,
            "filter_community": filters["community"],
            "filter_year": filters["year"],
            "needs_url": page.get_url(request),
            "report_url": reverse("resident_report"),
            "pagination_query": urlencode(kept) + "&" if kept else "",
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
