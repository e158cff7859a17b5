"""The lists' FilterSets (``marketplace/<domain>/filters.py``): a valid filter
narrows the list, an invalid value is ignored with its error (never a 500)
while the other filters still apply, and the bar keeps the user's values."""

from decimal import Decimal
from functools import partial

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import translation

from marketplace.catalogue import selectors as catalogue_selectors
from marketplace.catalogue.filters import CatalogueFilterSet
from marketplace.evaluation.filters import ResultSearchFilterSet
from marketplace.models import Community
from marketplace.needs import selectors as need_selectors
from marketplace.needs.filters import AssessmentFilterSet, PublicNeedFilterSet, StateFilterSet
from marketplace.needs.models import Need
from marketplace.organizations.filters import DirectoryFilterSet, ReviewQueueFilterSet
from marketplace.procurement.filters import (
    BidFilterSet,
    CallFilterSet,
    OfficerProjectFilterSet,
    PublicProjectFilterSet,
)
from marketplace.procurement.selectors import bids as bid_selectors
from tests.project_fixtures import submit_bid

SMALL = Decimal("20000.00")
CHOOSE = "Choose a value from the list."
DJANGO_CHOOSE = "Select a valid choice."


def _filterset(cls, query, **kwargs):
    return cls(QueryDict(query), **kwargs)


def _errors(filterset):
    with translation.override("en"):
        return {name: [str(e) for e in errors] for name, errors in filterset.form.errors.items()}


def _kept_in_form(filterset, name, value):
    """The bar shows the user's value selected (or typed) again."""
    html = str(filterset.form[name])
    return f'value="{value}" selected' in html or f'value="{value}"' in html and "<select" not in html


@pytest.fixture
def other(district):
    return Community.objects.create(district=district, street="西城街道", code="T01-02", name="光明社区")


# --- needs ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_needs(make_need, community, other_worker, other_community):
    mine = make_need("submitted", title="本社区的需求")
    theirs = make_need("submitted", by=other_worker, title="别的社区的需求")
    narrowed = _filterset(PublicNeedFilterSet, f"community={community.pk}")
    assert list(narrowed.qs) == [mine] and narrowed.querystring == f"community={community.pk}&"

    bad = _filterset(PublicNeedFilterSet, f"community={community.pk}&status=bogus&year=1900&category=ZZ")
    assert _errors(bad) == {"status": [CHOOSE], "year": [CHOOSE], "category": [CHOOSE]}
    assert list(bad.qs) == [mine]  # the valid community still applies
    assert _kept_in_form(bad, "community", community.pk)
    assert bad.querystring == f"community={community.pk}&"

    everything = _filterset(PublicNeedFilterSet, "community=abc")
    assert _errors(everything) == {"community": [CHOOSE]}
    assert set(everything.qs) == {mine, theirs}
    assert not PublicNeedFilterSet(QueryDict()).is_bound


@pytest.mark.django_db
def test_worker_state_filter(make_need, community):
    submitted = make_need("submitted")
    make_need("accepted")
    selector = partial(need_selectors.community_needs, community)
    narrowed = _filterset(StateFilterSet, "state=submitted", choices=Need.State.choices, selector=selector)
    assert list(narrowed.qs) == [submitted] and narrowed.querystring == "state=submitted&"
    bad = _filterset(StateFilterSet, "state=zz", choices=Need.State.choices, selector=selector)
    assert _errors(bad) == {"state": [CHOOSE]} and bad.qs.count() == 2 and bad.querystring == ""


@pytest.mark.django_db
def test_assessment_queue(make_need, community, other_worker):
    mine = make_need("submitted")
    make_need("submitted", by=other_worker)
    narrowed = _filterset(AssessmentFilterSet, f"community={community.pk}")
    assert list(narrowed.qs) == [mine]
    bad = _filterset(AssessmentFilterSet, f"state=zz&community={community.pk}")
    assert _errors(bad) == {"state": [CHOOSE]}
    assert list(bad.qs) == [mine] and _kept_in_form(bad, "community", community.pk)
    odd = _filterset(AssessmentFilterSet, "community=%00x&state=submitted")
    assert _errors(odd) == {"community": [CHOOSE]} and odd.qs.count() == 2


