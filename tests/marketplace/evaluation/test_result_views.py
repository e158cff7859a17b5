"""The organizations' result pages (/org/<pk>/bids/<ref>/result/): the
outcome, their own scores and rank, the winner, the award notice and result
letter PDFs, and filing a challenge (质疑) with its documents; refused
readers get 404 (never 403), and a letter shows nothing of the other
bidders but the winner's name and price."""

import datetime
import html
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.evaluation.pdfs import letter_facts
from marketplace.evaluation.services import awards
from marketplace.models import AuditEvent, Bid, Challenge, ChallengeDocument
from tests.evaluation_fixtures import (
    award_top,
    declare_all,
    evaluated,
    form,
    qualify_all,
    report_and_confirm,
    score_all,
)
from tests.org_fixtures import pdf_bytes

pytestmark = pytest.mark.django_db

GROUNDS = "评分未按招标文件规定的标准进行，服务方案得分明显偏低。"


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def awarded(opened, pool, officer):
    """Evaluated and awarded: 投标组织2 (cheapest) wins, 1 ranks second, 3 third."""
    evaluated(opened, officer)
    opened.refresh_from_db()
    award_top(opened, officer)
    opened.refresh_from_db()
    return opened


@pytest.fixture
def with_disqualified(opened, pool, officer):
    """投标组织3 fails the qualification review; 投标组织2 wins."""
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer, failing=("投标组织3",))
    score_all(opened)
    report_and_confirm(opened)
    award_top(opened, officer)
    opened.refresh_from_db()
    return opened


def bid_of(project, name):
    return Bid.objects.select_related("organization", "project").get(project=project, organization__name=name)


def row_of(project, name):
    award = awards.live_award(project)
    return next(row for row in award.report.ranking if row["organization"] == name)


def url(name, project, index, *args):
    organization = bid_of(project, f"投标组织{index + 1}").organization
    return reverse(f"orgs:{name}", args=[organization.pk, project.ref, *args])


def login(client, project, index):
    client.force_login(project.admins[index])


def text_of(response):
    return html.unescape(response.content.decode())


def pdf_text(body):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-", "-"], input=body, capture_output=True, check=True, timeout=60
    ).stdout.decode()


def challenge_data(*, reasons=GROUNDS, files=None, confirm=True, complete=True):
    data = {"reasons": reasons}
    if files is not None:
        data["files"] = files
    if confirm:
        data["confirm"] = "on"
    if complete:  # last, as the browser sends it
        data["complete"] = "1"
    return data


def pdf_upload(name="评分复核申请.pdf", text="challenge"):
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def stored_challenge_files():
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "challenges"
    return sorted(folder.iterdir()) if folder.exists() else []


def nothing_filed(before_files):
    assert Challenge.objects.count() == 0
    assert ChallengeDocument.objects.count() == 0
    assert not AuditEvent.objects.filter(action="challenge.filed").exists()
    assert stored_challenge_files() == before_files


# --- who may see it -------------------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_log_in(client, awarded):
    for target in (
        url("bid_result", awarded, 0),
        url("result_letter_pdf", awarded, 0),
        url("challenge", awarded, 0),
        url("challenge_document", awarded, 0, 1),
    ):
        response = client.get(target)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.post(url("challenge", awarded, 0), challenge_data())
    assert response.status_code == 302 and Challenge.objects.count() == 0


def test_non_members_get_404_even_officers(client, awarded, officer):
    for user in (awarded.admins[2], officer):
        client.force_login(user)
        for target in (url("bid_result", awarded, 0), url("result_letter_pdf", awarded, 0)):
            assert client.get(target).status_code == 404
        assert client.post(url("challenge", awarded, 0), challenge_data()).status_code == 404
    assert Challenge.objects.count() == 0


def test_no_result_before_the_award(client, opened, pool, officer):
    login(client, opened, 0)
    assert client.get(url("bid_result", opened, 0)).status_code == 404
    assert client.get(url("result_letter_pdf", opened, 0)).status_code == 404
    evaluated(opened, officer)  # the report is confirmed but nobody is awarded yet
    assert client.get(url("bid_result", opened, 0)).status_code == 404
    assert client.get(url("result_letter_pdf", opened, 0)).status_code == 404
    page = client.get(url("bid", opened, 0))
    assert url("bid_result", opened, 0) not in page.content.decode()


