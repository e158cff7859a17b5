"""The workbench pages (/work/…): who may open them, and that every form
shows a Chinese error for bad input and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.models import AuditEvent, Need, ResidentReport
from tests.needs_fixtures import need_data

END_BEFORE_START = "结束日期不能早于开始日期"


def _form(**overrides):
    data = need_data(**overrides)
    post = {k: ("" if v is None else str(v)) for k, v in data.items()}
    if data["catalogue_item"] is not None:
        post["catalogue_item"] = str(data["catalogue_item"].pk)
    return post


def _snapshot():
    return (
        list(Need.objects.order_by("pk").values()),
        list(ResidentReport.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def _login(client, user):
    client.force_login(user)
    return client


# --- access -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_from_every_workbench_page(client, make_need, report):
    need = make_need("submitted")
    urls = [
        reverse("work:needs"),
        reverse("work:need_create"),
        reverse("work:need", args=[need.pk]),
        reverse("work:reports"),
        reverse("work:report", args=[report.pk]),
        reverse("work:report_triage", args=[report.pk]),
        reverse("work:report_decline", args=[report.pk]),
        reverse("work:assessment"),
        reverse("work:assess", args=[need.pk]),
        reverse("work:decide", args=[need.pk]),
    ]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert Need.objects.get().state == "submitted" and ResidentReport.objects.get().state == "new"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["organization_member", "evaluator", "finance_officer", "editor"])
def test_other_roles_are_refused_the_workbench(client, make_user, make_need, report, community, role):
    need = make_need("submitted")
    _login(client, make_user(role, community=community))
    for url in (
        reverse("work:needs"),
        reverse("work:need_create"),
        reverse("work:need", args=[need.pk]),
        reverse("work:reports"),
        reverse("work:report", args=[report.pk]),
        reverse("work:assessment"),
        reverse("work:assess", args=[need.pk]),
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_worker_cannot_open_officer_pages(client, worker, make_need):
    need = make_need("submitted")
    assessed = make_need("assessed", title="已评估")
    _login(client, worker)
    assert client.get(reverse("work:assessment")).status_code == 403
    assert client.post(reverse("work:assess", args=[need.pk]), {"assessment": "x"}).status_code == 403
    response = client.post(
        reverse("work:decide", args=[assessed.pk]), {"decision": "accept", "public_answer": "同意", "confirm": "on"}
    )
    assert response.status_code == 403
    assert Need.objects.get(pk=need.pk).state == "submitted"
    assert Need.objects.get(pk=assessed.pk).state == "assessed"


@pytest.mark.django_db
def test_officer_without_a_community_role_cannot_file_or_see_reports(client, officer, report):
    _login(client, officer)
    assert client.get(reverse("work:need_create")).status_code == 403
    assert client.post(reverse("work:need_create"), _form()).status_code == 403
    assert client.get(reverse("work:report", args=[report.pk])).status_code == 403
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_worker_sees_only_own_communitys_needs_and_reports(client, other_worker, make_need, report):
    need = make_need("submitted", title="和平社区的需求")
    _login(client, other_worker)
    assert "和平社区的需求" not in client.get(reverse("work:needs")).content.decode()
    assert client.get(reverse("work:need", args=[need.pk])).status_code == 404
    reports_page = client.get(reverse("work:reports")).content.decode()
    assert "小区老人吃饭难" not in reports_page and "欧阳秀珍" not in reports_page
    for name in ("work:report", "work:report_triage", "work:report_decline"):
        assert client.get(reverse(name, args=[report.pk])).status_code == 404
    before = _snapshot()
    assert client.post(reverse("work:report_triage", args=[report.pk]), _form()).status_code == 404
    assert (
        client.post(reverse("work:report_decline", args=[report.pk]), {"reason": "x", "confirm": "on"}).status_code
        == 404
    )
    assert _snapshot() == before


@pytest.mark.django_db
def test_worker_files_for_own_community_only_whatever_the_post_says(client, worker, other_community, community):
    _login(client, worker)
    response = client.post(reverse("work:need_create"), {**_form(), "community": other_community.pk})
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("work:need", args=[need.pk])
    assert need.community == community and need.filed_by == worker


# --- the worker's forms --------------------------------------------------------------------


@pytest.mark.django_db
def test_need_form_files_a_need_with_a_catalogue_item(client, worker, published, community):
    item = published.items.get(code="A0201")
    _login(client, worker)
    response = client.post(reverse("work:need_create"), _form(catalogue_item=item, other_description=""))
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.catalogue_item == item and need.estimated_budget == Decimal("12000.00")
    assert "老年人智能手机培训" in client.get(reverse("work:needs")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "请填写需求标题"),
        ({"other_description": ""}, "请选择目录事项"),
        ({"estimated_budget": "-5"}, "预算估算必须大于零"),
        ({"estimated_budget": "abc"}, "输入一个数字"),
        ({"beneficiaries_count": "0"}, "请填写受益人数"),
        ({"beneficiary_group": "aliens"}, "不在可用的选项中"),
        ({"period_end": "2000-01-01", "period_start": "1999-01-01"}, "不能早于今天"),
        ({"period_start": "not-a-date"}, "输入一个有效的日期"),
    ],
)
def test_need_form_bad_input_shows_chinese_error_and_changes_nothing(client, worker, overrides, message):
    _login(client, worker)
    post = _form()
    post.update(overrides)
    response = client.post(reverse("work:need_create"), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    # Creating and signing in the worker are account events; nothing else is recorded.
    assert not Need.objects.exists() and not AuditEvent.objects.exclude(object_type="marketplace.user").exists()


@pytest.mark.django_db
def test_need_form_refuses_end_before_start(client, worker):
    _login(client, worker)
    year = datetime.date.today().year + 1
    response = client.post(reverse("work:need_create"), _form(period_start=f"{year}-06-01", period_end=f"{year}-05-01"))
    assert END_BEFORE_START in response.content.decode()
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_need_form_refuses_a_draft_catalogue_item(client, worker, draft):
    _login(client, worker)
    response = client.post(reverse("work:need_create"), _form(catalogue_item=draft.items.first()))
    assert response.status_code == 200 and "不在可用的选项中" in response.content.decode()
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_triage_form_is_prefilled_and_creates_a_resident_need(client, worker, report):
    _login(client, worker)
    page = client.get(reverse("work:report_triage", args=[report.pk])).content.decode()
    assert "小区老人吃饭难" in page and "楼里独居老人做饭困难" in page
    response = client.post(reverse("work:report_triage", args=[report.pk]), _form(title="送餐服务"))
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.source == "resident" and need.resident_report == report and need.title == "送餐服务"
    report.refresh_from_db()
    assert report.state == "triaged" and report.handled_by == worker
    # handled: the triage page no longer offers a form
    again = client.post(reverse("work:report_triage", args=[report.pk]), _form(title="再来一次"))
    assert again.status_code == 302 and Need.objects.count() == 1


@pytest.mark.django_db
def test_triage_form_bad_input_changes_nothing(client, worker, report):
    _login(client, worker)
    before = _snapshot()
    response = client.post(reverse("work:report_triage", args=[report.pk]), _form(estimated_budget="0"))
    assert "预算估算必须大于零" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.django_db
def test_worker_sees_resident_contact_to_reply(client, worker, report):
    _login(client, worker)
    page = client.get(reverse("work:report", args=[report.pk])).content.decode()
    assert "欧阳秀珍" in page and "13987654321" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "post,message",
    [
        ({"reason": "  ", "confirm": "on"}, "请填写不予受理的理由"),
        ({"reason": "不属于社区事务"}, "请勾选确认"),
    ],
)
def test_decline_report_needs_reason_and_confirmation(client, worker, report, post, message):
    _login(client, worker)
    before = _snapshot()
    response = client.post(reverse("work:report_decline", args=[report.pk]), post)
    assert response.status_code == 200 and message in response.content.decode()
    assert _snapshot() == before


@pytest.mark.django_db
def test_decline_report(client, worker, report):
    _login(client, worker)
    response = client.post(reverse("work:report_decline", args=[report.pk]), {"reason": "属于物业", "confirm": "on"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == "declined" and report.decline_reason == "属于物业"


# --- the officer's forms -------------------------------------------------------------------------


@pytest.mark.django_db
def test_officer_assesses_then_decides(client, officer, make_need):
    need = make_need("submitted")
    _login(client, officer)
    queue = client.get(reverse("work:assessment")).content.decode()
    assert need.title in queue
    response = client.post(
        reverse("work:assess", args=[need.pk]),
        {"assessment": "需求真实", "assessed_cost": "10000", "public_answer": ""},
    )
    assert response.status_code == 302 and response["Location"] == reverse("work:decide", args=[need.pk])
    response = client.post(
        reverse("work:decide", args=[need.pk]), {"decision": "accept", "public_answer": "同意", "confirm": "on"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == "accepted" and need.assessed_cost == Decimal("10000.00") and need.public_answer == "同意"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "post,message",
    [
        ({"assessment": ""}, "请填写评估意见"),
        ({"assessment": "   "}, "请填写评估意见"),
        ({"assessment": "好", "assessed_cost": "-1"}, "大于或等于0"),
        ({"assessment": "好", "assessed_cost": "x"}, "输入一个数字"),
    ],
)
def test_assess_form_bad_input(client, officer, make_need, post, message):
    need = make_need("submitted")
    _login(client, officer)
    before = _snapshot()
    response = client.post(reverse("work:assess", args=[need.pk]), post)
    assert response.status_code == 200 and message in response.content.decode()
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "post,message",
    [
        ({"decision": "accept", "public_answer": "同意"}, "请勾选确认"),
        ({"decision": "", "public_answer": "同意", "confirm": "on"}, "请选择采纳或不采纳"),
        ({"decision": "maybe", "public_answer": "同意", "confirm": "on"}, "不在可用的选项中"),
        ({"decision": "decline", "public_answer": "  ", "confirm": "on"}, "请填写公开答复"),
    ],
)
def test_decide_form_bad_input(client, officer, make_need, post, message):
    need = make_need("assessed")
    _login(client, officer)
    before = _snapshot()
    response = client.post(reverse("work:decide", args=[need.pk]), post)
    assert response.status_code == 200 and message in response.content.decode()
    assert _snapshot() == before


@pytest.mark.django_db
def test_decide_form_over_the_fund_shows_the_service_error_until_a_reason_is_given(client, officer, make_need):
    make_need("accepted", estimated_budget=Decimal("190000"))
    need = make_need("assessed", title="超额需求", estimated_budget=Decimal("20000"))
    _login(client, officer)
    page = client.get(reverse("work:decide", args=[need.pk])).content.decode()
    assert "采纳该需求将超出资金额度" in page
    before = _snapshot()
    post = {"decision": "accept", "public_answer": "同意", "confirm": "on"}
    response = client.post(reverse("work:decide", args=[need.pk]), post)
    assert response.status_code == 200 and "请填写超出资金额度的理由" in response.content.decode()
    assert _snapshot() == before
    response = client.post(reverse("work:decide", args=[need.pk]), {**post, "override_reason": "区级统筹"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == "accepted" and need.fund_override_reason == "区级统筹"


@pytest.mark.django_db
def test_decline_from_the_decide_form(client, officer, make_need):
    need = make_need("assessed")
    _login(client, officer)
    post = {"decision": "decline", "public_answer": "不属于购买范围", "confirm": "on"}
    assert client.post(reverse("work:decide", args=[need.pk]), post).status_code == 302
    need.refresh_from_db()
    assert need.state == "declined" and need.public_answer == "不属于购买范围"


@pytest.mark.django_db
def test_account_page_links_to_the_workbench_by_permission(client, worker, officer, make_user):
    _login(client, worker)
    page = client.get(reverse("account")).content.decode()
    assert reverse("work:needs") in page and reverse("work:assessment") not in page
    _login(client, officer)
    page = client.get(reverse("account")).content.decode()
    assert reverse("work:assessment") in page and reverse("work:needs") not in page
    _login(client, make_user("evaluator"))
    page = client.get(reverse("account")).content.decode()
    assert "/work/" not in page


@pytest.mark.django_db
def test_workbench_lists_are_paginated(client, worker, make_need):
    for n in range(21):
        make_need("submitted", title=f"需求{n:02d}")
    _login(client, worker)
    first = client.get(reverse("work:needs")).content.decode()
    second = client.get(reverse("work:needs"), {"page": 2}).content.decode()
    assert "需求20" in first and "需求00" not in first
    assert "需求00" in second and "需求20" not in second
