"""The organizations' bidding pages (/org/<pk>/calls/, /org/<pk>/bids/…):
the whole member flow through the views, bad input (a clear error, nothing
changed, the typed values kept), refused readers (404, never 403) and the
deadline, which turns the bid read-only."""

import datetime
import hashlib
import html
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import AuditEvent, Bid, BidDocument, BidVersion, Clarification, EntryStandard, Project
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import projects as project_services
from tests.org_fixtures import PNG_BYTES, pdf_bytes
from tests.project_fixtures import fill_bid, submit_bid

OVER_FUNDS = "测试：多个项目共用社区经费"

# --- helpers --------------------------------------------------------------------------------


def translated(text, **values):
    with translation.override("zh-hans"):
        message = translation.gettext(text)
    return message % values if values else message


def page_text(response):
    return html.unescape(response.content.decode())


def field_errors(response, auto_id):
    """The error text shown next to the field whose id is ``auto_id``."""
    found = re.search(rf'<div id="{re.escape(auto_id)}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def input_value(response, name):
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', response.content.decode())
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def textarea_value(response, name):
    found = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S)
    assert found, f"no textarea {name}"
    return html.unescape(found.group(1)).strip()


def snapshot():
    return (
        list(Bid.objects.order_by("pk").values()),
        list(BidVersion.objects.order_by("pk").values()),
        list(BidDocument.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def url(name, organization, project=None, *args):
    parts = [organization.pk] + ([project.ref] if project is not None else []) + list(args)
    return reverse(f"orgs:{name}", args=parts)


def editor_data(project, *, price="120000.00", team="持证社工3名", experience="三年居家养老服务经验", action="save"):
    data = {"action": action, "price": price, "team": team, "experience": experience}
    for criterion in project.criteria.filter(is_price=False):
        data[f"response_{criterion.pk}"] = f"关于{criterion.name}的响应"
    return data


def pdf_upload(name="方案.pdf", content=None):
    return SimpleUploadedFile(name, content if content is not None else pdf_bytes("方案"), "application/pdf")


@pytest.fixture
def project(make_project):
    return make_project("published")


@pytest.fixture
def member(client, org_admin):
    client.force_login(org_admin)
    return client


@pytest.fixture
def draft_bid(project, bidder, org_admin):
    return bid_services.start_bid(project, bidder, by=org_admin)


# --- the whole flow ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_prepares_saves_uploads_submits_resubmits_and_withdraws(member, project, bidder):
    calls = member.get(url("calls", bidder))
    assert calls.status_code == 200
    assert 'lang="zh-Hans"' in calls.content.decode()
    assert project.title in page_text(calls)
    assert translated("Your organization may bid") in page_text(calls)

    page = member.get(url("bid", bidder, project))
    assert page.status_code == 200
    assert 'name="action" value="start"' in page.content.decode()
    assert project.criteria.filter(is_price=False).first().description in page_text(page)

    response = member.post(url("bid", bidder, project), {"action": "start"})
    assert response.status_code == 302
    bid = Bid.objects.get(project=project, organization=bidder)
    assert bid.state == Bid.State.DRAFT

    response = member.post(url("bid", bidder, project), editor_data(project))
    assert response.status_code == 302
    bid.refresh_from_db()
    assert str(bid.price) == "120000.00" and bid.team == "持证社工3名"
    assert len(bid.responses) == 2

    response = member.post(
        url("bid", bidder, project), {"action": "upload", "doc-title": "服务方案", "doc-file": pdf_upload()}
    )
    assert response.status_code == 302
    document = BidDocument.objects.get(bid=bid)
    assert document.title == "服务方案"

    confirm = member.get(url("bid_submit", bidder, project))
    assert confirm.status_code == 200 and "服务方案" in page_text(confirm)
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"})
    version = BidVersion.objects.get(bid=bid)
    assert response.status_code == 302
    assert response["Location"] == url("receipt", bidder, project, 1)
    bid.refresh_from_db()
    assert bid.state == Bid.State.SUBMITTED and bid.current_version == version

    receipt = member.get(url("receipt", bidder, project, 1))
    assert receipt.status_code == 200
    text = page_text(receipt)
    assert version.digest in text
    assert version.canonical in text  # the exact text, in a <pre>
    assert document.sha256 in text and document.original_name in text
    assert reverse("bid_receipt_help") in text

    as_json = member.get(url("receipt_json", bidder, project, 1))
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert f'filename="receipt-{project.ref}-v1.json"' in as_json["Content-Disposition"]
    assert as_json["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(as_json.content).hexdigest() == version.digest
    assert as_json.content == version.canonical.encode("utf-8")

    served = member.get(url("bid_document", bidder, project, document.pk))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == pdf_bytes("方案")

    # Change the price and submit again: version 2 counts, version 1 stays.
    member.post(url("bid", bidder, project), editor_data(project, price="110000"))
    page = member.get(url("bid", bidder, project))
    assert translated(
        "The draft below has changes that are not submitted: version %(number)s still counts. "
        "Submit again for the changes to count.",
        number=1,
    ) in page_text(page)
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"})
    assert response["Location"] == url("receipt", bidder, project, 2)
    second = BidVersion.objects.get(bid=bid, number=2)
    assert str(second.price) == "110000.00"
    page = member.get(url("bid", bidder, project))
    assert version.digest in page_text(page) and second.digest in page_text(page)
    assert url("receipt", bidder, project, 1) in page_text(page)

    listing = member.get(url("bids", bidder))
    assert listing.status_code == 200
    assert second.digest in page_text(listing) and project.title in page_text(listing)

    # Withdraw: without the tick nothing happens, with it the bid is withdrawn.
    before = snapshot()
    response = member.post(url("bid_withdraw", bidder, project), {})
    assert response.status_code == 200
    assert translated("Tick the box to confirm.") in field_errors(response, "id_withdraw-confirm")
    assert snapshot() == before
    response = member.post(url("bid_withdraw", bidder, project), {"withdraw-confirm": "on"})
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.state == Bid.State.WITHDRAWN
    # The receipts stay available to the members.
    assert member.get(url("receipt", bidder, project, 2)).status_code == 200


@pytest.mark.django_db
def test_remove_document_takes_it_out_of_the_draft(member, project, bidder, draft_bid, org_admin):
    document = bid_services.upload_document(draft_bid, by=org_admin, file=pdf_upload(), title="方案")
    response = member.post(url("bid_document_remove", bidder, project, document.pk))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.removed_at is not None
    assert member.get(url("bid_document_remove", bidder, project, document.pk)).status_code == 405


# --- bad input: a clear error, nothing changes, the typed values are kept ----------------------


@pytest.mark.django_db
@pytest.mark.parametrize("price", ["0", "150000.01", "abc", "-5"])
def test_bad_price_is_refused_next_to_the_field(member, project, bidder, draft_bid, price):
    with translation.override("zh-hans"):
        with pytest.raises(bid_services.BidError) as caught:
            bid_services.clean_price(price, project)
    before = snapshot()
    data = editor_data(project, price=price, team="我们的团队")
    response = member.post(url("bid", bidder, project), data)
    assert response.status_code == 200
    assert caught.value.message in field_errors(response, "id_price")
    assert translated("Nothing was saved. Please correct:") in page_text(response)
    assert input_value(response, "price") == price
    assert textarea_value(response, "team") == "我们的团队"
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content",
    [
        ("图片.pdf", PNG_BYTES),
        ("page.pdf", b"<!DOCTYPE html><html><body>not a pdf</body></html>\n"),
    ],
)
def test_upload_that_is_not_a_pdf_is_refused(member, project, bidder, draft_bid, name, content):
    before = snapshot()
    response = member.post(
        url("bid", bidder, project),
        {"action": "upload", "doc-title": "方案", "doc-file": SimpleUploadedFile(name, content, "application/pdf")},
    )
    assert response.status_code == 200
    error = field_errors(response, "id_doc-file")
    assert error
    assert error in (
        translated("Bid documents must be PDF files (the content was checked, not the name). Save it as PDF."),
        translated(
            "This file is not a PDF, JPEG or PNG file (its content was checked, not its name). "
            "Scan or save the document as PDF, JPG or PNG and upload it again."
        ),
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_submit_with_parts_missing_lists_them(member, project, bidder, draft_bid, org_admin):
    bid_services.save_bid(draft_bid, by=org_admin, price="100000")
    draft_bid.refresh_from_db()
    with translation.override("zh-hans"):
        parts = "、".join(str(part) for part in bid_services.missing_parts(draft_bid, project))
    before = snapshot()
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"})
    assert response.status_code == 200
    text = page_text(response)
    assert translated("the team") in text and translated("the experience") in text
    assert translated("Before submitting, add %(parts)s.", parts=parts) in text
    assert snapshot() == before


@pytest.mark.django_db
def test_submit_without_the_tick_changes_nothing(member, project, bidder, draft_bid, org_admin):
    fill_bid(draft_bid, org_admin)
    before = snapshot()
    response = member.post(url("bid_submit", bidder, project), {})
    assert response.status_code == 200
    assert translated("Tick the box to confirm.") in field_errors(response, "id_submit-confirm")
    assert snapshot() == before


@pytest.mark.django_db
def test_suspended_organization_sees_the_failed_rules_and_cannot_prepare(client, make_org, make_user, project):
    admin = make_user("organization_member", verified_at=timezone.now())
    organization = make_org("suspended", admin=admin)
    client.force_login(admin)
    rule = translated("The organization is suspended: it is not eligible until it is reinstated.")

    page = client.get(url("bid", organization, project))
    assert page.status_code == 200
    assert rule in page_text(page)
    assert 'value="start"' not in page.content.decode()

    calls = client.get(url("calls", organization))
    assert rule in page_text(calls)
    eligible_only = client.get(url("calls", organization), {"show": "eligible"})
    assert project.title not in page_text(eligible_only)

    response = client.post(url("bid", organization, project), {"action": "start"})
    assert response.status_code == 200
    assert rule in page_text(response)
    assert not Bid.objects.filter(organization=organization).exists()


@pytest.mark.django_db
def test_suspension_after_the_draft_blocks_submission(member, project, bidder, draft_bid, org_admin):
    fill_bid(draft_bid, org_admin)
    bidder.suspend(by=None, reason="test")
    bidder.save()
    before = snapshot()
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"})
    assert response.status_code == 200
    text = page_text(response)
    assert translated("Your organization does not meet this call's conditions.") in text
    assert translated("The organization is suspended: it is not eligible until it is reinstated.") in text
    assert snapshot() == before


@pytest.mark.django_db
def test_calls_show_reasons_and_filter_eligible(member, make_project, bidder):
    open_call = make_project("published")
    strict = EntryStandard.objects.create(name="须登记", required_track="registered")
    closed_to_us = make_project(
        "published", entry_standard=strict, title="需登记组织的项目", budget_override_reason=OVER_FUNDS
    )
    response = member.get(url("calls", bidder))
    text = page_text(response)
    assert open_call.title in text and closed_to_us.title in text
    assert translated("Your organization may not bid") in text
    response = member.get(url("calls", bidder), {"show": "eligible"})
    text = page_text(response)
    assert open_call.ref in text and closed_to_us.ref not in text
    response = member.get(url("calls", bidder), {"q": "需登记"})
    text = page_text(response)
    assert closed_to_us.ref in text and open_call.ref not in text


@pytest.mark.django_db
def test_calls_page_queries_do_not_grow_with_calls(member, make_project, bidder, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_project("published")
    with CaptureQueriesContext(connection) as one:
        member.get(url("calls", bidder))
    make_project("published", budget_override_reason=OVER_FUNDS)
    make_project("published", budget_override_reason=OVER_FUNDS)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = member.get(url("calls", bidder))
    assert response.status_code == 200


@pytest.mark.django_db
def test_question_is_sent_with_the_promise_of_anonymity(member, project, bidder):
    page = member.get(url("ask", bidder, project))
    assert translated("The answer is published anonymously.") in page_text(page)
    response = member.post(url("ask", bidder, project), {"question": ""})
    assert response.status_code == 200
    assert translated("Write your question.") in field_errors(response, "id_question")
    assert not Clarification.objects.exists()
    response = member.post(url("ask", bidder, project), {"question": "服务对象的名单何时提供？"})
    assert response.status_code == 302
    assert Clarification.objects.get().organization == bidder


@pytest.mark.django_db
def test_addendum_asks_for_confirmation(member, project, bidder, org_admin, officer):
    submit_bid(project, bidder, org_admin)
    project_services.issue_addendum(project, by=officer, text="服务范围增加助浴。")
    listing = member.get(url("bids", bidder))
    assert translated("An addendum changed the call: confirm again") in page_text(listing)
    page = member.get(url("bid", bidder, project))
    assert translated("An addendum changed the call: confirm again") in page_text(page)
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"})
    assert response.status_code == 302
    assert not Bid.objects.get(project=project, organization=bidder).needs_confirmation


# --- who may look: everybody else gets 404 ---------------------------------------------------


@pytest.mark.django_db
def test_non_members_officers_and_admins_get_404_before_the_deadline(
    client, project, bidder, org_admin, make_org, make_user, officer
):
    version = submit_bid(project, bidder, org_admin)
    document = version.documents.get()
    other_admin = make_user("organization_member", verified_at=timezone.now())
    make_org("approved", admin=other_admin)
    superuser = make_user(username="root", is_superuser=True, is_staff=True)
    pages = [
        url("calls", bidder),
        url("bids", bidder),
        url("bid", bidder, project),
        url("bid_submit", bidder, project),
        url("bid_withdraw", bidder, project),
        url("ask", bidder, project),
        url("bid_document", bidder, project, document.pk),
        url("receipt", bidder, project, 1),
        url("receipt_json", bidder, project, 1),
        url("receipt_pdf", bidder, project, 1),
    ]
    for user in (other_admin, officer, superuser):
        client.force_login(user)
        for address in pages:
            response = client.get(address)
            assert response.status_code == 404, (user, address)
            assert version.digest not in response.content.decode()
        response = client.post(url("bid_submit", bidder, project), {"submit-confirm": "on"})
        assert response.status_code == 404
    client.logout()
    for address in pages:
        response = client.get(address)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert BidVersion.objects.count() == 1


@pytest.mark.django_db
def test_member_cannot_reach_another_organizations_bid_through_its_own_pk(member, project, bidder, make_org):
    other = make_org("approved")
    version = submit_bid(project, other, other.memberships.get().user)
    # The member's own organization has no bid: 404 for receipts and documents.
    assert member.get(url("receipt", bidder, project, 1)).status_code == 404
    assert member.get(url("bid_document", bidder, project, version.documents.get().pk)).status_code == 404
    assert version.digest not in page_text(member.get(url("bid", bidder, project)))


# --- the deadline ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_the_deadline_the_bid_is_read_only_and_submission_refused(member, project, bidder, org_admin):
    version = submit_bid(project, bidder, org_admin)
    # Past the deadline and its grace (requests that arrived in time have been waited for).
    just_due = timezone.now() - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)
    Project.objects.filter(pk=project.pk).update(deadline=just_due)
    project.refresh_from_db()
    deadline_message = translated(
        "The deadline (%(deadline)s) has passed: no bid can be submitted or changed.",
        deadline=timezone.localtime(project.deadline).strftime("%Y-%m-%d %H:%M:%S"),
    )

    page = member.get(url("bid", bidder, project))  # lazily opens the bids
    assert page.status_code == 200
    content = page.content.decode()
    assert 'value="save"' not in content and 'name="submit-confirm"' not in content
    assert deadline_message in page_text(page)
    assert version.digest in page_text(page)
    project.refresh_from_db()
    assert project.opened_at is not None

    before = snapshot()
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"}, follow=True)
    assert deadline_message in page_text(response)
    response = member.post(url("bid", bidder, project), editor_data(project, price="1000"))
    assert deadline_message in page_text(response)
    response = member.post(url("bid_withdraw", bidder, project), {"withdraw-confirm": "on"}, follow=True)
    assert deadline_message in page_text(response)
    assert snapshot() == before
    # The receipt stays available to the members.
    assert member.get(url("receipt", bidder, project, 1)).status_code == 200


@pytest.mark.django_db
def test_deadline_passing_before_the_opening_is_refused_with_the_deadline_message(
    member, project, bidder, draft_bid, org_admin
):
    """Even if nothing has opened the bids yet, the server clock decides."""
    fill_bid(draft_bid, org_admin)
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    project.refresh_from_db()
    response = member.post(url("bid_submit", bidder, project), {"submit-confirm": "on"}, follow=True)
    assert translated(
        "The deadline (%(deadline)s) has passed: no bid can be submitted or changed.",
        deadline=timezone.localtime(project.deadline).strftime("%Y-%m-%d %H:%M:%S"),
    ) in page_text(response)
    assert not BidVersion.objects.exists()


# --- the receipt PDF and the help page -----------------------------------------------------------


@pytest.mark.django_db
def test_receipt_pdf_renders_with_the_digest(member, project, bidder, org_admin, tmp_path):
    version = submit_bid(project, bidder, org_admin)
    response = member.get(url("receipt_pdf", bidder, project, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "receipt.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert version.digest in text
        assert "投标回执" in text and project.ref in text


@pytest.mark.django_db
def test_help_page_example_recomputes(client, site):
    response = client.get(reverse("bid_receipt_help"))
    assert response.status_code == 200
    content = response.content.decode()
    canonical = html.unescape(re.search(r'<pre class="canonical" id="example-canonical">(.*?)</pre>', content, re.S)[1])
    digest = re.search(r'id="example-digest">([0-9a-f]{64})<', content)[1]
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == digest
    assert "sha256sum" in content and "hashlib.sha256" in content
    assert settings.LANGUAGE_CODE == "zh-hans" and 'lang="zh-Hans"' in content


# --- issue 14: every button of the bid page keeps what was typed -------------------------------------


@pytest.mark.django_db
def test_attaching_a_pdf_also_saves_the_typed_draft(member, project, bidder, draft_bid):
    data = editor_data(project, action="upload", team="新团队", experience="新经验")
    data.update({"doc-title": "服务方案", "doc-file": pdf_upload()})
    response = member.post(url("bid", bidder, project), data)
    assert response.status_code == 302
    draft_bid.refresh_from_db()
    assert str(draft_bid.price) == "120000.00" and draft_bid.team == "新团队" and draft_bid.experience == "新经验"
    assert sorted(draft_bid.responses.values()) == sorted(
        value for key, value in data.items() if key.startswith("response_")
    )
    assert list(BidDocument.objects.filter(bid=draft_bid).values_list("title", flat=True)) == ["服务方案"]
    assert not BidVersion.objects.exists()  # saved and attached, not submitted


@pytest.mark.django_db
def test_a_refused_pdf_keeps_the_typed_draft(member, project, bidder, draft_bid):
    data = editor_data(project, action="upload", team="新团队")
    data.update({"doc-title": "方案", "doc-file": SimpleUploadedFile("x.pdf", PNG_BYTES, "application/pdf")})
    response = member.post(url("bid", bidder, project), data)
    assert response.status_code == 200
    assert field_errors(response, "id_doc-file")
    assert textarea_value(response, "team") == "新团队" and input_value(response, "price") == "120000.00"
    draft_bid.refresh_from_db()
    assert draft_bid.team == "新团队"  # the text was saved first
    assert not BidDocument.objects.exists()


@pytest.mark.django_db
def test_a_bad_price_with_a_pdf_changes_nothing_and_shows_everything_typed(member, project, bidder, draft_bid):
    before = snapshot()
    data = editor_data(project, action="upload", price="abc", team="新团队")
    data.update({"doc-title": "方案", "doc-file": pdf_upload()})
    response = member.post(url("bid", bidder, project), data)
    assert response.status_code == 200
    assert field_errors(response, "id_price")
    assert input_value(response, "price") == "abc" and textarea_value(response, "team") == "新团队"
    for key, value in data.items():
        if key.startswith("response_"):
            assert textarea_value(response, key) == value
    assert translated("The PDF was not attached: correct the form below, then choose the file again.") in page_text(
        response
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_submit_and_remove_buttons_save_the_typed_draft_first(member, project, bidder, draft_bid, org_admin):
    document = bid_services.upload_document(draft_bid, by=org_admin, file=pdf_upload(), title="旧方案")
    response = member.post(url("bid", bidder, project), editor_data(project, action=f"remove-{document.pk}", team="甲"))
    assert response.status_code == 302
    draft_bid.refresh_from_db()
    document.refresh_from_db()
    assert draft_bid.team == "甲" and document.removed_at is not None
    # Submit without the tick: the text is saved and shown, the tick's error is on the tick, nothing submitted.
    response = member.post(url("bid", bidder, project), editor_data(project, action="submit", team="乙"))
    assert response.status_code == 200
    assert translated("Tick the box to confirm.") in field_errors(response, "id_submit-confirm")
    assert textarea_value(response, "team") == "乙"
    draft_bid.refresh_from_db()
    assert draft_bid.team == "乙" and draft_bid.state == Bid.State.DRAFT
    assert not BidVersion.objects.exists()


@pytest.mark.django_db
def test_the_bid_page_is_one_form(member, project, bidder, draft_bid):
    page = member.get(url("bid", bidder, project)).content.decode()
    editor = page[page.index('class="work-form bid-form"') :]
    editor = editor[: editor.index("</form>")]
    assert 'enctype="multipart/form-data"' in page[page.index('class="work-form bid-form"') - 80 :][:200]
    for button in ('value="save"', 'value="upload"', 'value="submit"', 'name="doc-file"', 'name="submit-confirm"'):
        assert button in editor, button


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bid_state,words",
    [(Bid.State.NOT_AWARDED, "Not awarded to us"), (Bid.State.AWARDED, "We won this call")],
)
def test_bid_list_and_page_show_the_bids_outcome_not_the_projects_state(
    member, project, bidder, org_admin, bid_state, words
):
    from tests.project_fixtures import open_now

    submit_bid(project, bidder, org_admin)
    open_now(project)
    Bid.objects.filter(project=project).update(state=bid_state)
    Project.objects.filter(pk=project.pk).update(state=Project.State.AWARDED)
    with translation.override("zh-hans"):
        awarded = str(Project.State.AWARDED.label)
    for page in (url("bids", bidder), url("bid", bidder, project)):
        text = re.sub(r"<select.*?</select>", "", page_text(member.get(page)), flags=re.S)  # not the filters
        assert translated(words) in text
        if bid_state == Bid.State.NOT_AWARDED:
            assert awarded not in text, page  # 已确定中标 read as a win on a lost bid


@pytest.mark.django_db
def test_the_bid_pages_show_the_exact_deadline_with_its_seconds(member, project, bidder, draft_bid):
    """Issue 14: a deadline that decides something is shown as it is, seconds included."""
    exact = (project.deadline - datetime.timedelta(minutes=1)).replace(second=43, microsecond=0)
    Project.objects.filter(pk=project.pk).update(deadline=exact)
    shown = timezone.localtime(exact).strftime("%Y-%m-%d %H:%M:%S")
    assert shown in page_text(member.get(url("bid", bidder, project)))
    assert shown in page_text(member.get(url("bids", bidder)))
