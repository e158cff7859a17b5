"""The procurement officers' project workbench (/work/projects/): the flow
through the views (draft from a need → send → a second officer approves →
published), four eyes, refusals for everybody else, bad input that changes
nothing, cancel, addendum, answers, sealing on the project's page, and a list
whose query count does not grow with its rows."""

import datetime
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.models import AuditEvent, Clarification, EntryStandard, Need, Project, ProjectDocument
from marketplace.procurement.services import projects as project_services
from tests.org_fixtures import pdf_bytes
from tests.project_fixtures import RUBRIC, method, open_now, submit_bid

NOTHING_SAVED = "未保存。请更正以下内容"


def _login(client, user):
    client.force_login(user)
    return client


def _english(client):
    """Service messages are asserted in English (the lead keeps their Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def _rubric_post(rows):
    post = {
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        post[f"criteria-{i}-name"] = row.get("name", "")
        post[f"criteria-{i}-description"] = row.get("description", "")
        post[f"criteria-{i}-weight"] = str(row.get("weight", ""))
        post[f"criteria-{i}-max_score"] = "" if row.get("max_score") is None else str(row["max_score"])
        if row.get("is_price"):
            post[f"criteria-{i}-is_price"] = "on"
    return post


def _post(published, community, *, needs=(), rubric=None, days=30, method_code="public_tender", **overrides):
    """The create form as a browser posts it."""
    deadline = timezone.localdate() + datetime.timedelta(days=days)
    start = deadline + datetime.timedelta(days=10)
    post = {
        "title": "和平社区居家养老上门服务",
        "purchaser": "东城街道办事处",
        "catalogue_items": [str(published.items.order_by("code").first().pk)],
        "communities": [str(community.pk)],
        "needs": [str(need.pk) for need in needs],
        "budget": "150000.00",
        "budget_override_reason": "",
        "method": str(method(method_code).pk),
        "named_organization": "",
        "justification": "",
        "entry_standard": str(EntryStandard.objects.get_or_create(name="测试准入标准")[0].pk),
        "service_start": start.isoformat(),
        "service_end": (start + datetime.timedelta(days=300)).isoformat(),
        "period_justification": "",
        "deadline_date": deadline.isoformat(),
        "deadline_time": "17:00",
        "min_valid_bids": "",
        "description": "为社区60岁以上独居老人提供助洁、助浴、助餐上门服务。",
        "requirements": "服务团队至少2名持证社工。",
    }
    post.update(_rubric_post(rubric if rubric is not None else RUBRIC))
    post.update(overrides)
    return post


def _snapshot():
    return (
        Project.objects.count(),
        list(Need.objects.order_by("pk").values_list("state", flat=True)),
        AuditEvent.objects.count(),
    )


# --- the officers' flow -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_officer_drafts_from_a_need_sends_and_a_second_officer_publishes(
    client, officer, second_officer, published, community, make_need, site, django_capture_on_commit_callbacks
):
    need = make_need("accepted")
    _login(client, officer)

    # The need's page links to a draft from it; the form comes with the need chosen.
    need_page = client.get(reverse("work:need", args=[need.pk])).content.decode()
    assert f"/work/projects/new/?need={need.pk}" in need_page
    page = client.get(reverse("projects:create"), {"need": need.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "起草购买项目" in html and "公开招标" in html
    form = page.context["form"]
    assert form.initial["needs"] == [str(need.pk)] and form.initial["communities"] == [str(community.pk)]
    # The earliest deadline per method and the default rubric (a price row at 20 and two blank rows).
    earliest = project_services.earliest_deadline(method("public_tender"), timezone.now())
    assert earliest.isoformat() in html
    assert len(page.context["formset"].forms) == 3 and page.context["rubric_total"] == Decimal("20")

    response = client.post(reverse("projects:create"), _post(published, community, needs=[need]))
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get()
    assert response["Location"] == reverse("projects:detail", args=[project.ref])
    assert project.state == "draft" and project.created_by == officer
    assert project.criteria.count() == 3 and project.min_valid_bids == 3
    need.refresh_from_db()
    assert need.state == "planned" and need.project == project

    # A call document, then the author sends it for approval (the box must be ticked).
    upload = client.post(
        reverse("projects:documents", args=[project.ref]),
        {"doc-kind": "call", "doc-title": "招标文件", "doc-file": SimpleUploadedFile("call.pdf", pdf_bytes("招标"))},
    )
    assert upload.status_code == 302
    assert ProjectDocument.objects.get(project=project).title == "招标文件"
    # The purchase intention (采购意向) goes public first (the box must be ticked).
    unticked = client.post(reverse("projects:intention", args=[project.ref]), {})
    assert unticked.status_code == 200 and "请勾选确认。" in unticked.content.decode()
    project.refresh_from_db()
    assert project.intention_published_at is None and project.intention == {}
    published_intention = client.post(reverse("projects:intention", args=[project.ref]), {"intention-confirm": "on"})
    assert published_intention.status_code == 302
    assert published_intention["Location"].endswith("#intention")
    project.refresh_from_db()
    assert project.intention_published_at and project.intention["title"] == project.title
    unticked = client.post(reverse("projects:submit", args=[project.ref]), {})
    assert unticked.status_code == 200 and "请勾选确认。" in unticked.content.decode()
    project.refresh_from_db()
    assert project.state == "draft"
    sent = client.post(reverse("projects:submit", args=[project.ref]), {"submit-confirm": "on"})
    assert sent.status_code == 302
    project.refresh_from_db()
    assert project.state == "pending_approval"

    # A second officer cannot approve while the intention's 30 days run.
    _login(client, second_officer)
    detail = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert 'id="approve"' not in detail and "采购意向公开期满前" in detail
    early = client.post(reverse("projects:approve", args=[project.ref]), {"approve-confirm": "on"})
    assert early.status_code == 200
    assert "采购意向" in early.content.decode() or "purchase intention" in early.content.decode()
    project.refresh_from_db()
    assert project.state == "pending_approval"
    # Once they have passed, the author is still not offered the approval (four eyes).
    project = project_services.backdate_intention(project, 30)
    _login(client, officer)
    # The author is not offered the approval, and is refused when trying anyway.
    detail = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert 'id="approve"' not in detail and "等待第二名采购官员审批" in detail
    _english(client)
    refused = client.post(reverse("projects:approve", args=[project.ref]), {"approve-confirm": "on"})
    assert refused.status_code == 200
    assert "A second officer must approve: not one who drafted, edited or submitted the project." in (
        refused.content.decode()
    )
    _chinese(client)
    project.refresh_from_db()
    assert project.state == "pending_approval" and project.approved_by is None

    _login(client, second_officer)
    detail = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert 'id="approve"' in detail
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(reverse("projects:approve", args=[project.ref]), {"approve-confirm": "on"})
    assert approved.status_code == 302
    project.refresh_from_db()
    assert project.state == "published" and project.approved_by == second_officer and project.published_at
    actions = list(
        AuditEvent.objects.filter(object_type="marketplace.project", object_id=str(project.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions[:1] == ["project.create"] and "project.publish" in actions

    # The list shows it, with its state.
    listing = client.get(reverse("projects:index")).content.decode()
    assert project.ref in listing and "公开招标" in listing


@pytest.mark.django_db
def test_return_needs_a_reason_and_goes_back_to_draft(client, make_project, second_officer):
    project = make_project("pending_approval")
    _login(client, second_officer)
    response = client.post(reverse("projects:return", args=[project.ref]), {"return-reason": "  "})
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.state == "pending_approval"
    response = client.post(reverse("projects:return", args=[project.ref]), {"return-reason": "预算依据不足"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "draft" and project.returned_reason == "预算依据不足"


# --- who may use it -------------------------------------------------------------------------------------------


def _workbench_urls(project, clarification_pk=1):
    ref = project.ref
    return [
        reverse("projects:index"),
        reverse("projects:create"),
        reverse("projects:detail", args=[ref]),
        reverse("projects:edit", args=[ref]),
        reverse("projects:submit", args=[ref]),
        reverse("projects:approve", args=[ref]),
        reverse("projects:return", args=[ref]),
        reverse("projects:cancel", args=[ref]),
        reverse("projects:documents", args=[ref]),
        reverse("projects:document", args=[ref, 1]),
        reverse("projects:document_remove", args=[ref, 1]),
        reverse("projects:addendum", args=[ref]),
        reverse("projects:answer", args=[ref, clarification_pk]),
        reverse("projects:retender", args=[ref]),
        reverse("projects:bid", args=[ref, 1]),
        reverse("projects:bid_document", args=[ref, 1, 1]),
    ]


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_from_every_workbench_url(client, make_project):
    project = make_project("published")
    for url in _workbench_urls(project):
        for send in (client.get, client.post):
            response = send(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    project.refresh_from_db()
    assert project.state == "published"


@pytest.mark.django_db
def test_organization_members_and_community_workers_are_refused(client, make_project, org_admin, bidder, worker):
    project = make_project("published")
    for user in (org_admin, worker):
        _login(client, user)
        for url in _workbench_urls(project):
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, {"cancel-reason": "x", "cancel-confirm": "on"}).status_code == 403, (user, url)
    project.refresh_from_db()
    assert project.state == "published"


@pytest.mark.django_db
def test_an_unknown_reference_is_not_found(client, officer):
    _login(client, officer)
    assert client.get(reverse("projects:detail", args=["SFQ-2000-9999"])).status_code == 404
    assert client.post(reverse("projects:cancel", args=["SFQ-2000-9999"])).status_code == 404


# --- bad input on the form -------------------------------------------------------------------------------------


def _bad_rows(**changes):
    rows = [dict(row) for row in RUBRIC]
    for index, values in changes.items():
        rows[int(index[1:])].update(values)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"rubric": _bad_rows(r1={"weight": Decimal("40")})}, "The weights total 90; they must total exactly 100."),
        (
            {"rubric": _bad_rows(r0={"weight": Decimal("40")}, r1={"weight": Decimal("30")})},
            "The price weighs 40; for services it must weigh between 10 and 30.",
        ),
        ({"budget": "0"}, "The budget must be above 0, in yuan and fen."),
        ({"days": 5}, "Public tender needs at least 20 calendar days between publication and the deadline"),
        ({"service_end": "LONG"}, "A service period over one year needs a written justification."),
    ],
    ids=["weights-total-90", "price-weight-40", "budget-0", "deadline-too-early", "two-years-unjustified"],
)
def test_bad_input_shows_the_error_and_creates_nothing(
    client, officer, published, community, make_need, overrides, expected
):
    need = make_need("accepted")
    _english(_login(client, officer))
    before = _snapshot()
    post = _post(published, community, needs=[need], **{k: v for k, v in overrides.items() if k in ("rubric", "days")})
    for key, value in overrides.items():
        if key == "service_end":
            start = datetime.date.fromisoformat(post["service_start"])
            post["service_end"] = (start + datetime.timedelta(days=730)).isoformat()
        elif key not in ("rubric", "days"):
            post[key] = value
    response = client.post(reverse("projects:create"), post)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved. Please correct:" in html
    assert expected in html, html[html.find("form-errors") : html.find("form-errors") + 2000]
    assert _snapshot() == before
    # What was typed is still there.
    assert "和平社区居家养老上门服务" in html and "服务团队至少2名持证社工。" in html


@pytest.mark.django_db
def test_adding_a_rubric_row_keeps_the_input_and_saves_nothing(client, officer, published, community):
    _login(client, officer)
    post = _post(published, community)
    post["add_criterion"] = "1"
    response = client.post(reverse("projects:create"), post)
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == len(RUBRIC) + 1
    assert NOTHING_SAVED not in response.content.decode()
    assert response.context["rubric_total"] == Decimal("100")
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_the_budget_over_the_funds_shows_what_is_available(client, officer, published, community):
    _login(client, officer)
    response = client.post(reverse("projects:create"), _post(published, community, budget="250000.00"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "200,000.00" in html  # the community's fund, all of it left
    assert response.context["fund"]["check"].available == Decimal("200000.00")
    assert Project.objects.count() == 0
    # With a reason it is drafted.
    response = client.post(
        reverse("projects:create"),
        _post(published, community, budget="250000.00", budget_override_reason="两个社区合并实施，区级资金补足"),
    )
    assert response.status_code == 302
    assert Project.objects.get().budget_override_reason


@pytest.mark.django_db
def test_editing_a_draft_keeps_its_rubric_and_saves(client, officer, make_project):
    project = make_project("draft")
    _login(client, officer)
    page = client.get(reverse("projects:edit", args=[project.ref]))
    assert page.status_code == 200
    assert [f.initial.get("name") for f in page.context["formset"].forms][:3] == [r["name"] for r in RUBRIC]
    form = page.context["form"]
    post = {
        **{
            name: (value if isinstance(value, list) else ("" if value is None else str(getattr(value, "pk", value))))
            for name, value in form.initial.items()
        },
        "deadline_time": "17:00",
        "title": "和平社区居家养老上门服务（修订）",
    }
    post.update(_rubric_post(RUBRIC))
    response = client.post(reverse("projects:edit", args=[project.ref]), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.title.endswith("（修订）")


# --- on a published project -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_needs_a_reason(client, officer, make_project):
    project = make_project("published")
    _login(client, officer)
    response = client.post(reverse("projects:cancel", args=[project.ref]), {"cancel-confirm": "on"})
    assert response.status_code == 200 and "reason" in response.context["cancel_form"].errors
    project.refresh_from_db()
    assert project.state == "published"
    response = client.post(
        reverse("projects:cancel", args=[project.ref]),
        {"cancel-reason": "需求已由其他项目覆盖", "cancel-confirm": "on"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "cancelled" and project.cancel_reason == "需求已由其他项目覆盖"


@pytest.mark.django_db
def test_an_addendum_through_the_view_moves_a_near_deadline(client, officer, make_project):
    project = make_project("published", method_code="public_tender", days=21)
    # Five days before the deadline: the rule (15 days) moves it.
    near = timezone.now() + datetime.timedelta(days=5)
    Project.objects.filter(pk=project.pk).update(deadline=near)
    _login(client, officer)
    page = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert "15" in page and 'id="addendum"' in page
    response = client.post(
        reverse("projects:addendum", args=[project.ref]),
        {"addendum-text": "服务人数由60人调整为80人。", "addendum-confirm": "on"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.deadline > near + datetime.timedelta(days=9)
    addendum = project.addenda.get()
    assert addendum.extended and addendum.number == 1
    page = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert "服务人数由60人调整为80人。" in page


@pytest.mark.django_db
def test_an_officer_answers_a_question(client, officer, make_project, bidder, org_admin):
    project = make_project("published")
    question = project_services.ask_question(
        project, organization=bidder, by=org_admin, question="是否接受联合体投标？"
    )
    _login(client, officer)
    page = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert "是否接受联合体投标？" in page and bidder.name in page  # officers see who asked
    empty = client.post(reverse("projects:answer", args=[project.ref, question.pk]), {f"q{question.pk}-answer": ""})
    assert empty.status_code == 200
    assert Clarification.objects.get().answered_at is None
    response = client.post(
        reverse("projects:answer", args=[project.ref, question.pk]), {f"q{question.pk}-answer": "不接受联合体投标。"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "不接受联合体投标。" and question.answered_by == officer


# --- sealing --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_project_page_says_nothing_about_bids_before_the_opening(
    client, officer, make_project, bidder, org_admin, make_org, make_user
):
    project = make_project("published", method_code="consultation", days=15)
    other_admin = make_user("organization_member", verified_at=timezone.now())
    other = make_org("approved", admin=other_admin, name="春晖社会工作服务社")
    first = submit_bid(project, bidder, org_admin, price="120000.00")
    submit_bid(project, other, other_admin, price="118000.00")
    _login(client, officer)

    for url in (reverse("projects:detail", args=[project.ref]), reverse("projects:index")):
        html = client.get(url).content.decode()
        assert bidder.name not in html and other.name not in html, url
        assert "120,000.00" not in html and first.digest not in html, url
        assert "2 份" not in html and "有效投标 2" not in html, url
    bid_pk = first.bid_id
    assert client.get(reverse("projects:bid", args=[project.ref, bid_pk])).status_code == 404

    project = open_now(project)
    html = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    assert bidder.name in html and other.name in html and first.digest in html and "120,000.00" in html
    bid_page = client.get(reverse("projects:bid", args=[project.ref, bid_pk]))
    assert bid_page.status_code == 200
    assert "120,000.00" in bid_page.content.decode() and first.digest in bid_page.content.decode()
    document = bid_page.context["documents"][0]
    file = client.get(reverse("projects:bid_document", args=[project.ref, bid_pk, document.pk]))
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_the_project_page_opens_the_bids_lazily(client, officer, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    submit_bid(project, bidder, org_admin)
    # Due once the deadline and the grace for requests still on their way have passed.
    past = timezone.now() - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)
    Project.objects.filter(pk=project.pk).update(deadline=past)
    _login(client, officer)
    html = client.get(reverse("projects:detail", args=[project.ref])).content.decode()
    project.refresh_from_db()
    assert project.opened_at is not None and project.state == "failed"  # one bid of the two needed
    assert bidder.name in html and 'id="retender"' in html
    response = client.post(reverse("projects:retender", args=[project.ref]), {"retender-confirm": "on"})
    copy = Project.objects.get(retender_of=project)
    assert response.status_code == 302 and response["Location"] == reverse("projects:detail", args=[copy.ref])
    assert copy.state == "draft"


# --- the list -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_filters_searches_and_counts(client, officer, make_project):
    make_project("draft", title="四点半课堂", budget=Decimal("20000.00"))
    published = make_project("published", budget=Decimal("20000.00"))
    _login(client, officer)
    response = client.get(reverse("projects:index"))
    tabs = {str(tab["label"]): tab["count"] for tab in response.context["state_tabs"]}
    assert tabs["全部"] == 2 and tabs["草稿"] == 1
    rows = list(response.context["projects_page"])
    assert rows[0].state == "draft"  # drafts (and those awaiting approval) first
    response = client.get(reverse("projects:index"), {"q": "四点半"})
    assert [p.title for p in response.context["projects_page"]] == ["四点半课堂"]
    response = client.get(reverse("projects:index"), {"q": published.ref})
    assert [p.ref for p in response.context["projects_page"]] == [published.ref]
    response = client.get(reverse("projects:index"), {"state": "published"})
    assert [p.ref for p in response.context["projects_page"]] == [published.ref]


@pytest.mark.django_db
def test_the_list_query_count_does_not_grow_with_the_rows(client, officer, second_officer, make_project, make_user):
    _login(client, officer)
    for _ in range(3):
        make_project("published", by=make_user("procurement_officer"), budget=Decimal("10000.00"))
    client.get(reverse("projects:index"))  # warm the per-process caches (site, permissions)
    with CaptureQueriesContext(connection) as three:
        assert client.get(reverse("projects:index")).status_code == 200
    for _ in range(7):
        make_project("draft", by=make_user("procurement_officer"), budget=Decimal("10000.00"))
    with CaptureQueriesContext(connection) as ten:
        response = client.get(reverse("projects:index"))
    assert len(response.context["projects_page"]) == 10
    assert len(ten.captured_queries) == len(three.captured_queries)


# --- the Wagtail admin: the workbench link and the methods' configuration -------------------------------------


@pytest.mark.django_db
def test_officers_keep_the_purchase_methods_in_the_admin(client, officer, site):
    _login(client, officer)
    dashboard = client.get("/admin/").content.decode()
    # The sidebar is JSON with escaped characters.
    assert json.dumps("购买项目")[1:-1] in dashboard and reverse("projects:index") in dashboard
    listing = client.get("/admin/purchase-methods/")
    assert listing.status_code == 200 and "公开招标" in listing.content.decode()
    tender = method("public_tender")
    page = client.get(f"/admin/purchase-methods/edit/{tender.pk}/")
    assert page.status_code == 200
    post = {
        field: ("" if value is None else value)
        for field, value in page.context["form"].initial.items()
        if field in page.context["form"].fields
    }
    for flag in ("named_organization", "justification_required", "one_bid_per_organization", "active"):
        if not post.get(flag):
            post.pop(flag, None)
    post["min_period"] = "25"
    response = client.post(f"/admin/purchase-methods/edit/{tender.pk}/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    tender.refresh_from_db()
    # A floor changes only when a second officer approves (issue 12; tests/security/test_fixes_purchase_methods.py).
    assert tender.min_period == 20
    event = AuditEvent.objects.get(action="purchasemethod.edit")
    assert event.actor == officer and event.details["changed"] == ["min_period"]
    assert AuditEvent.objects.get(action="purchasemethod.change_proposed").details["proposed"] == {"min_period": 25}
    # An even committee is refused.
    post["committee_size"] = "4"
    assert client.post(f"/admin/purchase-methods/edit/{tender.pk}/", post).status_code == 200
    tender.refresh_from_db()
    assert tender.committee_size == 5


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "platform_admin"])
def test_other_admin_users_cannot_reach_the_methods(client, make_user, site, role):
    _login(client, make_user(role))
    response = client.get("/admin/purchase-methods/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == "/admin/" or "/login/" in response["Location"]
    assert reverse("projects:index") not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_item_preselected_and_call_documents_pdf_only_removable_in_draft(client, officer, published, make_project):
    _login(client, officer)
    item = published.items.get(code="B0101")
    page = client.get(reverse("projects:create"), {"item": "B0101"})
    assert page.context["form"].initial["catalogue_items"] == [str(item.pk)]

    project = make_project("draft")
    url = reverse("projects:documents", args=[project.ref])
    refused = client.post(
        url, {"doc-kind": "call", "doc-file": SimpleUploadedFile("call.pdf", b"<html>not a pdf</html>")}
    )
    assert refused.status_code == 200 and "file" in refused.context["document_form"].errors
    assert not ProjectDocument.objects.exists()
    client.post(url, {"doc-kind": "requirements", "doc-file": SimpleUploadedFile("需求.pdf", pdf_bytes("需求"))})
    document = ProjectDocument.objects.get()
    assert document.title == "需求.pdf"  # the file's name when no title is given
    file = client.get(reverse("projects:document", args=[project.ref, document.pk]))
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"
    response = client.post(reverse("projects:document_remove", args=[project.ref, document.pk]))
    assert response.status_code == 302 and not ProjectDocument.objects.exists()
    assert AuditEvent.objects.filter(action="projectdocument.remove").count() == 1
