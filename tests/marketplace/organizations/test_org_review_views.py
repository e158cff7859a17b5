"""The officers' review of social organizations (/work/organizations/): who
may open it, the queue's filters and query count, the organization's page
(data, documents side by side, eligibility, audit history) and every
decision, from the side of the officer and of everybody refused.

Pages are requested in English (the language cookie), so the assertions do
not depend on the state of the Chinese catalogue."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.models import AuditEvent, Community, Membership, Notice, Organization
from tests.org_fixtures import JPEG_BYTES, add_document

DECISIONS = ("return", "approve", "suspend", "reinstate", "blacklist")


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def officer_client(english, officer_user, site):
    english.force_login(officer_user)
    return english


def _urls(organization, document=None):
    document = document or organization.documents.first()
    urls = [
        reverse("orgreview:queue"),
        reverse("orgreview:detail", args=[organization.pk]),
        reverse("orgreview:document", args=[organization.pk, document.pk]),
    ]
    return urls + [reverse(f"orgreview:{name}", args=[organization.pk]) for name in DECISIONS]


def _snapshot(organization):
    organization.refresh_from_db()
    return (
        organization.state,
        organization.decided_at,
        dict(organization.return_reasons),
        AuditEvent.objects.count(),
        Notice.objects.count(),
    )


def _post(client, organization, decision, data, *, confirm=True, back=""):
    payload = {f"{decision}-{key}": value for key, value in data.items()}
    if confirm:
        payload[f"{decision}-confirm"] = "on"
    if back:
        payload["back"] = back
    return client.post(reverse(f"orgreview:{decision}", args=[organization.pk]), payload)


def _form(response, decision):
    for item in response.context["decisions"]:
        if item["decision"].name == decision:
            return item["form"]
    raise AssertionError(f"no {decision} form on the page")


def _member_notices(organization):
    members = Membership.objects.filter(organization=organization).values("user_id")
    return Notice.objects.filter(user_id__in=members)


# --- access ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_from_every_page(client, make_org, site):
    organization = make_org("submitted")
    before = _snapshot(organization)
    for url in _urls(organization):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert _snapshot(organization) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["organization_member", "community_worker", "editor", "platform_admin", "evaluator"])
def test_other_roles_are_refused_every_page(client, make_user, make_org, community, site, role):
    organization = make_org("submitted")
    client.force_login(make_user(role, community=community))
    before = _snapshot(organization)
    for url in _urls(organization):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"approve-confirm": "on", "return-basics": "x"}).status_code == 403, url
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_the_organizations_own_admin_is_refused(client, make_org, org_admin, site):
    organization = make_org("submitted", admin=org_admin)
    client.force_login(org_admin)
    before = _snapshot(organization)
    for url in _urls(organization):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"approve-confirm": "on"}).status_code == 403, url
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_an_officer_who_is_a_member_sees_no_decision_and_cannot_post_one(english, make_user, make_org, site):
    officer = make_user("procurement_officer", "organization_member", verified_at=timezone.now())
    organization = make_org("submitted", admin=officer)
    english.force_login(officer)

    page = english.get(reverse("orgreview:detail", args=[organization.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["is_member"] is True and page.context["decisions"] == []
    assert "You belong or belonged to this organization, so you may not decide on it." in html
    for name in DECISIONS:
        assert reverse(f"orgreview:{name}", args=[organization.pk]) not in html

    before = _snapshot(organization)
    assert _post(english, organization, "approve", {}).status_code == 403
    assert _post(english, organization, "return", {"basics": "改名"}).status_code == 403
    assert _snapshot(organization) == before
    # The officer still reads the documents (review by another officer, not secrecy).
    document = organization.documents.first()
    assert english.get(reverse("orgreview:document", args=[organization.pk, document.pk])).status_code == 200


# --- the queue -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_shows_submitted_organizations_oldest_first_by_default(officer_client, make_org):
    first = make_org("submitted", name="先提交的组织")
    second = make_org("submitted", name="后提交的组织")
    Organization.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=3))
    make_org("approved", name="已通过的组织")
    make_org("draft", name="草稿组织")

    response = officer_client.get(reverse("orgreview:queue"))
    assert response.status_code == 200
    names = [organization.name for organization, _url in response.context["rows"]]
    assert names == [first.name, second.name]
    html = response.content.decode()
    assert "已通过的组织" not in html and "草稿组织" not in html
    counts = {tab["value"]: tab["count"] for tab in response.context["state_tabs"]}
    # A draft never submitted is the members' own work: not in any list.
    assert counts["submitted"] == 2 and counts["approved"] == 1 and counts["draft"] == 0 and counts["all"] == 3
    everything = officer_client.get(reverse("orgreview:queue"), {"state": "all"}).content.decode()
    assert "已通过的组织" in everything and "草稿组织" not in everything


@pytest.mark.django_db
def test_officers_cannot_open_a_draft_never_submitted(officer_client, make_org):
    draft = make_org("draft")
    document = draft.documents.get()
    assert officer_client.get(reverse("orgreview:detail", args=[draft.pk])).status_code == 404
    response = officer_client.get(reverse("orgreview:document", args=[draft.pk, document.pk]))
    assert response.status_code in (403, 404)


@pytest.mark.django_db
def test_queue_filters_by_state_track_type_community_and_search(officer_client, make_org, district):
    other = Community.objects.create(district=district, street="西城街道", code="T01-09", name="春晖社区")
    approved = make_org("approved", name="阳光助老服务队")
    registered = make_org("submitted", track="registered", name="岳麓社工服务中心")
    culture = make_org("submitted", name="夕阳红文体队", kind="culture_sports")
    elsewhere = make_org("submitted", name="春晖邻里互助会", community=other)

    def names(**params):
        response = officer_client.get(reverse("orgreview:queue"), params)
        assert response.status_code == 200
        return {organization.name for organization, _url in response.context["rows"]}

    assert names(state="approved") == {approved.name}
    assert names(state="all") == {approved.name, registered.name, culture.name, elsewhere.name}
    assert names(track="registered") == {registered.name}
    assert names(state="all", track="filed") == {approved.name, culture.name, elsewhere.name}
    assert names(kind="culture_sports") == {culture.name}
    assert names(community=other.pk) == {elsewhere.name}
    assert names(state="all", q="助老") == {approved.name}
    assert names(q=registered.credit_code) == {registered.name}
    assert names(q=registered.credit_code[:10].lower()) == {registered.name}
    assert names(q="不存在的组织") == set()
    # A nonsense filter value is ignored, not an error page.
    assert names(state="nonsense") == {registered.name, culture.name, elsewhere.name}

    # The state tabs count under the other filters.
    response = officer_client.get(reverse("orgreview:queue"), {"track": "filed"})
    counts = {tab["value"]: tab["count"] for tab in response.context["state_tabs"]}
    assert counts["submitted"] == 2 and counts["approved"] == 1


@pytest.mark.django_db
def test_queue_is_paginated_and_keeps_its_filters(officer_client, make_org):
    for n in range(23):
        make_org("submitted", name=f"排队组织{n:02d}")
    first = officer_client.get(reverse("orgreview:queue"), {"q": "排队"})
    assert len(first.context["rows"]) == 20
    next_link = first.content.decode().split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "q=%E6%8E%92%E9%98%9F" in next_link and "page=2" in next_link
    second = officer_client.get(reverse("orgreview:queue"), {"q": "排队", "page": 2})
    assert len(second.context["rows"]) == 3


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_rows(officer_client, make_org, django_assert_max_num_queries):
    for _n in range(3):
        make_org("submitted")
    url = reverse("orgreview:queue")
    officer_client.get(url)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(url).status_code == 200
    for _n in range(27):
        make_org("submitted")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = officer_client.get(url)
    assert len(response.context["rows"]) == 20


# --- the organization's page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_shows_the_record_people_documents_eligibility_and_history(officer_client, make_org, org_admin):
    organization = make_org(
        "submitted",
        track="registered",
        admin=org_admin,
        contact_phone="13912345678",
        office="own",
        office_address="岳麓区麓山路1号",
    )
    picture = add_document(organization, "annual_inspection", content=JPEG_BYTES)
    picture.content_type = "image/jpeg"
    picture.save()

    response = officer_client.get(reverse("orgreview:detail", args=[organization.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # Data, including the private part, marked as not public.
    for text in (organization.name, organization.credit_code, "13912345678", "岳麓区麓山路1号", "Not public"):
        assert text in html, text
    assert organization.legal_representative_id_number in html
    # Staff and the accounts acting for it.
    for name in ("张三", "李四", "王五", "赵六", "钱七", org_admin.get_username()):
        assert name in html, name
    # The documents: listed, and the first current one embedded next to the list.
    viewer = response.context["viewer"]
    assert viewer["document"] is not None
    assert f'src="{reverse("orgreview:document", args=[organization.pk, viewer["document"].pk])}"' in html
    assert len(response.context["current_documents"]) == 3
    # Selecting the picture shows it as an image, with a plain link as fallback.
    picked = officer_client.get(reverse("orgreview:detail", args=[organization.pk]), {"doc": picture.pk})
    picture_url = reverse("orgreview:document", args=[organization.pk, picture.pk])
    assert picked.context["viewer"]["document"] == picture
    assert f'<img src="{picture_url}"' in picked.content.decode()
    assert f'<a href="{picture_url}"' in picked.content.decode()
    # Eligibility against every standard entry standard.
    assert response.context["eligibility"], "the migration's standard entry standards are checked"
    for result in response.context["eligibility"]:
        assert result.standard.name in html
    # The audit history of the organization (the fixture's submission).
    actions = [row["code"] for row in response.context["history"]]
    assert "organization.submit" in actions
    assert "Submitted for review" in html
    # Both decisions of a submitted organization are offered.
    assert [item["decision"].name for item in response.context["decisions"]] == ["return", "approve"]


@pytest.mark.django_db
def test_detail_offers_the_decisions_of_each_state(officer_client, make_org):
    expected = {
        "submitted": ["return", "approve"],
        "approved": ["suspend", "blacklist"],
        "suspended": ["reinstate"],
        "blacklisted": [],
        "returned": [],
    }
    for state, decisions in expected.items():
        organization = make_org(state)
        response = officer_client.get(reverse("orgreview:detail", args=[organization.pk]))
        assert [item["decision"].name for item in response.context["decisions"]] == decisions, state


@pytest.mark.django_db
def test_detail_links_back_to_the_queue_with_its_filters(officer_client, make_org):
    organization = make_org("approved", name="筛选后打开的组织")
    queue = officer_client.get(reverse("orgreview:queue"), {"state": "approved", "q": "筛选"})
    ((_org, detail_url),) = queue.context["rows"]
    back = parse_qs(urlsplit(detail_url).query)["back"][0]
    assert parse_qs(back) == {"state": ["approved"], "q": ["筛选"]}

    detail = officer_client.get(detail_url)
    queue_url = detail.context["queue_url"]
    assert urlsplit(queue_url).path == reverse("orgreview:queue")
    assert parse_qs(urlsplit(queue_url).query) == {"state": ["approved"], "q": ["筛选"]}
    assert f'href="{queue_url.replace("&", "&amp;")}"' in detail.content.decode()
    # Only the queue's own filters survive: the link cannot lead elsewhere.
    odd = officer_client.get(reverse("orgreview:detail", args=[organization.pk]), {"back": "next=//evil.test&state=x"})
    assert odd.context["queue_url"] == reverse("orgreview:queue") + "?state=x"


@pytest.mark.django_db
def test_detail_of_a_missing_organization_is_404(officer_client):
    assert officer_client.get(reverse("orgreview:detail", args=[999])).status_code == 404


# --- the document viewer ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_document_is_served_to_officers_as_a_sandboxed_attachment(officer_client, make_org):
    organization = make_org("submitted")
    document = organization.documents.get()
    response = officer_client.get(reverse("orgreview:document", args=[organization.pk, document.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    assert response["Content-Type"].startswith("application/pdf")
    # An uploaded file is never shown inside the platform's pages (issue 12).
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_document_of_another_organization_is_404(officer_client, make_org):
    organization = make_org("submitted")
    other = make_org("submitted")
    foreign = other.documents.get()
    assert officer_client.get(reverse("orgreview:document", args=[organization.pk, foreign.pk])).status_code == 404
    assert officer_client.get(reverse("orgreview:document", args=[organization.pk, 99999])).status_code == 404
    # And the page does not embed it either.
    page = officer_client.get(reverse("orgreview:detail", args=[organization.pk]), {"doc": foreign.pk})
    assert page.context["viewer"]["document"] is None and page.context["viewer"]["not_found"]
    assert reverse("orgreview:document", args=[organization.pk, foreign.pk]) not in page.content.decode()


# --- return for changes ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_return_needs_a_reason_and_a_confirmation(officer_client, make_org):
    organization = make_org("submitted")
    before = _snapshot(organization)

    blank = _post(officer_client, organization, "return", {"basics": "  ", "documents": ""})
    assert blank.status_code == 200
    assert "Give at least one reason, next to what must change." in _form(blank, "return").non_field_errors()
    assert "Give at least one reason, next to what must change." in blank.content.decode()

    unconfirmed = _post(officer_client, organization, "return", {"documents": "章程缺少盖章页"}, confirm=False)
    assert unconfirmed.status_code == 200
    assert "confirm" in _form(unconfirmed, "return").errors
    assert "章程缺少盖章页" in unconfirmed.content.decode()  # what was typed is kept
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_return_with_reasons(officer_client, officer_user, make_org, org_admin):
    organization = make_org("submitted", admin=org_admin)
    response = _post(
        officer_client,
        organization,
        "return",
        {"documents": "章程缺少盖章页", "people": "请补充联系电话"},
        back="state=submitted",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("orgreview:detail", args=[organization.pk]) + "?back=state%3Dsubmitted"
    organization.refresh_from_db()
    assert organization.state == "returned" and organization.decided_by == officer_user
    assert organization.return_reasons == {"documents": "章程缺少盖章页", "people": "请补充联系电话"}
    event = AuditEvent.objects.filter(action="organization.return_for_changes").get()
    assert event.actor == officer_user and (event.from_state, event.to_state) == ("submitted", "returned")
    assert "章程缺少盖章页" in event.reason and event.object_id == str(organization.pk)
    assert _member_notices(organization).filter(user=org_admin).count() == 1

    page = officer_client.get(response["Location"])
    html = page.content.decode()
    assert "The organization was returned for changes." in html  # the success message
    assert "章程缺少盖章页" in html and "Returned for changes" in html
    assert len(page.context["return_history"]) == 1


# --- approve ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_needs_the_confirmation(officer_client, make_org):
    organization = make_org("submitted")
    before = _snapshot(organization)
    response = _post(officer_client, organization, "approve", {"note": "材料齐全"}, confirm=False)
    assert response.status_code == 200
    assert "Tick the box to confirm the decision." in response.content.decode()
    assert "材料齐全" in response.content.decode()
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_approve(officer_client, officer_user, make_org, org_admin):
    organization = make_org("submitted", admin=org_admin)
    response = _post(officer_client, organization, "approve", {"note": "材料齐全，同意入库"})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.state == "approved" and organization.approved_at is not None
    event = AuditEvent.objects.filter(action="organization.approve").get()
    assert event.actor == officer_user and event.reason == "材料齐全，同意入库"
    assert _member_notices(organization).filter(user=org_admin).exists()
    html = officer_client.get(response["Location"]).content.decode()
    assert "The organization was approved." in html and "材料齐全，同意入库" in html


@pytest.mark.django_db
def test_approve_refused_by_the_service_shows_why_and_changes_nothing(officer_client, make_org):
    organization = make_org("submitted")
    organization.documents.all().delete()  # the required charter is gone since submission
    before = _snapshot(organization)
    response = _post(officer_client, organization, "approve", {})
    assert response.status_code == 200
    assert _form(response, "approve").non_field_errors()
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_a_decision_in_the_wrong_state_is_refused(officer_client, make_org):
    approved = make_org("approved")
    before = _snapshot(approved)
    response = _post(officer_client, approved, "approve", {})
    assert response.status_code == 302 and response["Location"] == reverse("orgreview:detail", args=[approved.pk])
    assert _post(officer_client, approved, "return", {"basics": "x"}).status_code == 302
    assert _post(officer_client, approved, "reinstate", {"reason": "x"}).status_code == 302
    assert _snapshot(approved) == before
    html = officer_client.get(response["Location"]).content.decode()
    assert "is not possible. Nothing was changed." in html

    submitted = make_org("submitted")
    before = _snapshot(submitted)
    _post(officer_client, submitted, "suspend", {"reason": "x"})
    _post(officer_client, submitted, "blacklist", {"reason": "x", "until": "2099-01-01"})
    assert _snapshot(submitted) == before


@pytest.mark.django_db
def test_get_on_a_decision_url_changes_nothing(officer_client, make_org):
    organization = make_org("submitted")
    before = _snapshot(organization)
    response = officer_client.get(reverse("orgreview:approve", args=[organization.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("orgreview:detail", args=[organization.pk])
    assert _snapshot(organization) == before


# --- suspend and reinstate ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_suspend_needs_a_reason_and_a_confirmation(officer_client, make_org):
    organization = make_org("approved")
    before = _snapshot(organization)
    no_reason = _post(officer_client, organization, "suspend", {"reason": "   "})
    assert no_reason.status_code == 200 and "reason" in _form(no_reason, "suspend").errors
    assert "Give the reason for the suspension." in no_reason.content.decode()
    unconfirmed = _post(officer_client, organization, "suspend", {"reason": "服务投诉待核实"}, confirm=False)
    assert "confirm" in _form(unconfirmed, "suspend").errors
    assert "服务投诉待核实" in unconfirmed.content.decode()
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_suspend_then_reinstate(officer_client, officer_user, make_org, org_admin):
    organization = make_org("approved", admin=org_admin)
    assert _post(officer_client, organization, "suspend", {"reason": "服务投诉待核实"}).status_code == 302
    organization.refresh_from_db()
    assert organization.state == "suspended" and organization.suspension_reason == "服务投诉待核实"
    event = AuditEvent.objects.filter(action="organization.suspend").get()
    assert event.actor == officer_user and event.reason == "服务投诉待核实"
    assert _member_notices(organization).count() == 1

    before = _snapshot(organization)
    no_reason = _post(officer_client, organization, "reinstate", {"reason": ""})
    assert no_reason.status_code == 200 and "reason" in _form(no_reason, "reinstate").errors
    unconfirmed = _post(officer_client, organization, "reinstate", {"reason": "投诉已核实不成立"}, confirm=False)
    assert "confirm" in _form(unconfirmed, "reinstate").errors
    assert _snapshot(organization) == before

    assert _post(officer_client, organization, "reinstate", {"reason": "投诉已核实不成立"}).status_code == 302
    organization.refresh_from_db()
    assert organization.state == "approved" and organization.suspension_reason == ""
    event = AuditEvent.objects.filter(action="organization.reinstate").get()
    assert event.actor == officer_user and event.reason == "投诉已核实不成立"
    assert _member_notices(organization).count() == 2


# --- blacklist -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_blacklist_refuses_a_past_end_date_no_reason_and_no_confirmation(officer_client, make_org):
    organization = make_org("approved")
    before = _snapshot(organization)
    today = timezone.localdate()
    later = (today + datetime.timedelta(days=90)).isoformat()

    for until in (today, today - datetime.timedelta(days=1)):
        response = _post(officer_client, organization, "blacklist", {"reason": "串通投标", "until": until.isoformat()})
        assert response.status_code == 200
        assert "The end date must be after today." in _form(response, "blacklist").errors["until"]
        assert "串通投标" in response.content.decode()

    bad_date = _post(officer_client, organization, "blacklist", {"reason": "串通投标", "until": "明年"})
    assert "until" in _form(bad_date, "blacklist").errors
    no_reason = _post(
        officer_client,
        organization,
        "blacklist",
        {"reason": "", "until": later},
    )
    assert "reason" in _form(no_reason, "blacklist").errors
    unconfirmed = _post(
        officer_client,
        organization,
        "blacklist",
        {"reason": "串通投标", "until": later},
        confirm=False,
    )
    assert "confirm" in _form(unconfirmed, "blacklist").errors
    assert _snapshot(organization) == before


@pytest.mark.django_db
def test_blacklist(officer_client, officer_user, make_org, org_admin):
    organization = make_org("approved", admin=org_admin)
    until = timezone.localdate() + datetime.timedelta(days=365)
    response = _post(officer_client, organization, "blacklist", {"reason": "串通投标", "until": until.isoformat()})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.state == "blacklisted" and organization.blacklisted_until == until
    assert organization.blacklist_reason == "串通投标"
    event = AuditEvent.objects.filter(action="organization.blacklist").get()
    assert event.actor == officer_user and event.reason == "串通投标"
    assert _member_notices(organization).filter(user=org_admin).count() == 1
    page = officer_client.get(response["Location"])
    assert page.context["decisions"] == []
    assert until.isoformat() in page.content.decode()


@pytest.mark.django_db
def test_history_names_who_did_what_and_replaced_documents_stay_visible(
    officer_client, officer_user, make_org, org_admin
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from marketplace.organizations.services import documents
    from marketplace.organizations.services import organizations as organization_services
    from tests.org_fixtures import pdf_bytes

    # Returned once, the members replace the charter and submit again.
    organization = make_org("returned", admin=org_admin)
    old_charter = organization.documents.get()
    new_charter = documents.upload_document(
        organization, by=org_admin, kind="charter", file=SimpleUploadedFile("新章程.pdf", pdf_bytes("new"))
    )
    organization_services.submit(organization, by=org_admin)
    assert _post(officer_client, organization, "suspend", {"reason": "x"}).status_code == 302  # wrong state
    assert _post(officer_client, organization, "return", {"basics": "名称与章程不一致"}).status_code == 302

    response = officer_client.get(reverse("orgreview:detail", args=[organization.pk]))
    assert [doc.pk for doc in response.context["current_documents"]] == [new_charter.pk]
    assert [doc.pk for doc in response.context["earlier_documents"]] == [old_charter.pk]
    # The replaced version can still be opened by the officer.
    old_url = reverse("orgreview:document", args=[organization.pk, old_charter.pk])
    assert officer_client.get(old_url).status_code == 200

    rows = {row["code"]: row for row in response.context["history"]}
    upload = rows["organization.document_upload"]
    assert upload["actor_username"] == org_admin.get_username() and upload["document_kind"] == "Charter"
    returned = rows["organization.return_for_changes"]
    assert returned["actor"] == officer_user.display_name and "名称与章程不一致" in returned["event"].reason
    assert (returned["from_state"], returned["to_state"]) == ("Submitted for review", "Returned for changes")
    assert "organization.suspend" not in rows  # the refused decision left no trace
