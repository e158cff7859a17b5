"""The public directory of social organizations (/organizations/) and an
organization's public page (/organizations/<id>/)."""

import datetime

import pytest
from django.db import connection, transaction
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cms.models import SectionPage
from marketplace.models import Community, Organization, ServiceCategory
from marketplace.organizations.selectors import organizations as selectors
from tests.org_fixtures import STAFF, VALID_ID_NUMBER

NON_APPROVED = ["draft", "submitted", "returned", "suspended", "blacklisted"]
# Personal data make_org gives every organization (contact, roster, legal representative).
PRIVATE = ["13800138000", "contact@example.test", VALID_ID_NUMBER, *STAFF]


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def areas(db):
    elderly = ServiceCategory.objects.create(code="A", name="养老服务", sort_order=1)
    children = ServiceCategory.objects.create(code="B", name="儿童青少年与家庭服务", sort_order=2)
    ServiceCategory.objects.create(code="A01", name="居家养老", parent=elderly)
    return {"A": elderly, "B": children}


@pytest.mark.django_db
def test_directory_lists_approved_organizations_only(client, site, make_org):
    make_org("approved", name="公开的助老服务队")
    hidden = {state: make_org(state, name=f"不公开的组织-{state}") for state in NON_APPROVED}
    html = _get(client, "/organizations/")
    assert "公开的助老服务队" in html
    assert "1 个社会组织" in html
    for state, organization in hidden.items():
        assert organization.name not in html, state
        assert client.get(f"/organizations/{organization.pk}/").status_code == 404, state
    # Not by search either.
    assert "不公开的组织" not in _get(client, "/organizations/", q="不公开")


@pytest.mark.django_db
def test_a_suspended_organization_leaves_and_a_reinstated_one_returns(client, site, make_org):
    organization = make_org("suspended", name="暂停中的组织")
    assert client.get(f"/organizations/{organization.pk}/").status_code == 404
    with transaction.atomic():
        organization = Organization.objects.get(pk=organization.pk)
        organization.reinstate(by=None, reason="test")
        organization.save()
    assert "暂停中的组织" in _get(client, "/organizations/")
    assert client.get(f"/organizations/{organization.pk}/").status_code == 200


@pytest.mark.django_db
def test_list_shows_the_public_record(client, site, make_org, areas):
    filed = make_org(
        "approved", name="和平社区夕阳红服务队", kind="culture_sports", founded_on=datetime.date(2019, 3, 8)
    )
    filed.service_areas.set([areas["A"], areas["B"]])
    registered = make_org("approved", track="registered", name="岳麓社工服务中心")
    html = _get(client, "/organizations/")
    assert "和平社区夕阳红服务队" in html and "岳麓社工服务中心" in html
    assert f'href="/organizations/{filed.pk}/"' in html
    with translation.override("zh-hans"):
        assert str(Organization.Kind.CULTURE_SPORTS.label) in html  # the type
        assert str(Organization.Track.REGISTERED.label) in html  # the track
    assert "东城街道 和平社区" in html  # the sponsoring community
    assert "养老服务、儿童青少年与家庭服务" in html  # service areas
    assert "2019-03-08" in html  # founding date
    assert registered.credit_code in html  # public for a registered organization
    assert timezone.localdate(filed.approved_at).isoformat() in html
    for secret in PRIVATE:
        assert secret not in html


@pytest.mark.django_db
def test_detail_page_shows_the_public_record_and_nothing_personal(client, site, make_org, areas):
    organization = make_org(
        "approved",
        track="registered",
        name="岳麓区启航青少年服务中心",
        description="为社区青少年提供课后辅导和心理支持。",
        contact_name="欧阳联系人",
        office="own",
        office_address="岳麓区麓山路88号3栋201室",
        legal_representative="司马法人",
    )
    organization.service_areas.set([areas["B"]])
    html = _get(client, f"/organizations/{organization.pk}/")
    assert "<title>岳麓区启航青少年服务中心 · 社会组织" in html
    assert "为社区青少年提供课后辅导和心理支持。" in html
    assert organization.credit_code in html
    assert "长沙市岳麓区民政局" in html  # registration authority
    assert 'href="/organizations/?area=B"' in html
    assert f'href="/organizations/?community={organization.community_id}"' in html
    for secret in [*PRIVATE, "欧阳联系人", "岳麓区麓山路88号", "司马法人", "30,000", "30000"]:
        assert secret not in html, secret


