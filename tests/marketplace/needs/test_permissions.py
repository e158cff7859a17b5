"""The demand list's rules in one place (``marketplace.needs.permissions``):
each ``can_*`` refuses and allows whom it should, and a button shows exactly
when the service accepts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from marketplace.core.fsm import refusal
from marketplace.needs import permissions, services
from marketplace.needs.models import Need, ResidentReport
from tests.needs_fixtures import need_data


@pytest.mark.django_db
def test_can_file(worker, other_worker, officer, community):
    assert permissions.can_file(worker, community)
    for user in (other_worker, officer, AnonymousUser(), None):
        decision = permissions.can_file(user, community)
        assert not decision and decision.reason


@pytest.mark.django_db
def test_can_view_need(make_need, worker, other_worker, officer):
    need = make_need()
    assert permissions.can_view_need(worker, need) and permissions.can_view_need(officer, need)
    assert not permissions.can_view_need(other_worker, need)


@pytest.mark.django_db
def test_can_handle_report(report, worker, other_worker, officer):
    assert permissions.can_handle_report(worker, report)
    assert not permissions.can_handle_report(other_worker, report)
    assert not permissions.can_handle_report(officer, report)


@pytest.mark.django_db
@pytest.mark.parametrize("can", [permissions.can_assess, permissions.can_decide, permissions.can_plan])
def test_officer_rules(can, make_need, worker, officer):
    need = make_need()
    assert can(officer, need)
    refused = can(worker, need)
    assert not refused and refused.reason == str(permissions.OFFICERS_ONLY)


@pytest.mark.django_db
def test_the_state_machine_asks_the_same_rule(make_need, worker, officer):
    need = make_need()
    assert refusal(need.assess, officer) is None
    assert refusal(need.assess, worker)[1] == "permission"
    assert refusal(need.accept, officer)[1] == "state"


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["submitted", "assessed", "accepted", "declined"])
def test_need_actions_match_what_the_services_accept(make_need, officer, worker, state):
    need = make_need(state)
    assert permissions.available_actions(worker, need) == set()
    actions = permissions.available_actions(officer, need)
    assert ("assess" in actions) == (state == "submitted")
    assert ("decide" in actions) == (state == "assessed")
    assert ("plan" in actions) == (state == "accepted")
    try:
        services.assess_need(need, by=officer, assessment="需求真实")
        assessed = True
    except services.NeedError as error:
        assessed = False
        assert error.code == "state"
    assert assessed == ("assess" in actions)
    need = Need.objects.get(pk=need.pk)
    try:
        services.decline_need(need, by=officer, public_answer="不属于购买范围")
        declined = True
    except services.NeedError as error:
        declined = False
        assert error.code == "state"
    assert declined == ("decide" in actions or "assess" in actions)


@pytest.mark.django_db
def test_a_worker_is_refused_with_a_code(make_need, worker):
    need = make_need()
    with pytest.raises(services.NeedError) as caught:
        services.assess_need(need, by=worker, assessment="x")
    assert caught.value.code == "permission"


@pytest.mark.django_db
def test_report_actions_match_what_the_services_accept(report, worker, other_worker):
    assert permissions.available_actions(worker, report) == {"triage", "decline"}
    assert permissions.available_actions(other_worker, report) == set()
    services.decline_report(report, by=worker, reason="重复")
    report = ResidentReport.objects.get(pk=report.pk)
    assert permissions.available_actions(worker, report) == set()
    with pytest.raises(services.NeedError) as caught:
        services.triage_report(report, by=worker, **need_data())
    assert caught.value.code == "state"
    assert caught.value.message == str(services.HANDLED_ALREADY)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["submitted", "assessed", "accepted"])
def test_need_page_buttons_show_exactly_the_available_actions(client, make_need, officer, state, site):
    need = make_need(state)
    client.force_login(officer)
    html = client.get(reverse("work:need", args=[need.pk])).content.decode()
    actions = permissions.available_actions(officer, need)
    assert (reverse("work:assess", args=[need.pk]) in html) == ("assess" in actions)
    assert (reverse("work:decide", args=[need.pk]) in html) == ("decide" in actions)


@pytest.mark.django_db
def test_report_page_buttons_follow_the_report(client, report, worker, site):
    client.force_login(worker)
    triage = reverse("work:report_triage", args=[report.pk])
    assert triage in client.get(reverse("work:report", args=[report.pk])).content.decode()
    services.decline_report(report, by=worker, reason="重复")
    assert triage not in client.get(reverse("work:report", args=[report.pk])).content.decode()


@pytest.mark.django_db
def test_assessment_queue_links_follow_the_available_actions(client, make_need, officer, site):
    submitted, assessed = make_need("submitted"), make_need("assessed")
    client.force_login(officer)
    html = client.get(reverse("work:assessment")).content.decode()
    assert reverse("work:assess", args=[submitted.pk]) in html
    assert reverse("work:decide", args=[submitted.pk]) not in html
    assert reverse("work:decide", args=[assessed.pk]) in html
    assert reverse("work:assess", args=[assessed.pk]) not in html
