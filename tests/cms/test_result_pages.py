"""The public result announcement (结果公告): the page created when a project
is awarded (/projects/<ref>/result/), its public evaluation report PDF, the
cancellation after an upheld challenge, and the results list (/results/)."""

import datetime
import json
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import CallAnnouncementPage, ResultAnnouncementPage
from cms.views import projects as project_views
from marketplace.evaluation import selectors as results
from marketplace.evaluation.services import awards, committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import Award, Bid, Challenge, Project
from tests.evaluation_fixtures import (
    award_top,
    declare_all,
    evaluated,
    form,
    report_and_confirm,
    score_all,
    serving,
)

pytestmark = pytest.mark.django_db

SMALL = Decimal("1000.00")
APPOINTMENT_REASON = "指定理由：该专家熟悉独居老人照护XQ17"
DECLARATION_DETAIL = "本人配偶在该组织任理事ZK42"
PASS_REASON = "资格审查通过的理由PR88"
FAIL_REASON = "缺少民非登记证书的理由FR93"
PHONE = "13800138000"


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else response


def _pdf_text(body):
    assert body.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    result = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True, timeout=60)
    return result.stdout.decode()


def _bid(project, name):
    return Bid.objects.select_related("organization").get(project=project, organization__name=name)


@pytest.fixture
def awarded(site, opened, pool, officer):
    """Awarded to 投标组织2 (cheapest, rank 1) over 投标组织1 (rank 2); 投标组织3
    failed the qualification review; one appointed member (with a reason)
    and one drawn member who declared a relationship and withdrew."""
    form(opened, officer, appointments=[(pool[0], APPOINTMENT_REASON)])
    opened.refresh_from_db()
    withdrawing = next(m for m in serving(opened) if m.evaluator_id != pool[0].pk)
    answers = {bid.pk: ("none", "") for bid in committee.bidders_to_declare(opened)}
    answers[_bid(opened, "投标组织1").pk] = ("family", DECLARATION_DETAIL)
    committee.declare(opened, by=withdrawing.evaluator.user, answers=answers)
    declare_all(opened)
    decisions = {
        bid.pk: (
            bid.organization.name != "投标组织3",
            FAIL_REASON if bid.organization.name == "投标组织3" else PASS_REASON,
        )
        for bid in evaluation.opened_bids(opened)
    }
    evaluation.review_qualification(opened, by=officer, decisions=decisions)
    score_all(opened)
    report_and_confirm(opened)
    award_top(opened, officer)
    opened.refresh_from_db()
    opened.withdrawn = withdrawing.evaluator
    return opened


def _cancel(project, officer, remedy="cancel", reason="中标组织资格不符，撤销中标"):
    challenge = awards.file_challenge(
        _bid(project, "投标组织1"), by=project.admins[0], reasons="评分未按招标文件规定的标准进行"
    )
    awards.answer_challenge(challenge, by=officer, answer="经核实属实。")
    awards.decide_challenge(
        challenge, by=officer, upheld=True, reason=reason, remedy=remedy, public_summary="质疑事项的中性摘要。"
    )
    project.refresh_from_db()
    return project


def _fake_result(make_project, officer, model_award, *, title, days_ago, price="90000.00"):
    """Another awarded project for the list (the award row only: the list
    reads the award, its project and the winner's name)."""
    project = make_project("published", title=title, budget=SMALL)
    Project.objects.filter(pk=project.pk).update(state=Project.State.AWARDED)
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Award.objects.create(
        project=project,
        bid=model_award.bid,
        report=model_award.report,
        rank=1,
        recommended_bid=model_award.bid,
        price=Decimal(price),
        awarded_by=officer,
        awarded_at=when,
        challenge_deadline=when + datetime.timedelta(days=9),
    )
    return project


# --- the page -------------------------------------------------------------------------------------