@pytest.mark.django_db
def test_pages_get_public_values_not_model_instances(client, site, make_org):
    organization = make_org("approved", track="registered")
    response = client.get("/organizations/")
    assert all(isinstance(entry, selectors.PublicOrganization) for entry in response.context["organizations"])
    assert response.context["organizations"]
    detail = client.get(f"/organizations/{organization.pk}/")
    assert isinstance(detail.context["organization"], selectors.PublicOrganization)
    fields = set(selectors.PublicOrganization.__dataclass_fields__)
    allowed = set(Organization.PUBLIC_FIELDS) | {"pk", "community_id"}
    assert fields <= allowed
    for private in ("contact_name", "contact_phone", "contact_email", "office_address", "legal_representative"):
        assert private not in fields


@pytest.mark.django_db
def test_the_public_queries_never_read_personal_columns(client, site, make_org):
    organization = make_org("approved", track="registered")
    for url in ("/organizations/", f"/organizations/{organization.pk}/", "/organizations/?q=测试"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        sql = " ".join(query["sql"] for query in ctx.captured_queries if "marketplace_organization" in query["sql"])
        assert "marketplace_organization" in sql
        for column in (
            "contact_name",
            "contact_phone",
            "contact_email",
            "office_address",
            "legal_representative",
            "return_reasons",
            "blacklist_reason",
        ):
            assert column not in sql, (url, column)


@pytest.mark.django_db
def test_filters_and_search(client, site, make_org, areas, district):
    other = Community.objects.create(district=district, street="西湖街道", code="T01-09", name="翠苑社区")
    elderly = make_org("approved", name="甲·助老服务队", kind="public_service")
    elderly.service_areas.set([areas["A"]])
    make_org("approved", name="乙·文体协会", kind="culture_sports", community=other)
    registered = make_org("approved", track="registered", name="丙·社工服务中心", kind="social_affairs")
    registered.service_areas.set([areas["A"], areas["B"]])
    names = ("甲·助老服务队", "乙·文体协会", "丙·社工服务中心")

    def found(**params):
        html = _get(client, "/organizations/", **params)
        return {name for name in names if name in html}

    assert found() == set(names)
    assert found(track="filed") == {"甲·助老服务队", "乙·文体协会"}
    assert found(track="registered") == {"丙·社工服务中心"}
    assert found(kind="culture_sports") == {"乙·文体协会"}
    assert found(community=other.pk) == {"乙·文体协会"}
    assert found(area="A") == {"甲·助老服务队", "丙·社工服务中心"}
    assert found(area="B") == {"丙·社工服务中心"}
    assert found(area="A", track="filed") == {"甲·助老服务队"}
    assert found(q="文体") == {"乙·文体协会"}
    assert found(q="  助老 ") == {"甲·助老服务队"}
    assert found(q=registered.credit_code) == {"丙·社工服务中心"}
    assert found(q=registered.credit_code[-8:].lower()) == {"丙·社工服务中心"}  # part of it, any case
    assert found(q="没有这样的组织") == set()
    assert "没有符合条件的社会组织" in _get(client, "/organizations/", q="没有这样的组织")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"track": "bogus"}, {"kind": "x"}, {"community": "abc"}, {"community": "99999"}, {"area": "ZZ"}]
)
def test_bad_filter_values_show_an_error_not_a_crash(client, site, make_org, params):
    make_org("approved", name="照常显示的组织")
    html = _get(client, "/organizations/", **params)
    assert "照常显示的组织" in html
    assert "请从列表中选择" in html


