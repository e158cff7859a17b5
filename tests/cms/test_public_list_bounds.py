"""The public lists at scale (issue 18): bounded counts and pages
(``marketplace.core.paging``), values kept per page-cache generation
(``marketplace.core.generation_cache``), and on PostgreSQL the indexes that
give each list's first page in its order without a sort."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cms.views import needs as need_views
from cms.views import projects as project_views
from marketplace.core import generation_cache, paging
from marketplace.evaluation import selectors as result_selectors
from marketplace.models import Need, Project
from marketplace.needs import selectors as need_selectors
from marketplace.procurement.selectors import projects as project_selectors


def _page(rows, query, per_page=2):
    request = RequestFactory().get("/", QueryDict(query))
    return paging.bounded_page(request, rows, per_page)


# --- the paginator ---------------------------------------------------------------------------


def test_bounded_paginator_counts_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 3)
    under = _page(list(range(5)), "")
    assert (under.paginator.count, under.paginator.capped, under.paginator.num_pages) == (5, False, 3)
    assert not under.at_cap and not under.beyond_cap
    exact = _page(list(range(6)), "page=3")  # exactly the cap: nothing is left out
    assert (exact.paginator.count, exact.paginator.capped, exact.at_cap) == (6, False, False)
    over = _page(list(range(100)), "page=3")
    assert (over.paginator.count, over.paginator.capped, over.paginator.num_pages) == (6, True, 3)
    assert over.at_cap and not over.beyond_cap and list(over) == [4, 5] and not over.has_next()
    beyond = _page(list(range(100)), "page=4")
    assert beyond.beyond_cap and beyond.number == 3 and list(beyond) == [4, 5]


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "²", "١", "1e3", "9" * 40, " 2", "2.0", "\x00"])
def test_bad_page_values_give_a_page_not_an_error(value, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 3)
    page = _page(list(range(100)), f"page={value}")
    assert 1 <= page.number <= 3
    assert not page.beyond_cap


@pytest.mark.django_db
def test_a_querysets_count_stops_at_the_cap(site, make_need, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 1)
    for n in range(4):
        make_need("submitted", title=f"计数{n}")
    with CaptureQueriesContext(connection) as captured:
        page = _page(need_selectors.public_needs(), "")
    assert (page.paginator.count, page.paginator.capped) == (2, True)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 3" in counts[0].upper()


# --- the lists ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_needs_list_serves_its_first_pages_and_keeps_the_filters(client, site, make_need, community, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    monkeypatch.setattr(need_views, "PER_PAGE", 1)
    for n in range(3):
        make_need("submitted", title=f"封顶需求{n}")
    first = client.get("/needs/", {"community": community.pk})
    assert first.status_code == 200 and first.context["needs_page"].paginator.capped
    assert first.context["result_count"] == 2
    assert f"?community={community.pk}&amp;page=2" in first.content.decode()
    beyond = client.get("/needs/", {"community": community.pk, "page": "7"})
    html = beyond.content.decode()
    assert beyond.status_code == 200 and "list-cap" in html and "封顶需求1" in html  # the second newest
    assert 'href="/ocds/"' not in html  # the needs are not in the open data: the filters only
    for bad in ("x", "-3", "0", "99999999999999999999999"):
        assert client.get("/needs/", {"page": bad}).status_code == 200


@pytest.mark.django_db
def test_projects_list_takes_its_count_from_the_state_tab(client, site, make_project, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    monkeypatch.setattr(project_views, "PER_PAGE", 1)
    for n in range(3):
        make_project("published", title=f"封顶项目{n}", budget=Decimal("1000.00"))
    client.get("/projects/")  # warm up (site, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/projects/", {"page": "5"})
    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "GROUP BY" in counts[0].upper()  # the tabs' counts, nothing else
    page = response.context["projects_page"]
    assert page.paginator.capped and page.beyond_cap and page.number == 2
    html = response.content.decode()
    assert "list-cap" in html and 'href="/ocds/"' in html
    assert client.get("/projects/", {"page": "²", "state": "all"}).status_code == 200


# --- values kept per generation ----------------------------------------------------------------


@pytest.fixture
def page_cache_on(settings, tmp_path):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    settings.PUBLIC_PAGE_CACHE_GENERATION = "auto"
    settings.PUBLIC_PAGE_CACHE_GENERATION_FILE = tmp_path / "page-cache-generation"


@pytest.mark.django_db(transaction=True)
def test_need_years_are_read_once_per_change_of_public_data(page_cache_on, make_need, django_assert_num_queries):
    need = make_need("submitted")
    years = need_selectors.need_years()
    assert years == [need.year]
    with django_assert_num_queries(0):
        assert need_selectors.need_years() == years
    with transaction.atomic():
        Need.objects.filter(pk=need.pk).update(year=need.year - 3)
        Need.objects.get(pk=need.pk).save()  # a saved public row draws a new generation on commit
    assert need_selectors.need_years() == [need.year - 3]


@pytest.mark.django_db(transaction=True)
def test_project_state_counts_are_kept_only_without_filters(page_cache_on, make_project, django_assert_num_queries):
    project = make_project("published")
    counts = project_selectors.public_state_counts()
    assert counts[Project.State.PUBLISHED] == 1 and counts[project_selectors.ALL_PUBLIC_STATES] == 1
    with django_assert_num_queries(0):
        assert project_selectors.public_state_counts() == counts
    with django_assert_num_queries(1):  # a search is counted afresh
        project_selectors.public_state_counts(query=project.ref)
    project.save()
    assert project_selectors.public_state_counts() == counts


@pytest.mark.django_db
def test_without_the_page_cache_nothing_is_kept(settings, django_assert_num_queries):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    calls = []
    assert generation_cache.per_generation("x", lambda: calls.append(1) or 5) == 5
    assert generation_cache.per_generation("x", lambda: calls.append(1) or 5) == 5
    assert calls == [1, 1]


# --- the indexes -------------------------------------------------------------------------------


def test_the_public_project_indexes_cover_exactly_the_public_states():
    for index in Project._meta.indexes:
        if index.name.startswith("project_public_"):
            states = dict(index.condition.children)["state__in"]
            assert sorted(states) == sorted(project_selectors.PUBLIC_STATES)


def _plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("results", "award_recent"),
        ("needs", "need_recent"),
        ("open calls", "project_open_deadline"),
        ("all projects", "project_public_recent"),
        ("contracted projects", "project_public_state_recent"),
    ],
)
def test_each_lists_first_page_walks_its_index_in_order(name, index):
    """With sorting priced out, the first page is read in its order from the
    index (a plan that still sorts means the index does not match the ORDER BY),
    and the results' shown-award filter is a per-row question, never a hash of
    every award."""
    queryset = {
        "results": result_selectors.public_results,
        "needs": need_selectors.public_needs,
        "open calls": lambda: project_selectors.public_projects(state=Project.State.PUBLISHED),
        "all projects": lambda: project_selectors.public_projects(state=project_selectors.ALL_PUBLIC_STATES),
        "contracted projects": lambda: project_selectors.public_projects(state=Project.State.CONTRACTED),
    }[name]()
    with transaction.atomic():
        plan = _plan(queryset[:20])
    assert index in plan, plan
    assert "Sort" not in plan, plan
    assert "hashed SubPlan" not in plan, plan