def test_no_result_before_the_award(client, site, opened, pool, officer):
    url = f"/projects/{opened.ref}/result/"
    _get(client, url, status=404)
    _get(client, f"{url}pdf/", status=404)
    evaluated(opened, officer)
    _get(client, url, status=404)
    _get(client, f"{url}pdf/", status=404)
    assert not ResultAnnouncementPage.objects.exists()
    assert results.result_facts(opened) is None
    assert "/result/" not in _get(client, f"/projects/{opened.ref}/")
    assert "/result/" not in _get(client, f"/projects/{opened.ref}/opening/")


def test_award_publishes_the_result_page_and_republishes_the_call(client, site, opened, pool, officer):
    evaluated(opened, officer)
    call = CallAnnouncementPage.objects.get(project=opened)
    before = call.last_published_at
    award_top(opened, officer)
    page = ResultAnnouncementPage.objects.get(project=opened)
    assert page.live and page.slug == "result" and page.title.endswith("结果公告")
    assert page.get_parent().pk == call.pk
    assert page.url == f"/projects/{opened.ref.lower()}/result/"
    call.refresh_from_db()
    assert call.last_published_at > before
    assert "cms.ResultAnnouncementPage" in [
        f"{m._meta.app_label}.{m.__name__}" for m in call.specific_class.allowed_subpage_models()
    ]
    assert not ResultAnnouncementPage.is_creatable
    # The call page and the opening record lead to the result.
    assert f"{opened.ref}/result/" in _get(client, f"/projects/{opened.ref}/")
    assert f"{opened.ref}/result/" in _get(client, f"/projects/{opened.ref}/opening/")


def test_result_page_shows_the_award_ranking_and_committee(client, awarded):
    html = _get(client, f"/projects/{awarded.ref}/result/")
    award = awards.live_award(awarded)
    for fact in (
        awarded.title,
        awarded.ref,
        "投标组织2",  # winner
        "¥100,000.00",  # its price
        "¥120,000.00",  # the runner-up's price
        award.awarded_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(award.challenge_deadline).strftime("%Y-%m-%d %H:%M"),
        f"{awarded.ref}/result/pdf/",
        "status-awarded",
    ):
        assert fact in html, fact
    for row in award.report.ranking:  # every qualified bidder's total and rank
        assert row["organization"] in html and row["total"] in html and row["price_score"] in html
    assert html.index("投标组织2") < html.index("投标组织1")  # rank order
    assert "投标组织3" in html  # listed as not qualified, without reasons
    for member in serving(awarded):
        assert member.evaluator.name in html
    assert awarded.withdrawn.name not in html  # a member who withdrew is not named
    assert 'id="member-scores-title"' not in html


def test_result_page_and_facts_carry_no_personal_data(client, awarded):
    html = _get(client, f"/projects/{awarded.ref}/result/")
    secrets = [PHONE, "contact@example.test", APPOINTMENT_REASON, DECLARATION_DETAIL, PASS_REASON, FAIL_REASON]
    for admin in awarded.admins:
        secrets += [admin.username, admin.email]
    for member in awarded.committee.members.select_related("evaluator__user"):
        secrets += [member.evaluator.user.username, member.evaluator.user.email]
    for secret in secrets:
        assert secret not in html, secret
    assert "服务方案的理由" not in html  # no score reasons
    facts = results.result_facts(awarded)
    assert all(secret not in repr(facts) for secret in secrets if secret != awarded.title)


def test_member_scores_only_when_configured(client, awarded, settings):
    settings.RESULTS_PUBLISH_MEMBER_SCORES = True
    html = _get(client, f"/projects/{awarded.ref}/result/")
    assert 'id="member-scores-title"' in html
    facts = results.result_facts(awarded)
    members = {m.evaluator.name for m in serving(awarded)}
    assert {s["member"] for s in facts["member_scores"]} == members
    assert {s["organization"] for s in facts["member_scores"]} == {"投标组织1", "投标组织2"}
    assert len(facts["member_scores"]) == 6
    assert str(facts["member_scores"][0]["total"]) in html
    assert "服务方案的理由" not in html  # totals only, never the reasons
    settings.RESULTS_PUBLISH_MEMBER_SCORES = False
    assert results.result_facts(awarded)["member_scores"] == []


