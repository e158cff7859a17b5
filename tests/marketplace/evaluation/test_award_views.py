"""The officers' evaluation and award pages (/work/projects/<ref>/evaluation/),
the challenge pages and the evaluator pool in the Wagtail admin: refusals for
everybody but officers, forming the committee, the chair, the qualification
review, the award with its declines, challenges answered and decided through
the forms, the open-challenges list, the report PDF, and bad input that
changes nothing."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.evaluation.services import awards, committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import (
    AuditEvent,
    Award,
    Bid,
    Challenge,
    Committee,
    CommitteeMember,
    Project,
    Qualification,
    ServiceCategory,
)
from tests.evaluation_fixtures import award_top, bids_of, declare_all, evaluated, form, serving
from tests.org_fixtures import pdf_bytes

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _officer(client, officer):
    return _english(_login(client, officer))


def _page(project):
    return reverse("projects:evaluation", args=[project.ref])


def _officer_urls(ref):
    return [
        reverse("projects:challenges"),
        reverse("projects:evaluation", args=[ref]),
        reverse("projects:committee", args=[ref]),
        reverse("projects:appoint", args=[ref]),
        reverse("projects:chair", args=[ref]),
        reverse("projects:qualification", args=[ref]),
        reverse("projects:report_pdf", args=[ref, 1]),
        reverse("projects:award", args=[ref]),
        reverse("projects:decline", args=[ref, 1]),
        reverse("projects:disqualify", args=[ref, 1]),
        reverse("projects:challenge", args=[ref, 1]),
        reverse("projects:challenge_answer", args=[ref, 1]),
        reverse("projects:challenge_decide", args=[ref, 1]),
        reverse("projects:challenge_document", args=[ref, 1, 1]),
    ]


def _committee_post(project, *, expertise=None, appointments=(), confirm=True):
    expertise = committee.default_expertise(project) if expertise is None else expertise
    post = {"committee-expertise": [str(c.pk) for c in expertise]}
    for index, (evaluator, reason) in enumerate(appointments):
        post[f"committee-appoint_{index}"] = str(evaluator.pk)
        post[f"committee-reason_{index}"] = reason
    if confirm:
        post["committee-confirm"] = "on"
    return post


def _qualification_post(project, *, failing=(), reasons=True):
    post = {"qualification-confirm": "on"}
    for bid in evaluation.opened_bids(project):
        name = bid.organization.name
        if name not in failing:
            post[f"qualification-passed_{bid.pk}"] = "on"
        post[f"qualification-reason_{bid.pk}"] = ("缺少资质" if name in failing else "符合要求") if reasons else ""
    return post


def _bid(project, name):
    return Bid.objects.get(project=project, organization__name=name)


@pytest.fixture
def awarded(opened, pool, officer):
    """Evaluated (all equal non-price scores: the cheapest, 投标组织2, ranks
    first) and awarded to the top-ranked bid."""
    evaluated(opened, officer)
    award_top(opened, officer)
    opened.refresh_from_db()
    return opened


def _challenge(project, name, *, files=()):
    bid = _bid(project, name)
    user = project.admins[int(name[-1]) - 1]
    return awards.file_challenge(bid, by=user, reasons="评分不公，请重新审查服务方案得分。", files=files)


# --- refusals ---------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_from_every_officer_url(client, opened):
    for url in _officer_urls(opened.ref):
        for send in (client.get, client.post):
            response = send(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_evaluators_and_organization_members_are_refused_and_nothing_changes(client, opened, pool):
    # Signing in is an audit event (marketplace.core.account_audit); nothing else may be.
    events = AuditEvent.objects.exclude(action="user.sign_in").count()
    for user in (pool[0].user, opened.admins[0]):
        _login(client, user)
        for url in _officer_urls(opened.ref):
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, _committee_post(opened)).status_code == 403, (user, url)
    opened.refresh_from_db()
    assert opened.state == Project.State.CLOSED
    assert not Committee.objects.exists()
    assert AuditEvent.objects.exclude(action="user.sign_in").count() == events


def test_unknown_reference_is_not_found_and_before_the_opening_a_note(client, officer, make_project):
    _officer(client, officer)
    assert client.get(reverse("projects:evaluation", args=["NOPE-1"])).status_code == 404
    project = make_project("published")
    page = client.get(_page(project))
    assert page.status_code == 200
    assert "after the opening" in page.content.decode()
    assert "committee_form" not in page.context
    # The project's page links to the evaluation only after the opening.
    assert _page(project) not in client.get(reverse("projects:detail", args=[project.ref])).content.decode()


# --- the committee ------------------------------------------------------------------------------------


def test_officer_forms_the_committee_through_the_form(client, officer, opened, pool):
    _officer(client, officer)
    assert _page(opened) in client.get(reverse("projects:detail", args=[opened.ref])).content.decode()
    page = client.get(_page(opened))
    assert page.status_code == 200
    assert page.context["eligible_count"] == 6 and page.context["eligible_default_count"] == 5
    assert set(page.context["committee_form"]["expertise"].value()) == {
        c.pk for c in committee.default_expertise(opened)
    }
    response = client.post(reverse("projects:committee", args=[opened.ref]), _committee_post(opened))
    assert response.status_code == 302 and response["Location"].endswith("#committee")
    opened.refresh_from_db()
    assert opened.state == Project.State.EVALUATING
    assert len(serving(opened)) == 3
    event = AuditEvent.objects.get(action="committee.formed")
    page = client.get(_page(opened)).content.decode()
    assert event.details["seed"] in page
    assert "random.Random(seed).sample(sorted(candidates), k)" in page
    for member in serving(opened):
        assert member.evaluator.name in page
    assert "committee_form" not in client.get(_page(opened)).context


def test_committee_without_expertise_or_confirmation_is_refused(client, officer, opened, pool):
    _officer(client, officer)
    url = reverse("projects:committee", args=[opened.ref])
    response = client.post(url, _committee_post(opened, expertise=[]))
    assert response.status_code == 200
    assert "Choose at least one field of expertise" in response.context["committee_form"].errors["expertise"][0]
    response = client.post(url, _committee_post(opened, confirm=False))
    assert response.status_code == 200 and "confirm" in response.context["committee_form"].errors
    # Expertise nobody in the pool has: the service refuses, on the expertise field.
    other = ServiceCategory.objects.filter(parent__isnull=True).exclude(pk__in=committee.default_expertise(opened))
    response = client.post(url, _committee_post(opened, expertise=[other.first()]))
    assert response.status_code == 200 and "expertise" in response.context["committee_form"].errors
    opened.refresh_from_db()
    assert opened.state == Project.State.CLOSED
    assert not Committee.objects.exists()


def test_an_appointment_needs_a_reason(client, officer, opened, pool):
    _officer(client, officer)
    url = reverse("projects:committee", args=[opened.ref])
    response = client.post(url, _committee_post(opened, appointments=[(pool[0], "")]))
    assert response.status_code == 200
    assert pool[0].name in response.context["committee_form"].errors["reason_0"][0]
    assert not Committee.objects.exists()
    response = client.post(url, _committee_post(opened, appointments=[(pool[0], "熟悉居家养老服务标准")]))
    assert response.status_code == 302
    appointed = CommitteeMember.objects.get(evaluator=pool[0])
    assert appointed.selection == CommitteeMember.Selection.APPOINTED and appointed.is_chair
    assert "熟悉居家养老服务标准" in client.get(_page(opened)).content.decode()


def test_officer_changes_the_chair_and_appoints_to_a_vacant_seat(client, officer, opened, pool, make_evaluator):
    form(opened, officer)
    opened.refresh_from_db()
    _officer(client, officer)
    members = serving(opened)
    other = next(m for m in members if not m.is_chair)
    response = client.post(reverse("projects:chair", args=[opened.ref]), {"chair-member": str(other.pk)})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.is_chair and sum(m.is_chair for m in serving(opened)) == 1
    # The committee is complete: no appoint form.
    assert "appoint_form" not in client.get(_page(opened)).context
    # A member withdraws and nobody is left to draw: the appoint form shows.
    CommitteeMember.objects.filter(pk=members[0].pk).update(status=CommitteeMember.Status.RECUSED, is_chair=False)
    page = client.get(_page(opened))
    assert "appoint_form" in page.context
    spare = next(e for e in pool if not e.memberships.exists())
    url = reverse("projects:appoint", args=[opened.ref])
    refused = client.post(url, {"appoint-evaluator": str(spare.pk), "appoint-reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["appoint_form"].errors
    assert len(serving(opened)) == 2
    assert client.post(url, {"appoint-evaluator": str(spare.pk), "appoint-reason": "补足评审委员会"}).status_code == 302
    assert len(serving(opened)) == 3


# --- qualification ---------------------------------------------------------------------------------------


def test_qualification_review_through_the_form(client, officer, opened, pool):
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    _officer(client, officer)
    page = client.get(_page(opened))
    rows = page.context["qualification_form"].rows()
    assert len(rows) == 3 and all(row["entry"].eligible for row in rows)
    url = reverse("projects:qualification", args=[opened.ref])
    refused = client.post(url, _qualification_post(opened, reasons=False))
    assert refused.status_code == 200
    assert any(key.startswith("reason_") for key in refused.context["qualification_form"].errors)
    assert not Qualification.objects.exists()
    assert {b.state for b in bids_of(opened)} == {Bid.State.OPENED}

    response = client.post(url, _qualification_post(opened, failing=("投标组织3",)))
    assert response.status_code == 302
    states = {b.organization.name: b.state for b in bids_of(opened)}
    assert states == {"投标组织1": "qualified", "投标组织2": "qualified", "投标组织3": "disqualified"}
    page = client.get(_page(opened))
    assert len(page.context["qualification_rows"]) == 3 and "缺少资质" in page.content.decode()
    # Progress shows what is missing, never a score.
    assert any("not submitted" in str(p) for p in page.context["progress"].problems)


# --- the report and the award ---------------------------------------------------------------------------


def test_report_pdf_only_for_officers(client, officer, opened, pool):
    report = evaluated(opened, officer)
    url = reverse("projects:report_pdf", args=[opened.ref, report.number])
    _login(client, serving(opened)[0].evaluator.user)
    assert client.get(url).status_code == 403
    _login(client, opened.admins[0])
    assert client.get(url).status_code == 403
    _officer(client, officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("projects:report_pdf", args=[opened.ref, 9])).status_code == 404
    page = client.get(_page(opened)).content.decode()
    assert report.sha256 in page and url in page


def test_award_needs_confirmation_and_only_the_next_in_line(client, officer, opened, pool):
    report = evaluated(opened, officer)
    _officer(client, officer)
    page = client.get(_page(opened))
    top = _bid(opened, "投标组织2")
    assert page.context["chosen"] == top and report.recommended_bid_id == top.pk
    assert "reason" not in page.context["award_form"].fields
    url = reverse("projects:award", args=[opened.ref])
    refused = client.post(url, {"bid": str(top.pk)})
    assert refused.status_code == 200 and "confirm" in refused.context["award_form"].errors
    second = _bid(opened, "投标组织1")
    refused = client.post(url, {"bid": str(second.pk), "reason": "价格更优", "confirm": "on"})
    assert refused.status_code == 200
    assert "Only the highest-ranked bid" in str(refused.context["award_form"].non_field_errors())
    assert not Award.objects.exists()
    opened.refresh_from_db()
    assert opened.state == Project.State.EVALUATING
    response = client.post(url, {"bid": str(top.pk), "confirm": "on"})
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == Project.State.AWARDED
    page = client.get(_page(opened))
    content = page.content.decode()
    assert page.context["award"].bid == top and "Working days left: 7" in content
    assert "The challenge period runs until" in content


def test_after_a_decline_the_next_needs_a_reason(client, officer, opened, pool):
    evaluated(opened, officer)
    _officer(client, officer)
    top, second = _bid(opened, "投标组织2"), _bid(opened, "投标组织1")
    decline = reverse("projects:decline", args=[opened.ref, top.pk])
    refused = client.post(decline, {f"decline-{top.pk}-confirm": "on"})
    assert refused.status_code == 200
    row = next(r for r in refused.context["ranking_rows"] if r["bid"] == top.pk)
    assert "reason" in row["decline_form"].errors
    top.refresh_from_db()
    assert top.declined_at is None
    response = client.post(
        decline, {f"decline-{top.pk}-reason": "书面声明：放弃中标", f"decline-{top.pk}-confirm": "on"}
    )
    assert response.status_code == 302
    page = client.get(_page(opened))
    assert page.context["chosen"] == second and not page.context["chosen_is_recommended"]
    assert "书面声明：放弃中标" in page.content.decode()
    url = reverse("projects:award", args=[opened.ref])
    refused = client.post(url, {"bid": str(second.pk), "confirm": "on"})
    assert refused.status_code == 200 and "reason" in refused.context["award_form"].errors
    assert not Award.objects.exists()
    response = client.post(url, {"bid": str(second.pk), "reason": "第一名书面放弃", "confirm": "on"})
    assert response.status_code == 302
    live = awards.live_award(opened)
    assert live.bid == second and live.reason == "第一名书面放弃" and live.rank == 2


def test_disqualify_a_ranked_bid_through_the_form(client, officer, opened, pool):
    evaluated(opened, officer)
    _officer(client, officer)
    top = _bid(opened, "投标组织2")
    url = reverse("projects:disqualify", args=[opened.ref, top.pk])
    refused = client.post(url, {f"disqualify-{top.pk}-reason": "资质证书已过期"})
    assert refused.status_code == 200
    top.refresh_from_db()
    assert top.state == Bid.State.QUALIFIED
    assert (
        client.post(
            url, {f"disqualify-{top.pk}-reason": "资质证书已过期", f"disqualify-{top.pk}-confirm": "on"}
        ).status_code
        == 302
    )
    top.refresh_from_db()
    assert top.state == Bid.State.DISQUALIFIED
    assert client.get(_page(opened)).context["chosen"] == _bid(opened, "投标组织1")
    # A bid of another project is not found here.
    assert client.post(reverse("projects:disqualify", args=[opened.ref, 999999]), {}).status_code == 404


# --- challenges ----------------------------------------------------------------------------------------


def test_officer_answers_and_dismisses_a_challenge(client, officer, awarded):
    document = SimpleUploadedFile("证据.pdf", pdf_bytes("证据"), "application/pdf")
    challenge = _challenge(awarded, "投标组织1", files=[document])
    _officer(client, officer)
    listing = client.get(_page(awarded))
    assert "A challenge is open." in listing.content.decode() or "The challenge period runs" in listing.content.decode()
    url = reverse("projects:challenge", args=[awarded.ref, challenge.pk])
    page = client.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and "Working days left: 7" in content and "评分不公" in content
    doc = challenge.documents.get()
    download = client.get(reverse("projects:challenge_document", args=[awarded.ref, challenge.pk, doc.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    answer = reverse("projects:challenge_answer", args=[awarded.ref, challenge.pk])
    refused = client.post(answer, {"answer-answer": "  "})
    assert refused.status_code == 200 and "answer" in refused.context["answer_form"].errors
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.SUBMITTED
    assert client.post(answer, {"answer-answer": "评分依据评分细则，理由已附。"}).status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.ANSWERED

    decide = reverse("projects:challenge_decide", args=[awarded.ref, challenge.pk])
    refused = client.post(
        decide, {"decide-outcome": "upheld", "decide-reason": "理由", "decide-remedy": "", "decide-confirm": "on"}
    )
    assert refused.status_code == 200 and "remedy" in refused.context["decision_form"].errors
    refused = client.post(decide, {"decide-outcome": "dismissed", "decide-reason": "评分无误"})
    assert refused.status_code == 200 and "confirm" in refused.context["decision_form"].errors
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.ANSWERED
    # The public summary of the grounds is required (it is what the announcement shows).
    unsummarised = client.post(
        decide, {"decide-outcome": "dismissed", "decide-reason": "评分无误", "decide-confirm": "on"}
    )
    assert unsummarised.status_code == 200 and "public_summary" in unsummarised.context["decision_form"].errors
    assert "评分无误" in unsummarised.content.decode()  # what was typed is kept
    response = client.post(
        decide,
        {
            "decide-outcome": "dismissed",
            "decide-reason": "评分无误",
            "decide-public_summary": "质疑评分细则的适用。",
            "decide-confirm": "on",
        },
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    awarded.refresh_from_db()
    assert challenge.state == Challenge.State.DISMISSED and awarded.state == Project.State.AWARDED
    page = client.get(url)
    assert page.context["answer_form"] is None and page.context["decision_form"] is None
    assert len(page.context["history"]) == 3 and "评分无误" in page.content.decode()


def test_challenges_index_lists_open_ones_only_in_constant_queries(client, officer, awarded):
    first = _challenge(awarded, "投标组织1")
    second = _challenge(awarded, "投标组织3")
    _officer(client, officer)
    url = reverse("projects:challenges")
    client.get(url)  # the site lookup is cached from the second request on
    with CaptureQueriesContext(connection) as two:
        response = client.get(url)
    assert [row["challenge"] for row in response.context["rows"]] == [first, second]
    assert "Working days left: 7" in response.content.decode()
    awards.answer_challenge(first, by=officer, answer="已答复")
    awards.decide_challenge(
        Challenge.objects.get(pk=first.pk),
        by=officer,
        upheld=False,
        reason="不成立",
        public_summary="质疑事项的中性摘要。",
    )
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert [row["challenge"] for row in response.context["rows"]] == [second]
    assert len(one.captured_queries) == len(two.captured_queries)


# --- the evaluator pool in the Wagtail admin -----------------------------------------------------------------


def test_officers_keep_the_evaluator_pool_in_the_admin(client, officer, site, pool, make_user):
    _login(client, officer)
    listing = client.get("/admin/evaluators/")
    assert listing.status_code == 200
    content = listing.content.decode()
    assert pool[0].name in content
    found = client.get("/admin/evaluators/", {"q": pool[1].name})
    assert found.status_code == 200 and pool[1].name in found.content.decode()
    filtered = client.get(
        "/admin/evaluators/", {"kind": "expert", "active": "true", "expertise": pool[0].expertise.first().pk}
    )
    assert filtered.status_code == 200
    names = {e.name for e in filtered.context["object_list"]}
    assert pool[0].name in names and "无关专家" not in names
    page = client.get("/admin/evaluators/new/")
    assert page.status_code == 200
    form_fields = page.context["form"].fields
    candidate = make_user("evaluator", username="newexpert")
    outsider = make_user("organization_member", username="notexpert")
    users = set(form_fields["user"].queryset)
    assert candidate in users and outsider not in users
    assert all(c.parent_id is None for c in form_fields["expertise"].queryset)
    major = ServiceCategory.objects.filter(parent__isnull=True).first()
    response = client.post(
        "/admin/evaluators/new/",
        {
            "user": str(candidate.pk),
            "kind": "expert",
            "name": "新专家",
            "affiliation": "某大学",
            "expertise": [major.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="evaluator.create").exists()


@pytest.mark.parametrize("role", ["editor", "organization_member"])
def test_others_cannot_reach_the_evaluator_pool(client, make_user, site, role):
    _login(client, make_user(role))
    response = client.get("/admin/evaluators/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == "/admin/" or "/login/" in response["Location"]
