"""The lights on the workspaces, reds first: the officer's to-do page, the
organization's workspace, the community worker's page."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contracts.contracts.models import Milestone
from contracts.milestones.selectors import delivery as selectors

pytestmark = pytest.mark.django_db

D = datetime.date
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MOMENT = datetime.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def red_and_green(contract):
    """On 12 October 2026 milestone 1 is overdue (red), milestone 2 far off (green)."""
    Milestone.objects.filter(contract=contract, number=1).update(due_on=D(2026, 10, 9))
    Milestone.objects.filter(contract=contract, number=2).update(due_on=D(2027, 6, 30))
    return contract


def test_rows_put_reds_first(red_and_green):
    rows = selectors.light_rows(D(2026, 10, 12))
    assert [(row.milestone.number, row.light.colour) for row in rows] == [(1, "red"), (2, "green")]


def test_the_officers_todo_page_shows_the_lights(red_and_green, officer, client):
    """The to-do page lists what needs attention (red, then yellow); the greens are on the full list."""
    client.force_login(officer)
    with time_machine.travel(MOMENT, tick=False):
        response = client.get(reverse("workspace:todo"))
    text = response.content.decode()
    assert response.status_code == 200 and 'id="todo-delivery_lights"' in text
    start = text.index('id="todo-delivery_lights"')
    section = text[start : text.index("</section>", start)]
    assert 'data-count="1"' in text[start - 200 : start + 200]
    assert reverse("delivery:milestone", args=[red_and_green.milestones.get(number=1).pk]) in section
    assert reverse("delivery:milestone", args=[red_and_green.milestones.get(number=2).pk]) not in section
    assert reverse("delivery:index") in section


def test_the_officers_deadline_list(red_and_green, officer, client):
    client.force_login(officer)
    with time_machine.travel(MOMENT, tick=False):
        response = client.get(reverse("delivery:index"))
    text = response.content.decode()
    assert text.index('data-light="red"') < text.index('data-light="green"')


def test_the_organization_workspace_shows_its_lights(red_and_green, member, client):
    client.force_login(member)
    with time_machine.travel(MOMENT, tick=False):
        response = client.get(reverse("orgs:workspace", args=[red_and_green.organization_id]))
    text = response.content.decode()
    assert 'id="delivery-lights"' in text
    assert text.index('data-light="red"') < text.index('data-light="green"')


def test_another_organization_sees_nothing_of_it(red_and_green, outsider, other_community, client):
    from marketplace.models import Membership, Organization

    other = Organization.objects.create(
        name="别的组织", track="filed", kind="public_service", created_by=outsider, community=other_community
    )
    Membership.objects.create(organization=other, user=outsider, role="admin")
    client.force_login(outsider)
    response = client.get(reverse("orgs:workspace", args=[other.pk]))
    assert red_and_green.number not in response.content.decode()


def test_the_community_workers_page_shows_the_contracts_lights(red_and_green, worker, other_worker, client):
    client.force_login(worker)
    with time_machine.travel(MOMENT, tick=False):
        response = client.get(reverse("work:needs"))
    text = response.content.decode()
    assert 'id="supervision-lights"' in text and red_and_green.number in text
    assert text.index('data-light="red"') < text.index('data-light="green"')
    client.force_login(other_worker)
    with time_machine.travel(MOMENT, tick=False):
        response = client.get(reverse("work:needs"))
    assert red_and_green.number not in response.content.decode()


def test_the_lights_pages_run_a_fixed_number_of_queries(red_and_green, officer, client, django_assert_max_num_queries):
    client.force_login(officer)
    with time_machine.travel(MOMENT, tick=False), django_assert_max_num_queries(40):
        client.get(reverse("delivery:index"))


def test_the_signing_deadline_of_an_unsigned_contract_has_its_light(award_over, officer, client):
    from contracts.milestones import lights
    from tests.contract_fixtures import ContractFactory

    contract = ContractFactory(award=award_over)  # a draft: 30 days from the award notice to sign
    rows = [row for row in selectors.light_rows(timezone.localdate()) if row.milestone is None]
    assert [(row.contract, row.light.kind) for row in rows] == [(contract, lights.SIGNING)]
    assert rows[0].light.deadline == lights.signing_deadline(award_over.awarded_at)
    client.force_login(officer)
    response = client.get(reverse("delivery:index"))
    assert contract.number in response.content.decode()


def test_every_page_opens_for_the_people_it_is_for(red_and_green, member, worker, officer, client):
    milestone = red_and_green.milestones.get(number=1)
    org = red_and_green.organization_id
    client.force_login(member)
    for url in (
        reverse("delivery_org:index", args=[org]),
        reverse("delivery_org:milestone", args=[org, milestone.pk]),
        reverse("delivery_org:report", args=[org, milestone.pk]),
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(worker)
    for url in (
        reverse("supervision:index"),
        reverse("supervision:contract", args=[red_and_green.pk]),
        reverse("supervision:record_new", args=[red_and_green.pk]),
        reverse("supervision:opinion", args=[red_and_green.pk, milestone.pk]),
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(officer)
    for url in (reverse("delivery:index"), reverse("delivery:milestone", args=[milestone.pk])):
        assert client.get(url).status_code == 200, url


def test_the_community_pages_name_the_project_and_lead_to_the_survey_links(contract, worker, client):
    """The walk of issue 15: the worker's list showed contract numbers only,
    and the contract page did not lead to the survey links."""
    client.force_login(worker)
    text = client.get(reverse("supervision:index")).content.decode()
    assert contract.project.title in text and reverse("surveys:index") in text
    text = client.get(reverse("supervision:contract", args=[contract.pk])).content.decode()
    assert contract.project.title in text
    first = contract.milestones.order_by("number").first()
    assert reverse("surveys:links", args=[first.pk]) in text


def test_my_organizations_names_the_overdue_report(red_and_green, member, outsider, client):
    """/org/ (the walk: nothing there said a report was due): the red report
    is named with a link to its form; the green one is not; an outsider's
    /org/ says nothing of it."""
    first = red_and_green.milestones.get(number=1)
    second = red_and_green.milestones.get(number=2)
    client.force_login(member)
    with time_machine.travel(MOMENT, tick=False):
        text = client.get(reverse("orgs:mine")).content.decode()
    assert reverse("delivery_org:report", args=[red_and_green.organization_id, first.pk]) in text
    assert reverse("delivery_org:report", args=[red_and_green.organization_id, second.pk]) not in text
    assert "2026-10-09" in text
    client.force_login(outsider)
    with time_machine.travel(MOMENT, tick=False):
        assert red_and_green.number not in client.get(reverse("orgs:mine")).content.decode()