@pytest.mark.django_db
def test_needs_pages_show_the_error_and_keep_the_other_values(client, site, make_need, community, worker, officer):
    make_need("submitted", title="照常显示")
    html = client.get(f"/needs/?community={community.pk}&status=bogus").content.decode()
    assert "照常显示" in html and 'class="form-errors"' in html
    assert f'<option value="{community.pk}" selected>' in html
    pages = (
        (worker, "/work/needs/?state=zz"),
        (worker, "/work/reports/?state=zz"),
        (officer, f"/work/assessment/?state=zz&community={community.pk}"),
    )
    for user, url in pages:
        browser = Client()
        browser.force_login(user)
        response = browser.get(url)
        assert response.status_code == 200 and 'class="form-errors"' in response.content.decode(), url


# --- organizations -------------------------------------------------------------------------


@pytest.mark.django_db
def test_directory(make_org, other):
    filed = make_org("approved", name="甲·助老服务队")
    registered = make_org("approved", track="registered", name="丙·社工服务中心", community=other)
    narrowed = _filterset(DirectoryFilterSet, "track=registered")
    assert list(narrowed.qs) == [registered]
    bad = _filterset(DirectoryFilterSet, "track=filed&kind=x&community=99999&area=ZZ&q=%20%E5%8A%A9%E8%80%81%20")
    assert _errors(bad) == {"kind": [CHOOSE], "community": [CHOOSE], "area": [CHOOSE]}
    assert list(bad.qs) == [filed]  # track and the search still apply
    assert bad.querystring == "q=%E5%8A%A9%E8%80%81&track=filed&"
    assert _kept_in_form(bad, "track", "filed")


@pytest.mark.django_db
def test_review_queue(make_org):
    submitted = make_org("submitted", name="待审核的组织")
    approved = make_org("approved", name="已通过的组织")
    default = _filterset(ReviewQueueFilterSet, "track=filed")
    assert list(default.qs) == [submitted]  # without a state: what waits for review
    assert default.querystring == "state=submitted&track=filed&"
    assert list(_filterset(ReviewQueueFilterSet, "state=approved").qs) == [approved]
    bad = _filterset(ReviewQueueFilterSet, "state=all&track=zz&community=abc")
    errors = _errors(bad)
    assert set(errors) == {"track", "community"} and all(e[0].startswith(DJANGO_CHOOSE) for e in errors.values())
    assert set(bad.qs) == {submitted, approved} and _kept_in_form(bad, "state", "all")


@pytest.mark.django_db
def test_review_queue_page(make_org, officer_user):
    make_org("submitted", name="待审核的组织")
    browser = Client()
    browser.force_login(officer_user)
    html = browser.get("/work/organizations/?track=zz&q=待审核").content.decode()
    assert "待审核的组织" in html and 'class="form-errors"' in html and 'value="待审核"' in html


# --- procurement ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_projects(make_project, published, other):
    tender = make_project("published", title="居家养老公开招标", budget=SMALL)
    consult = make_project(
        "published", title="课后托管竞争性磋商", method_code="consultation", days=15, communities=[other], budget=SMALL
    )
    assert list(_filterset(PublicProjectFilterSet, "method=consultation").qs) == [consult]
    bad = _filterset(PublicProjectFilterSet, "method=zz&state=draft&category=QQ&community=abc&q=%E5%85%BB%E8%80%81")
    assert _errors(bad) == {"method": [CHOOSE], "state": [CHOOSE], "category": [CHOOSE], "community": [CHOOSE]}
    assert list(bad.qs) == [tender] and bad.querystring == "q=%E5%85%BB%E8%80%81&"
    assert 'value="养老"' in str(bad.form["q"])