def test_the_bid_pages_link_to_the_result_once_awarded(client, awarded):
    login(client, awarded, 0)
    result_url = url("bid_result", awarded, 0)
    assert result_url in client.get(url("bid", awarded, 0)).content.decode()
    organization = bid_of(awarded, "投标组织1").organization
    assert result_url in client.get(reverse("orgs:bids", args=[organization.pk])).content.decode()


# --- what the page shows ------------------------------------------------------------------------------


def test_the_winner_sees_its_award_and_cannot_challenge(client, awarded):
    login(client, awarded, 1)
    response = client.get(url("bid_result", awarded, 1))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    text = text_of(response)
    assert response.context["outcome"] == "awarded"
    assert "投标组织2" in text and "100,000.00" in text
    assert url("result_letter_pdf", awarded, 1) in text
    assert 'name="reasons"' not in text and 'id="challenge-problem"' in text
    assert response.context["problem"] == awards.challengeable_bid(awarded, bid_of(awarded, "投标组织2"))[1]
    before = stored_challenge_files()
    refused = client.post(url("challenge", awarded, 1), challenge_data())
    assert refused.status_code == 200 and 'id="challenge-problem"' in refused.content.decode()
    nothing_filed(before)


def test_a_loser_sees_its_own_scores_and_rank_and_the_winner_only(client, awarded):
    login(client, awarded, 0)
    response = client.get(url("bid_result", awarded, 0))
    assert response.status_code == 200
    text = text_of(response)
    own, other = row_of(awarded, "投标组织1"), row_of(awarded, "投标组织3")
    assert response.context["outcome"] == "not_awarded"
    assert own["rank"] == 2 and response.context["ranked_count"] == 3
    for value in (own["total"], own["price_score"], own["non_price"], "120,000.00"):
        assert value in text
    assert "投标组织2" in text and "100,000.00" in text  # the winner and its price
    assert "投标组织3" not in text and other["total"] not in text and "140,000.00" not in text
    assert other["price_score"] not in text
    assert set(response.context["scores"]) == {"rank", "price", "price_score", "non_price", "total"}
    live = awards.live_award(awarded)
    assert response.context["days_left"] == awards.working_time_left(live.challenge_deadline) >= 0
    assert live.challenge_deadline.astimezone().strftime("%Y-%m-%d") in text
    assert 'name="reasons"' in text and 'name="files"' in text and "multiple" in text


def test_a_disqualified_bidder_sees_the_reasons_and_may_challenge(client, with_disqualified):
    login(client, with_disqualified, 2)
    response = client.get(url("bid_result", with_disqualified, 2))
    assert response.status_code == 200
    text = text_of(response)
    assert response.context["outcome"] == "disqualified"
    assert "缺少资质" in text and response.context["scores"] is None
    assert "投标组织2" in text and "100,000.00" in text
    assert "投标组织1" not in text
    assert 'name="reasons"' in text


# --- the letters --------------------------------------------------------------------------------------------