def test_result_facts_run_a_fixed_number_of_queries(awarded, settings, django_assert_max_num_queries):
    settings.RESULTS_PUBLISH_MEMBER_SCORES = True
    with django_assert_max_num_queries(5):
        facts = results.result_facts(awarded)
        [row.total for row in facts["rows"]]
        facts["winner"]


def test_preview_of_the_page_in_the_wagtail_admin(client, awarded, make_user):
    page = ResultAnnouncementPage.objects.get(project=awarded)
    client.force_login(make_user(is_superuser=True, is_staff=True, verified_at=timezone.now()))
    _get(client, f"/admin/pages/{page.get_parent().pk}/")
    _get(client, f"/admin/pages/{page.pk}/edit/")
    preview = f"/admin/pages/{page.pk}/edit/preview/"
    empty = json.dumps({"blocks": [], "entityMap": {}})
    response = client.post(preview, {"title": page.title, "slug": page.slug, "intro": empty, "intro_en": empty})
    assert response.json()["is_valid"], response.content
    html = _get(client, f"{preview}?mode=")
    assert "投标组织2" in html and PHONE not in html and FAIL_REASON not in html


# --- the public evaluation report -------------------------------------------------------------------


def test_public_report_pdf_leaves_out_the_score_sheets(client, awarded, settings):
    response = client.get(f"/projects/{awarded.ref}/result/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{awarded.ref}-result.pdf"'
    text = _pdf_text(response.content)
    flat = text.replace("\n", "").replace(" ", "")
    assert awarded.ref in text and "投标组织2" in flat
    for secret in ("服务方案的理由", "团队与经验的理由", DECLARATION_DETAIL, APPOINTMENT_REASON, PHONE):
        assert secret not in flat, secret
    award = awards.live_award(awarded)
    assert cache.get(project_views.result_pdf_key(awarded, award)) == response.content

    settings.RESULTS_PUBLISH_MEMBER_SCORES = True  # a different key: the sheets are now published
    text = _pdf_text(client.get(f"/projects/{awarded.ref}/result/pdf/").content)
    assert "服务方案的理由" in text.replace("\n", "").replace(" ", "")


def test_public_report_pdf_leaves_out_the_qualification_reasons(client, awarded):
    flat = _pdf_text(client.get(f"/projects/{awarded.ref}/result/pdf/").content).replace("\n", "").replace(" ", "")
    assert FAIL_REASON not in flat and PASS_REASON not in flat
    assert "投标组织" in flat  # the organizations are there, only the reasons are left out


# --- cancellation -----------------------------------------------------------------------------------


def test_upheld_challenge_cancelling_the_award_shows_on_the_page(client, awarded, officer):
    page = ResultAnnouncementPage.objects.get(project=awarded)
    call = CallAnnouncementPage.objects.get(project=awarded)
    revisions, call_published = page.revisions.count(), call.last_published_at
    pdf_before = client.get(f"/projects/{awarded.ref}/result/pdf/").content
    _cancel(awarded, officer)
    assert awarded.state == Project.State.CANCELLED
    page.refresh_from_db()
    call.refresh_from_db()
    assert page.live and page.revisions.count() == revisions + 1
    assert call.last_published_at > call_published
    html = _get(client, f"/projects/{awarded.ref}/result/")
    assert "status-award_cancelled" in html and "中标组织资格不符，撤销中标" in html
    assert "投标组织2" in html and "¥100,000.00" in html  # the cancelled award stays on record
    facts = results.result_facts(awarded)
    assert facts["cancelled"] and facts["challenges"] == {"filed": 1, "upheld": 1, "dismissed": 0, "open": 0}
    assert "评分未按招标文件规定的标准进行" not in html  # the challenger's grounds are not published
    call_html = _get(client, f"/projects/{awarded.ref}/")
    assert "status-cancelled" in call_html and f"{awarded.ref}/result/" in call_html
    assert client.get(f"/projects/{awarded.ref}/result/pdf/").content != b""
    assert pdf_before.startswith(b"%PDF")


def test_back_to_evaluation_shows_the_cancellation_and_hides_new_scores(client, awarded, officer, settings):
    settings.RESULTS_PUBLISH_MEMBER_SCORES = True
    _cancel(awarded, officer, remedy="reevaluate", reason="评分有误，重新评审")
    assert awarded.state == Project.State.EVALUATING
    member = serving(awarded)[0]
    bid = _bid(awarded, "投标组织1")
    evaluation.save_scores(
        awarded,
        bid,
        by=member.evaluator.user,
        values={c.pk: (c.max_score, "重评理由") for c in evaluation.score_criteria(awarded)},
        submit=True,
    )
    html = _get(client, f"/projects/{awarded.ref}/result/")
    assert "评分有误，重新评审" in html and "status-award_cancelled" in html
    assert 'id="member-scores-title"' not in html  # a new sheet during re-evaluation is no result


def test_dismissed_challenge_is_counted(client, awarded, officer):
    challenge = awards.file_challenge(
        _bid(awarded, "投标组织1"), by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行"
    )
    html = _get(client, f"/projects/{awarded.ref}/result/")
    assert results.result_facts(awarded)["challenges"]["open"] == 1
    awards.answer_challenge(challenge, by=officer, answer="经复核，评分符合规定。")
    awards.decide_challenge(
        challenge, by=officer, upheld=False, reason="质疑缺乏事实依据", public_summary="质疑事项的中性摘要。"
    )
    assert Challenge.objects.get().state == Challenge.State.DISMISSED
    facts = results.result_facts(awarded)
    assert facts["challenges"] == {"filed": 1, "upheld": 0, "dismissed": 1, "open": 0} and not facts["cancelled"]
    html = _get(client, f"/projects/{awarded.ref}/result/")
    assert "质疑缺乏事实依据" not in html and "status-awarded" in html


# --- the results list -------------------------------------------------------------------------------


def test_results_index_lists_searches_and_paginates(client, awarded, officer, make_project, monkeypatch):
    from cms.views import results as result_views

    award = awards.live_award(awarded)
    older = _fake_result(make_project, officer, award, title="课后托管服务项目", days_ago=3)
    oldest = _fake_result(make_project, officer, award, title="助餐服务项目", days_ago=5)
    Project.objects.filter(pk=oldest.pk).update(state=Project.State.CONTRACTED)
    html = _get(client, "/results/")
    for fact in (awarded.ref, awarded.title, "投标组织2", "¥100,000.00", "¥90,000.00", older.title, oldest.title):
        assert fact in html, fact
    assert f'href="/projects/{awarded.ref}/result/"' in html
    assert html.index(awarded.title) < html.index(older.title) < html.index(oldest.title)  # newest first
    assert "status-awarded" in html and "status-contracted" in html
    assert PHONE not in html

    def titles(query):
        page = _get(client, f"/results/?{query}")
        return {p.title for p in (awarded, older, oldest) if p.title in page}

    assert titles("q=课后") == {older.title}
    assert titles(f"q={awarded.ref.lower()}") == {awarded.title}
    assert titles("q=投标组织2") == {awarded.title, older.title, oldest.title}  # the winner's name
    assert titles("q=没有这个") == set()

    monkeypatch.setattr(result_views, "PER_PAGE", 2)
    first = _get(client, "/results/?q=服务")
    assert 'rel="next"' in first and "?q=%E6%9C%8D%E5%8A%A1&amp;page=2" in first
    second = _get(client, "/results/?q=服务&page=2")
    assert oldest.title in second and awarded.title not in second
    _get(client, "/results/NOPE/", status=404)


def test_results_index_shows_a_cancelled_award_once(client, awarded, officer):
    _cancel(awarded, officer)
    html = _get(client, "/results/")
    assert html.count(f'href="/projects/{awarded.ref}/result/"') == 1
    assert "status-award_cancelled" in html


def test_results_index_queries_do_not_grow_with_rows(client, awarded, officer, make_project):
    award = awards.live_award(awarded)
    client.get("/results/")  # warm up (site, sessions)
    with CaptureQueriesContext(connection) as one:
        html = _get(client, "/results/")
    assert html.count('/result/"') == 1
    for n in range(3):
        _fake_result(make_project, officer, award, title=f"第{n}个项目", days_ago=n + 1)
    with CaptureQueriesContext(connection) as several:
        html = _get(client, "/results/")
    assert html.count('/result/"') == 4
    assert len(several) == len(one)


def _award_row(project, model_award, officer, *, days_ago, cancelled=False):
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return Award.objects.create(
        project=project,
        bid=model_award.bid,
        report=model_award.report,
        rank=1,
        recommended_bid=model_award.bid,
        price=Decimal("90000.00"),
        awarded_by=officer,
        awarded_at=when,
        challenge_deadline=when + datetime.timedelta(days=9),
        cancelled_at=when + datetime.timedelta(days=1) if cancelled else None,
    )


def test_results_list_shows_each_projects_live_else_latest_cancelled_award(awarded, officer, make_project):
    """The one-question filter of issue 18 shows the same award per project as
    the two NOT EXISTS it replaced: the live one, else the latest cancelled."""
    model = awards.live_award(awarded)
    only_live = _fake_result(make_project, officer, model, title="只有有效中标", days_ago=2)
    twice_cancelled = _fake_result(make_project, officer, model, title="两次撤销", days_ago=3)
    Award.objects.filter(project=twice_cancelled).update(cancelled_at=timezone.now())
    latest_cancelled = _award_row(twice_cancelled, model, officer, days_ago=1, cancelled=True)
    re_awarded = _fake_result(make_project, officer, model, title="撤销后重新授予", days_ago=4)
    Award.objects.filter(project=re_awarded).update(cancelled_at=timezone.now())
    new_live = _award_row(re_awarded, model, officer, days_ago=1)
    # A live award with a later cancelled row (not what the services write): the live one still wins.
    live_first = _fake_result(make_project, officer, model, title="有效在前", days_ago=5)
    older_live = Award.objects.get(project=live_first)
    _award_row(live_first, model, officer, days_ago=6, cancelled=True)

    shown = {award.project_id: award.pk for award in results.public_results()}
    assert shown == {
        awarded.pk: model.pk,
        only_live.pk: Award.objects.get(project=only_live).pk,
        twice_cancelled.pk: latest_cancelled.pk,
        re_awarded.pk: new_live.pk,
        live_first.pk: older_live.pk,
    }
    assert list(results.public_results().values_list("pk", flat=True)) == [
        a.pk for a in Award.objects.filter(pk__in=shown.values()).order_by("-awarded_at", "-pk")
    ]
    # A private project's award is not listed.
    Project.objects.filter(pk=only_live.pk).update(published_at=None)
    assert only_live.pk not in {award.project_id for award in results.public_results()}


def test_results_list_serves_its_first_pages_and_says_where_the_rest_is(
    client, awarded, officer, make_project, monkeypatch
):
    from cms.views import results as result_views
    from marketplace.core import paging

    model = awards.live_award(awarded)
    for n in range(3):
        _fake_result(make_project, officer, model, title=f"封顶服务{n}", days_ago=n + 1)
    monkeypatch.setattr(result_views, "PER_PAGE", 1)
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    response = client.get("/results/?q=服务")
    assert response.context["results_page"].paginator.capped
    assert response.context["result_count"] == 2  # shown as "more than 2"
    first = response.content.decode()
    assert "?q=%E6%9C%8D%E5%8A%A1&amp;page=2" in first and "list-cap" not in first
    last = _get(client, "/results/?q=服务&page=2")
    assert "list-cap" in last and 'href="/ocds/"' in last and 'rel="next"' not in last
    beyond = _get(client, "/results/?q=服务&page=9")
    assert "list-cap" in beyond and beyond.count('/result/"') == 1  # the last served page
    for bad in ("abc", "-1", "0", "²", "1e3", "9" * 40, "", "%00"):
        _get(client, f"/results/?q=服务&page={bad}")
    # Under the cap, the count is exact and no notice shows.
    monkeypatch.setattr(paging, "MAX_PAGES", 50)
    exact = _get(client, "/results/?q=服务&page=4")
    assert "list-cap" not in exact
