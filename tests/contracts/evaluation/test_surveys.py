"""Resident surveys: links made by a worker of a community the contract
serves, unguessable and stored only as digests, answered once (a race on
PostgreSQL), anonymously, with personal data refused; comments moderated."""

import re
import threading
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection, connections, transaction

from contracts.milestones.models import SurveyResponse, SurveyToken
from contracts.milestones.services import surveys
from contracts.milestones.services.surveys import SurveyError
from marketplace.models import AuditEvent

pytestmark = pytest.mark.django_db


def answer(token, milestone, value=4, comment=""):
    questions = milestone.contract.survey_questions.values_list("pk", flat=True)
    return surveys.answer(token, overall=value, answers=dict.fromkeys(questions, value), comment=comment)


def test_a_worker_of_a_community_served_makes_unguessable_links_stored_as_digests(submitted, worker_here):
    tokens = surveys.make_links(submitted, by=worker_here, count=5)
    assert len(tokens) == len(set(tokens)) == 5
    for token in tokens:
        assert len(token) >= 43  # 32 random bytes, URL-safe base64
        assert re.fullmatch(r"[A-Za-z0-9_\-]+", token)
    stored = set(SurveyToken.objects.filter(milestone=submitted).values_list("token_hash", flat=True))
    assert stored == {surveys.token_hash(token) for token in tokens}
    assert not any(token in stored for token in tokens)
    event = AuditEvent.objects.get(action="survey.links_made")
    assert not any(token in str(event.details) for token in tokens)


def test_a_worker_outside_the_community_and_others_cannot_make_links(submitted, other_worker, officer, award_over):
    for user in (other_worker, officer, award_over.org_admin):
        with pytest.raises(SurveyError) as refused:
            surveys.make_links(submitted, by=user, count=3)
        assert refused.value.code == "not_served"
    assert not SurveyToken.objects.exists()


@pytest.mark.parametrize("count", [0, -1, 301])
def test_the_number_of_links_is_bounded(submitted, worker_here, count):
    with pytest.raises(SurveyError) as refused:
        surveys.make_links(submitted, by=worker_here, count=count)
    assert refused.value.code == "count_out_of_range"
    assert not SurveyToken.objects.exists()


def test_a_link_answers_once_and_the_response_keeps_nothing_of_the_resident(submitted, worker_here):
    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    events_before = AuditEvent.objects.count()
    response = answer(token, submitted, 5, comment="服务很好")
    assert {f.name for f in SurveyResponse._meta.get_fields()} == {
        "id",
        "milestone",
        "answered_on",
        "overall",
        "answers",
        "comment",
        "moderation",
    }
    assert response.moderation == "pending"
    assert SurveyToken.objects.get().used
    # nothing logged about the answer: no event, so no token and no address in the log
    assert AuditEvent.objects.count() == events_before
    assert not any(token in str(row) for row in AuditEvent.objects.values_list("details", "reason"))
    with pytest.raises(SurveyError) as again:
        answer(token, submitted, 1)
    assert again.value.code == "token_unusable"
    assert SurveyResponse.objects.count() == 1


def test_an_unknown_token_is_refused(submitted):
    with pytest.raises(SurveyError) as refused:
        answer("x" * 43, submitted)
    assert refused.value.code == "token_unusable"


@pytest.mark.parametrize(
    "comment", ["有事请打我电话 13812345678", "我的身份证 11010519491231002X", "我住在 3 号楼 2 单元 501 室"]
)
def test_personal_data_in_a_comment_is_refused_and_the_link_stays_unused(submitted, worker_here, comment):
    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    with pytest.raises(SurveyError) as refused:
        answer(token, submitted, comment=comment)
    assert refused.value.code == "personal_data"
    assert not SurveyResponse.objects.exists()
    assert not SurveyToken.objects.get().used