def test_the_award_notice_pdf(client, awarded):
    login(client, awarded, 1)
    response = client.get(url("result_letter_pdf", awarded, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="award-notice-{awarded.ref}.pdf"'
    assert type(response["Content-Disposition"]) is str and response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    live = awards.live_award(awarded)
    for value in (
        awarded.ref,
        awarded.purchaser,
        "投标组织2",
        "100,000.00",
        settings.PLATFORM_DISTRICT_NAME,
        awarded.service_start.strftime("%Y-%m-%d"),
        live.challenge_deadline.astimezone().strftime("%Y-%m-%d"),
    ):
        assert value in text, value
    assert "投标组织1" not in text and "投标组织3" not in text
    assert "@" not in text  # no e-mail addresses


def test_the_result_letter_pdf_shows_own_scores_and_the_winner_only(client, awarded):
    login(client, awarded, 0)
    response = client.get(url("result_letter_pdf", awarded, 0))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="result-letter-{awarded.ref}.pdf"'
    text = pdf_text(b"".join(response.streaming_content))
    own, other = row_of(awarded, "投标组织1"), row_of(awarded, "投标组织3")
    for value in (
        "投标组织1",
        own["total"],
        own["price_score"],
        own["non_price"],
        "120,000.00",
        "投标组织2",
        "100,000.00",
    ):
        assert value in text, value
    assert "投标组织3" not in text and other["total"] not in text and "140,000.00" not in text
    live = awards.live_award(awarded)
    assert live.challenge_deadline.astimezone().strftime("%Y-%m-%d") in text


def test_the_letter_of_a_disqualified_bidder_gives_the_reasons(client, with_disqualified):
    login(client, with_disqualified, 2)
    text = pdf_text(b"".join(client.get(url("result_letter_pdf", with_disqualified, 2)).streaming_content))
    assert "缺少资质" in text and "投标组织2" in text and "100,000.00" in text
    assert "投标组织1" not in text


def test_letter_facts_carry_nothing_of_the_other_losers(awarded):
    bid = bid_of(awarded, "投标组织1")
    facts = letter_facts(bid, awards.live_award(awarded))
    flat = repr({key: value for key, value in facts.items() if key not in ("award", "bid", "project")})
    assert "投标组织3" not in flat and row_of(awarded, "投标组织3")["total"] not in flat
    assert "member_totals" not in flat


# --- filing a challenge --------------------------------------------------------------------------------------


def test_filing_a_challenge_with_a_pdf(client, awarded):
    login(client, awarded, 0)
    response = client.post(url("challenge", awarded, 0), challenge_data(files=[pdf_upload()]))
    assert response.status_code == 302 and response["Location"].endswith("#challenge")
    challenge = Challenge.objects.get()
    assert challenge.organization.name == "投标组织1" and challenge.reasons == GROUNDS
    assert challenge.state == Challenge.State.SUBMITTED and challenge.filed_by == awarded.admins[0]
    document = challenge.documents.get()
    assert document.original_name == "评分复核申请.pdf"
    page = client.get(url("bid_result", awarded, 0))
    text = text_of(page)
    assert GROUNDS in text and "评分复核申请.pdf" in text
    assert challenge.answer_due.astimezone().strftime("%Y-%m-%d %H:%M") in text
    assert 'name="reasons"' not in text  # one challenge per result
    download = client.get(url("challenge_document", awarded, 0, document.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store" and download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == pdf_bytes("challenge")


def test_an_html_file_named_pdf_is_refused_and_nothing_is_filed(client, awarded):
    login(client, awarded, 0)
    before = stored_challenge_files()
    fake = SimpleUploadedFile("证据.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post(url("challenge", awarded, 0), challenge_data(files=[pdf_upload(), fake]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "files" in errors and "证据.pdf" in errors["files"][0]
    assert 'id="id_files_error"' in response.content.decode()
    assert GROUNDS in text_of(response)  # the grounds are kept
    nothing_filed(before)


def test_without_the_confirmation_nothing_is_filed(client, awarded):
    login(client, awarded, 0)
    before = stored_challenge_files()
    response = client.post(url("challenge", awarded, 0), challenge_data(files=[pdf_upload()], confirm=False))
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    nothing_filed(before)


def test_grounds_too_short_are_refused_by_the_service(client, awarded):
    login(client, awarded, 0)
    before = stored_challenge_files()
    response = client.post(url("challenge", awarded, 0), challenge_data(reasons="不服"))
    assert response.status_code == 200
    assert "reasons" in response.context["form"].errors
    assert 'id="id_reasons_error"' in response.content.decode()
    nothing_filed(before)


def test_a_cut_off_upload_files_nothing(client, awarded, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    login(client, awarded, 0)
    before = stored_challenge_files()
    big = SimpleUploadedFile("大文件.pdf", pdf_bytes("x" * 50_000), content_type="application/pdf")
    response = client.post(url("challenge", awarded, 0), challenge_data(files=[big]))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    nothing_filed(before)


def test_a_second_challenge_is_refused(client, awarded):
    login(client, awarded, 0)
    assert client.post(url("challenge", awarded, 0), challenge_data()).status_code == 302
    response = client.post(url("challenge", awarded, 0), challenge_data(reasons="再次提出质疑，理由如下所述。"))
    assert response.status_code == 200 and 'id="challenge-problem"' in response.content.decode()
    assert Challenge.objects.count() == 1 and Challenge.objects.get().reasons == GROUNDS


def test_after_the_challenge_period_the_form_is_gone_and_a_post_is_refused(client, awarded):
    login(client, awarded, 0)
    live = awards.live_award(awarded)
    before = stored_challenge_files()
    with time_machine.travel(live.challenge_deadline + datetime.timedelta(seconds=1), tick=False):
        page = client.get(url("bid_result", awarded, 0))
        assert 'name="reasons"' not in page.content.decode() and page.context["problem"]
        assert page.context["days_left"] < 0
        response = client.post(url("challenge", awarded, 0), challenge_data(files=[pdf_upload()]))
        assert response.status_code == 200 and 'id="challenge-problem"' in response.content.decode()
    nothing_filed(before)


def test_a_get_on_the_challenge_url_goes_back_to_the_result(client, awarded):
    login(client, awarded, 0)
    response = client.get(url("challenge", awarded, 0))
    assert response.status_code == 302 and response["Location"] == url("bid_result", awarded, 0) + "#challenge"


# --- after filing -------------------------------------------------------------------------------------------------


def test_the_answer_and_the_dismissal_are_shown(client, awarded, officer):
    challenge = awards.file_challenge(bid_of(awarded, "投标组织1"), by=awarded.admins[0], reasons=GROUNDS)
    login(client, awarded, 0)
    page = client.get(url("bid_result", awarded, 0))
    assert page.context["challenges"][0].state == Challenge.State.SUBMITTED
    awards.answer_challenge(challenge, by=officer, answer="经复核，评分符合招标文件规定。")
    text = text_of(client.get(url("bid_result", awarded, 0)))
    assert "经复核，评分符合招标文件规定。" in text and "status-answered" in text
    challenge.refresh_from_db()
    awards.decide_challenge(
        challenge, by=officer, upheld=False, reason="质疑事项缺乏事实依据", public_summary="质疑事项的中性摘要。"
    )
    page = client.get(url("bid_result", awarded, 0))
    text = text_of(page)
    assert "质疑事项缺乏事实依据" in text and "status-dismissed" in text
    assert page.context["challenges"][0].state == Challenge.State.DISMISSED


def test_an_upheld_challenge_that_cancels_the_award_is_shown(client, awarded, officer):
    challenge = awards.file_challenge(bid_of(awarded, "投标组织1"), by=awarded.admins[0], reasons=GROUNDS)
    awards.answer_challenge(challenge, by=officer, answer="经核实属实。")
    challenge.refresh_from_db()
    awards.decide_challenge(
        challenge,
        by=officer,
        upheld=True,
        reason="中标组织资格不符",
        remedy="cancel",
        public_summary="质疑事项的中性摘要。",
    )
    for index in (0, 1):
        login(client, awarded, index)
        page = client.get(url("bid_result", awarded, index))
        assert page.status_code == 200 and page.context["outcome"] == "cancelled"
        text = text_of(page)
        assert "中标组织资格不符" in text and 'name="reasons"' not in text
        assert client.get(url("result_letter_pdf", awarded, index)).status_code == 200


def test_another_organizations_member_cannot_download_a_challenge_document(client, awarded):
    challenge = awards.file_challenge(
        bid_of(awarded, "投标组织1"), by=awarded.admins[0], reasons=GROUNDS, files=[pdf_upload()]
    )
    document = challenge.documents.get()
    login(client, awarded, 2)
    # Through the owner's URL (not a member) and through its own (not its challenge).
    assert client.get(url("challenge_document", awarded, 0, document.pk)).status_code == 404
    assert client.get(url("challenge_document", awarded, 2, document.pk)).status_code == 404
    login(client, awarded, 0)
    assert client.get(url("challenge_document", awarded, 0, document.pk)).status_code == 200