@pytest.mark.django_db
def test_an_overlong_or_odd_search_is_cut_not_refused(client, site, make_org):
    make_org("approved", name="长查询组织")
    html = _get(client, "/organizations/", q="长查询" + "x" * 500)
    assert "长查询组织" not in html and "form-errors" not in html  # searched for its first 50 characters
    assert "长查询组织" in _get(client, "/organizations/", q=" " * 500 + "查询\n")  # spaces trimmed
    assert "长查询组织" not in _get(client, "/organizations/", q="%_\\'\"<script>")
    assert "<script>" not in _get(client, "/organizations/", q="<script>")


@pytest.mark.django_db
def test_pagination_keeps_the_filters(client, site, make_org):
    for n in range(23):
        make_org("approved", name=f"分页组织{n:02d}")
    make_org("approved", track="registered", name="分页之外的登记组织")
    first = _get(client, "/organizations/", track="filed")
    assert "23 个社会组织" in first
    assert "分页组织00" in first and "分页组织19" in first and "分页组织20" not in first
    assert "?track=filed&amp;page=2" in first
    second = _get(client, "/organizations/", track="filed", page=2)
    assert "分页组织20" in second and "分页组织22" in second and "分页组织19" not in second
    assert "分页之外的登记组织" not in second
    assert "分页组织00" in _get(client, "/organizations/", track="filed", page="x")  # the first page
    assert "分页组织20" in _get(client, "/organizations/", track="filed", page=99)  # the last page


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_organizations(client, site, make_org, areas):
    def add(n, prefix):
        for i in range(n):
            organization = make_org("approved", track="registered" if i % 2 else "filed", name=f"{prefix}{i:02d}")
            organization.service_areas.set([areas["A"], areas["B"]] if i % 3 else [areas["B"]])

    add(3, "少")
    _count_queries(client, "/organizations/")  # warm per-process caches (site root, etc.)
    few = _count_queries(client, "/organizations/")
    few_filtered = _count_queries(client, "/organizations/?area=A&track=registered&q=少")
    add(30, "多")
    assert _count_queries(client, "/organizations/") == few
    assert _count_queries(client, "/organizations/?area=A&track=registered&q=多") == few_filtered
    assert _count_queries(client, "/organizations/?page=2") == few


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["abc", "999999", "1.5", "-1", "0x1", "9" * 30, "１"])
def test_detail_404_for_bad_or_unknown_keys(client, site, make_org, key):
    make_org("approved")
    assert client.get(f"/organizations/{key}/").status_code == 404


@pytest.mark.django_db
def test_empty_directory(client, site):
    html = _get(client, "/organizations/")
    assert "0 个社会组织" in html and "尚无通过审核的社会组织" in html


@pytest.mark.django_db
def test_later_issues_can_fill_the_record_block(site, make_org):
    """The detail page's contracts and grades are a named block."""
    organization = make_org("approved")
    entry = selectors.public_organization(organization.pk)
    page = SectionPage.objects.get(section="organizations")
    template = engines["django"].from_string(
        '{% extends "cms/organizations/detail.html" %}{% block org_record %}<p>合同与履约评价</p>{% endblock %}'
    )
    request = RequestFactory().get(f"/organizations/{organization.pk}/")
    html = template.render({"page": page, "organization": entry, "directory_url": "/organizations/"}, request)
    assert "<p>合同与履约评价</p>" in html
    # Unfilled, the block holds the performance history (issue 15): none yet.
    assert "尚未在平台上签订合同" in _render_detail(page, entry)


def _render_detail(page, entry):
    template = engines["django"].get_template("cms/organizations/detail.html")
    return template.render({"page": page, "organization": entry, "directory_url": "/organizations/"})


@pytest.mark.django_db
def test_home_page_links_the_directory(client, site):
    html = _get(client, "/")
    assert 'href="/organizations/"' in html