def test_answers_outside_the_scale_are_refused(submitted, worker_here):
    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    with pytest.raises(SurveyError):
        surveys.answer(token, overall=6, answers={}, comment="")
    with pytest.raises(SurveyError):
        surveys.answer(token, overall=3, answers={}, comment="")  # the contract's questions unanswered
    assert not SurveyResponse.objects.exists()
    assert not SurveyToken.objects.get().used


def test_a_decided_milestone_takes_no_more_answers(submitted, worker_here):
    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    type(submitted).objects.filter(pk=submitted.pk).update(state="accepted")
    with pytest.raises(SurveyError):
        answer(token, submitted)
    with pytest.raises(SurveyError) as refused:
        surveys.make_links(submitted, by=worker_here, count=1)
    assert refused.value.code == "survey_closed"


def test_comments_are_moderated_by_officers_and_personal_data_is_never_published(
    submitted, worker_here, officer, other_worker
):
    tokens = surveys.make_links(submitted, by=worker_here, count=2)
    kept = answer(tokens[0], submitted, comment="志愿者很耐心")
    with pytest.raises(SurveyError) as refused:
        surveys.moderate(kept, by=other_worker, publish=True)
    assert refused.value.code == "not_officer"
    surveys.moderate(kept, by=officer, publish=True)
    kept.refresh_from_db()
    assert kept.moderation == "published"
    with pytest.raises(SurveyError) as again:
        surveys.moderate(kept, by=officer, publish=False)
    assert again.value.code == "moderated"
    # a comment that slipped personal data past the form (written directly) cannot be published
    leaked = answer(tokens[1], submitted, comment="很好")
    SurveyResponse.objects.filter(pk=leaked.pk).update(comment="联系 13812345678")
    with pytest.raises(SurveyError) as refused:
        surveys.moderate(leaked, by=officer, publish=True)
    assert refused.value.code == "personal_data"
    surveys.moderate(leaked, by=officer, publish=False)
    assert SurveyResponse.objects.get(pk=leaked.pk).moderation == "refused"


def test_an_officer_who_acted_for_the_organization_may_not_moderate_its_comments(submitted, worker_here, make_user):
    """Review finding: moderation is impartial (an insider could hide the bad comments)."""
    from marketplace.models import Membership

    insider = make_user("procurement_officer", username="insider")
    Membership.objects.create(organization=submitted.contract.organization, user=insider, role=Membership.Role.ADMIN)
    (token,) = surveys.make_links(submitted, by=worker_here, count=1)
    response = answer(token, submitted, comment="送餐经常迟到")
    with pytest.raises(SurveyError) as refused:
        surveys.moderate(response, by=insider, publish=False)
    assert refused.value.code == "acted_for_organization"
    assert SurveyResponse.objects.get(pk=response.pk).moderation == "pending"


# --- the race (PostgreSQL) ---------------------------------------------------------------------------------


@pytest.fixture
def contract_kinds(transactional_db):
    """A transactional test before this one flushed the kinds migration 0002 wrote."""
    import_module("contracts.migrations.0002_contract_kinds").add_kinds(apps, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_answers_racing_on_one_link_make_one_response(migrated_rows, contract_kinds, request):
    with transaction.atomic():  # the shares' deferred constraint trigger checks at commit (PostgreSQL)
        milestone = request.getfixturevalue("submitted")
        worker = request.getfixturevalue("worker_here")
    token = surveys.make_links(milestone, by=worker, count=1)[0]
    barrier = threading.Barrier(4)
    outcomes = []

    def run(value):
        try:
            barrier.wait()
            answer(token, milestone, value)
            outcomes.append("ok")
        except SurveyError as error:
            outcomes.append(error.code)
        except Exception as error:  # noqa: BLE001 - asserted below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(value,)) for value in (1, 2, 4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "token_unusable", "token_unusable", "token_unusable"], outcomes
    assert SurveyResponse.objects.filter(milestone=milestone).count() == 1
    assert SurveyToken.objects.get(milestone=milestone).used