@pytest.mark.django_db
def test_officer_projects(make_project, officer):
    published = make_project("published", title="居家养老公开招标", budget=SMALL)
    draft = make_project("draft", title="草稿项目", budget=SMALL)
    assert list(_filterset(OfficerProjectFilterSet, "state=draft").qs) == [draft]
    every = _filterset(OfficerProjectFilterSet, "state=all")
    assert set(every.qs) == {published, draft} and every.querystring == ""
    bad = _filterset(OfficerProjectFilterSet, "state=zz&method=999&q=%E5%85%BB%E8%80%81")
    assert set(_errors(bad)) == {"state", "method"}
    assert list(bad.qs) == [published] and bad.querystring == "q=%E5%85%BB%E8%80%81&"
    browser = Client()
    browser.force_login(officer)
    response = browser.get("/work/projects/?state=zz&method=999&q=养老")
    assert response.status_code == 200 and 'class="form-errors"' in response.content.decode()


@pytest.mark.django_db
def test_calls_and_bids(make_project, bidder, org_admin):
    tender = make_project("published", title="居家养老公开招标", budget=SMALL)
    make_project("published", title="课后托管", budget=SMALL)
    calls = _filterset(CallFilterSet, "show=zz&q=%E5%85%BB%E8%80%81")
    assert set(_errors(calls)) == {"show"}
    assert list(calls.qs) == [tender]  # the search still applies
    assert calls.values["show"] == CallFilterSet.ALL and calls.querystring == "q=%E5%85%BB%E8%80%81&"

    submit_bid(tender, bidder, org_admin, price="15000.00")
    selector = partial(bid_selectors.organization_bid_list, org_admin, bidder)
    assert _filterset(BidFilterSet, "state=submitted", selector=selector).qs.count() == 1
    assert _filterset(BidFilterSet, "state=draft", selector=selector).qs.count() == 0
    bad = _filterset(BidFilterSet, "state=zz&q=%E8%AF%BE%E5%90%8E", selector=selector)
    assert set(_errors(bad)) == {"state"} and bad.qs.count() == 0  # the search still applies

    browser = Client()
    browser.force_login(org_admin)
    for url in (f"/org/{bidder.pk}/calls/?show=zz&q=养老", f"/org/{bidder.pk}/bids/?state=zz&q=养老"):
        html = browser.get(url).content.decode()
        assert 'class="form-errors"' in html and 'value="养老"' in html, url


# --- results and the catalogue ------------------------------------------------------------------


@pytest.mark.django_db
def test_result_search():
    searched = _filterset(ResultSearchFilterSet, "q=%20ab%20%20c%20")
    assert searched.values == {"query": "ab c"} and searched.querystring == "q=ab+c&"
    odd = _filterset(ResultSearchFilterSet, "q=a%00b")
    assert set(_errors(odd)) == {"q"} and odd.values == {"query": ""}
    assert list(odd.qs) == []


@pytest.mark.django_db
def test_catalogue(published):
    selector = partial(catalogue_selectors.public_items, published)
    children = _filterset(CatalogueFilterSet, "category=B", selector=selector)
    assert [item.code for item in children.qs] == ["B0101"] and children.querystring == "category=B&"
    bad = _filterset(CatalogueFilterSet, "q=%E5%85%BB%E8%80%81&category=ZZZ", selector=selector)
    assert _errors(bad) == {"category": [CHOOSE]}
    assert {item.code for item in bad.qs} == {"A0101"}  # the search still applies
    nul = _filterset(CatalogueFilterSet, "q=%E5%85%BB%00&category=%00", selector=selector)
    assert nul.values["query"] == "养" and set(_errors(nul)) == {"category"}


@pytest.mark.django_db
def test_catalogue_page(client, site, published):
    html = client.get("/catalogue/?q=养老&category=ZZZ").content.decode()
    assert 'class="form-errors"' in html and "居家养老服务" in html and 'value="养老"' in html
