"""The officer's to-do page (/work/, issue 14): one section per kind of work,
with counts and links, the most urgent first, refused to everyone else, and
its queries do not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.evaluation.services import awards
from marketplace.models import Bid, Clarification
from tests.evaluation_fixtures import award_top, evaluated
from tests.factories import OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/work/"


def sections_of(response):
    return {section.key: section for section in response.context["sections"]}


OWN = {
    "challenges",
    "closing",
    "award",
    "committees",
    "approvals",
    "questions",
    "reports",
    "organizations",
    "needs",
    "method_changes",
}


def test_the_url_is_named_workspace_todo():
    assert reverse("workspace:todo") == URL


@pytest.fixture
def challenged(opened, pool, officer):
    """Awarded, and the runner-up filed a challenge."""
    evaluated(opened, officer)
    opened.refresh_from_db()
    award_top(opened, officer)
    loser = Bid.objects.get(project=opened, organization__name="投标组织1")
    return awards.file_challenge(loser, by=opened.admins[0], reasons="评分未按招标文件规定的标准进行")


@pytest.fixture
def work(challenged, officer, make_need, org_admin, published):
    """One item (or two) in each section the officer has to act on."""
    items = list(published.items.all()[:1])
    mine = ProjectFactory(pending_approval=True, created_by=officer, items=items)  # four eyes: not for me
    theirs = ProjectFactory(pending_approval=True, items=items)
    closing = ProjectFactory(published=True, days=2, items=items)
    ProjectFactory(published=True, days=30, items=items)  # closes later: not listed
    to_form = ProjectFactory(closed=True, bidders=["100000", "110000", "120000"], items=items)
    question = Clarification.objects.create(
        project=closing,
        organization=challenged.organization,
        asked_by=org_admin,
        question="服务时间能否包括周末？",
    )
    organization = OrganizationFactory(submitted=True)
    submitted, assessed = make_need(), make_need("assessed")
    return {
        "mine": mine,
        "theirs": theirs,
        "closing": closing,
        "to_form": to_form,
        "question": question,
        "organization": organization,
        "needs": (submitted, assessed),
        "challenge": challenged,
    }


def test_each_section_counts_and_links_where_the_officer_acts(client, officer, work):
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 200
    sections = sections_of(response)
    # marketplace's own sections (the contracts app adds its own through marketplace.core.extensions)
    counts = {key: section.count for key, section in sections.items() if key in OWN}
    assert counts == {
        "challenges": 1,
        "closing": 1,
        "award": 0,
        "committees": 1,
        "approvals": 1,
        "questions": 1,
        "reports": 0,
        "organizations": 1,
        "needs": 2,
        "method_changes": 0,
    }
    challenge = work["challenge"]
    (item,) = sections["challenges"].items
    assert item.url == reverse("projects:challenge", args=[challenge.project.ref, challenge.pk])
    assert item.days_left == awards.working_time_left(challenge.answer_due) and item.days_left > 0
    (item,) = sections["closing"].items
    assert item.url == reverse("projects:detail", args=[work["closing"].ref]) and item.due == work["closing"].deadline
    (item,) = sections["approvals"].items
    assert item.url == reverse("projects:detail", args=[work["theirs"].ref])
    (item,) = sections["committees"].items
    assert item.url == reverse("projects:committee", args=[work["to_form"].ref])
    (item,) = sections["questions"].items
    assert item.url.endswith(f"#question-{work['question'].pk}")
    (item,) = sections["organizations"].items
    assert item.url == reverse("orgreview:detail", args=[work["organization"].pk])
    submitted, assessed = work["needs"]
    assert [item.url for item in sections["needs"].items] == [
        reverse("work:assess", args=[submitted.pk]),
        reverse("work:decide", args=[assessed.pk]),
    ]
    page = response.content.decode()
    for section in sections.values():
        for item in section.items:
            assert f'href="{item.url}"' in page


def test_the_most_urgent_first(client, officer, work):
    client.force_login(officer)
    keys = [section.key for section in client.get(URL).context["sections"] if section.key in OWN]
    # Deadlines first, nearest first (the call closes in 2 days, the challenge's answer is due in
    # 7 working days); then the rest by rank; empty sections last.
    assert keys == [
        "closing",
        "challenges",
        "committees",
        "approvals",
        "questions",
        "organizations",
        "needs",
        "award",
        "reports",
        "method_changes",
    ]


def test_a_confirmed_report_is_ready_to_award(client, opened, pool, officer, second_officer):
    evaluated(opened, officer)
    client.force_login(second_officer)
    sections = sections_of(client.get(URL))
    (item,) = sections["award"].items
    assert item.url == reverse("projects:evaluation", args=[opened.ref])
    assert sections["committees"].count == 0


@pytest.mark.parametrize("role", ["organization_member", "community_worker", "evaluator", "finance_officer"])
def test_refused_to_everyone_but_officers(client, make_user, role):
    client.force_login(make_user(role, username=f"not-{role}"))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_sign_in_first(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def _more_work(make_need, items, n):
    for _ in range(n):
        OrganizationFactory(submitted=True)
        ProjectFactory(pending_approval=True, items=items)
        ProjectFactory(published=True, days=2, items=items)
        make_need()


def test_queries_do_not_grow_with_the_rows(client, officer, make_need, published, django_assert_max_num_queries):
    client.force_login(officer)
    items = list(published.items.all()[:1])
    _more_work(make_need, items, 11)  # past a section's SHOWN rows: counted apart
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).status_code == 200
    _more_work(make_need, items, 4)
    with django_assert_max_num_queries(len(first)):
        response = client.get(URL)
    sections = sections_of(response)
    assert sections["organizations"].count == 15 and len(sections["organizations"].items) == 10
    assert sections["approvals"].count == 15 and sections["closing"].count == 15 and sections["needs"].count == 15
    assert "5" in response.content.decode()  # "And 5 more."
