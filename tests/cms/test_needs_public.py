"""The public demand list (/needs/) and need pages (/needs/<id>/)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import CommunityFund
from marketplace.needs import services
from tests.needs_fixtures import need_data

RESIDENT_NAME = "诸葛翠花"
RESIDENT_PHONE = "13705551234"


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.django_db
def test_list_shows_needs_with_state_and_public_answer(client, site, make_need, community):
    make_need("submitted", title="待评估的需求")
    make_need("declined", title="被婉拒的需求")
    make_need("planned", title="已纳入计划的需求")
    html = _get(client, "/needs/")
    assert "<h1>需求清单</h1>" in html or "需求清单" in html
    for title in ("待评估的需求", "被婉拒的需求", "已纳入计划的需求"):
        assert title in html
    assert "不属于购买范围" in html  # the decline's public answer
    assert html.count("年度资金 ¥200,000.00") == 1  # only the planned need counts against the fund
    assert "已纳入计划" in html  # the planned state
    assert 'href="/needs/report/"' in html
    assert '<th scope="col">' in html and '<th scope="row"' in html


@pytest.mark.django_db
def test_resident_personal_data_never_reaches_public_pages(client, site, worker, officer, community):
    report = services.report_need(
        community=community,
        title="独居老人送餐",
        description="楼里独居老人做饭困难。",
        name=RESIDENT_NAME,
        phone=RESIDENT_PHONE,
    )
    need = services.triage_report(report, by=worker, **need_data(title="老年助餐送餐服务"))
    services.assess_need(need, by=officer, assessment="属实")
    services.accept_need(need, by=officer, public_answer="同意")
    untriaged = services.report_need(
        community=community, title="尚未处理的自报", description="内容", name="上官小明", phone="13600009999"
    )
    pages = [
        _get(client, "/needs/"),
        _get(client, "/needs/", community=community.pk),
        _get(client, "/needs/", status="accepted"),
        _get(client, f"/needs/{need.pk}/"),
    ]
    assert "老年助餐送餐服务" in pages[0] and "居民自报" in pages[0]
    for html in pages:
        for secret in (RESIDENT_NAME, RESIDENT_PHONE, "上官小明", "13600009999", untriaged.title):
            assert secret not in html


@pytest.mark.django_db
def test_detail_page(client, site, make_need, community):
    need = make_need("accepted", title="儿童课后托管", estimated_budget=Decimal("30000"))
    html = _get(client, f"/needs/{need.pk}/")
    assert "儿童课后托管" in html and "同意纳入计划" in html
    assert "和平社区" in html and "¥30,000.00" in html  # the same grouping in every language
    assert "¥200,000.00" in html  # the community's yearly fund (default)
    assert "<title>儿童课后托管 · 需求清单" in html


@pytest.mark.django_db
def test_detail_shows_the_planned_state_and_an_override(client, site, make_need, community):
    year = make_need("accepted", estimated_budget=Decimal("100000")).year
    CommunityFund.objects.create(community=community, year=year, amount=Decimal("100000"))
    need = make_need("planned", title="超额计划", estimated_budget=Decimal("5000"), override="统筹资金补足")
    html = _get(client, f"/needs/{need.pk}/")
    assert "已纳入计划：该需求将通过购买服务项目实施" in html
    assert "统筹资金补足" in html and "已超出资金额度" in html


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["abc", "999999", "1.5", "-1", "0x1", "9" * 30])
def test_detail_404_for_bad_or_unknown_keys(client, site, make_need, key):
    make_need("submitted")
    assert client.get(f"/needs/{key}/").status_code == 404


@pytest.mark.django_db
def test_filters(client, site, published, make_need, other_worker, community, other_community):
    elderly = published.items.get(code="A0101")
    children = published.items.get(code="B0101")
    make_need("submitted", title="甲：养老", catalogue_item=elderly, other_description="")
    make_need("accepted", title="乙：儿童", catalogue_item=children, other_description="")
    make_need("submitted", title="丙：目录外")
    make_need("declined", title="丁：其他社区", by=other_worker)
    next_year = make_need("submitted", title="戊：明年").year + 1
    from marketplace.models import Need

    Need.objects.filter(title="戊：明年").update(year=next_year)

    def titles(**params):
        html = _get(client, "/needs/", **params)
        return {t for t in ("甲：养老", "乙：儿童", "丙：目录外", "丁：其他社区", "戊：明年") if t in html}

    assert titles() == {"甲：养老", "乙：儿童", "丙：目录外", "丁：其他社区", "戊：明年"}
    assert titles(community=other_community.pk) == {"丁：其他社区"}
    assert titles(category="A") == {"甲：养老"}
    assert titles(category="B") == {"乙：儿童"}
    assert titles(category="other") == {"丙：目录外", "丁：其他社区", "戊：明年"}
    assert titles(status="accepted") == {"乙：儿童"}
    assert titles(status="declined", community=community.pk) == set()
    assert titles(year=next_year) == {"戊：明年"}
    assert titles(year=next_year - 1, status="submitted", community=community.pk) == {"甲：养老", "丙：目录外"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"status": "bogus"}, {"community": "abc"}, {"year": "1900"}, {"category": "ZZ"}, {"page": "x"}]
)
def test_bad_filter_values_show_an_error_not_a_crash(client, site, make_need, params):
    make_need("submitted", title="照常显示")
    html = _get(client, "/needs/", **params)
    assert "照常显示" in html
    if "page" not in params:
        assert "请从列表中选择" in html


@pytest.mark.django_db
def test_community_and_year_filter_shows_the_fund(client, site, make_need, community):
    need = make_need("accepted", estimated_budget=Decimal("50000"))
    CommunityFund.objects.create(community=community, year=need.year, amount=Decimal("120000"))
    html = _get(client, "/needs/", community=community.pk, year=need.year)
    assert "¥120,000.00" in html and "¥50,000.00" in html and "¥70,000.00" in html


@pytest.mark.django_db
def test_pagination_and_filters_survive_paging(client, site, make_need, community):
    for n in range(23):
        make_need("submitted", title=f"分页需求{n:02d}")
    first = _get(client, "/needs/", community=community.pk)
    assert "分页需求22" in first and "分页需求02" not in first
    assert f"?community={community.pk}&amp;page=2" in first or f"?community={community.pk}&page=2" in first
    second = _get(client, "/needs/", community=community.pk, page=2)
    assert "分页需求02" in second and "分页需求00" in second and "分页需求22" not in second


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_needs(
    client, site, published, make_need, other_worker, django_assert_max_num_queries
):
    item = published.items.get(code="A0101")

    def add(n, prefix):
        states = ["submitted", "assessed", "accepted", "declined", "planned"]
        for i in range(n):
            by = other_worker if i % 2 else None
            make_need(
                states[i % 5],
                by=by,
                title=f"{prefix}{i}",
                catalogue_item=item if i % 3 else None,
                other_description="" if i % 3 else "目录外服务",
                estimated_budget=Decimal("100"),
            )

    add(3, "少")
    _count_queries(client, "/needs/")  # warm per-process caches (site root, etc.)
    few = _count_queries(client, "/needs/")
    add(30, "多")
    with django_assert_max_num_queries(few):
        client.get("/needs/")
    with django_assert_max_num_queries(few + 2):  # a filter adds its own lookups, not per-row ones
        client.get("/needs/?status=accepted&category=A&year=2000")
