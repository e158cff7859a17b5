"""Issue 12, finding 4: re-authentication (password + code) before the
irreversible steps - project approval, award, report confirmation - for the
roles with a second factor.  A stolen, already verified session that has not
re-authenticated recently cannot take them; nothing the user typed is lost."""

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from marketplace.core import reauth
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import Award, Bid, Project, ReportConfirmation
from tests.auth_fixtures import mark_second_factor_done
from tests.evaluation_fixtures import PASSWORD, declare_all, evaluated, form, qualify_all, score_all, serving
from tests.security.test_auth_second_factor import code_for

RIGHT = "pw-test-2026"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_second_factor")]


def verified_but_stale(client, user, settings):
    """A session that typed password and code long ago (not idle)."""
    client.force_login(user)
    device = mark_second_factor_done(client, user)
    session = client.session
    session[reauth.SESSION_KEY] = int(time.time()) - settings.REAUTH_MINUTES * 60 - 5
    session.save()
    return device


def hidden_fields(response):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.content.decode()))


def test_approval_needs_a_fresh_reauthentication(client, make_project, second_officer, settings):
    project = make_project("pending_approval")
    device = verified_but_stale(client, second_officer, settings)
    url = reverse("projects:approve", args=[project.ref])
    refused = client.post(url, {"approve-confirm": "on"})
    assert refused.status_code == 403
    assert "marketplace/core/reauth.html" in [t.name for t in refused.templates]
    assert hidden_fields(refused)["approve-confirm"] == "on"  # kept
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL
    # The wrong code: still refused.
    wrong = client.post(url, {"approve-confirm": "on", "reauth-password": "pw-test-2026", "reauth-code": "000000"})
    assert wrong.status_code == 403
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL
    device.refresh_from_db()
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    device.refresh_from_db()
    # The wrong password with the right code: refused.
    wrong = client.post(url, {"approve-confirm": "on", "reauth-password": "nope", "reauth-code": code_for(device)})
    assert wrong.status_code == 403
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL
    done = client.post(
        url, {"approve-confirm": "on", "reauth-password": RIGHT, "reauth-code": code_for(device, step_offset=1)}
    )
    assert done.status_code == 302
    project.refresh_from_db()
    assert project.state == Project.State.PUBLISHED and project.approved_by == second_officer


def test_fresh_reauthentication_lets_the_step_through(client, make_project, second_officer, settings):
    project = make_project("pending_approval")
    verified_but_stale(client, second_officer, settings)
    reauth_session = client.session
    reauth_session[reauth.SESSION_KEY] = int(time.time())
    reauth_session.save()
    assert client.post(reverse("projects:approve", args=[project.ref]), {"approve-confirm": "on"}).status_code == 302
    project.refresh_from_db()
    assert project.state == Project.State.PUBLISHED


def test_the_reauthentication_page_of_its_own_returns(client, officer, settings):
    device = verified_but_stale(client, officer, settings)
    url = reverse("reauthenticate") + "?next=/work/projects/"
    assert client.get(url).status_code == 200
    data = {"reauth-password": RIGHT, "reauth-code": code_for(device), "next": "/work/projects/"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/work/projects/"
    assert reauth.is_fresh(type("R", (), {"session": client.session})())


def test_award_needs_a_fresh_reauthentication(client, officer, opened, pool, settings):
    report = evaluated(opened, officer)
    device = verified_but_stale(client, officer, settings)
    top = Bid.objects.get(pk=report.recommended_bid_id)
    url = reverse("projects:award", args=[opened.ref])
    refused = client.post(url, {"bid": str(top.pk), "confirm": "on"})
    assert refused.status_code == 403
    kept = hidden_fields(refused)
    assert kept["bid"] == str(top.pk) and kept["confirm"] == "on"
    assert not Award.objects.exists()
    done = client.post(
        url, {"bid": str(top.pk), "confirm": "on", "reauth-password": "pw-test-2026", "reauth-code": code_for(device)}
    )
    assert done.status_code == 302
    opened.refresh_from_db()
    assert opened.state == Project.State.AWARDED


def test_report_confirmation_by_an_officer_evaluator_needs_the_code(client, opened, pool, officer, settings):
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    score_all(opened)
    chair = next(m for m in serving(opened) if m.is_chair)
    report = evaluation.generate_report(opened, by=chair.evaluator.user)
    member = next(m for m in serving(opened) if not m.is_chair)
    user = member.evaluator.user
    user.groups.add(Group.objects.get(name="procurement_officer"))
    device = verified_but_stale(client, user, settings)
    url = reverse("evaluate:confirm_report", args=[opened.ref])
    refused = client.post(url, {"confirm-report-password": PASSWORD, "confirm-report-confirm": "on"})
    assert refused.status_code == 403
    kept = hidden_fields(refused)
    assert kept.get("confirm-report-confirm") == "on"
    assert "confirm-report-password" not in kept and PASSWORD not in refused.content.decode()
    assert not ReportConfirmation.objects.filter(report=report, member=member).exists()
    done = client.post(
        url, {"confirm-report-confirm": "on", "reauth-password": PASSWORD, "reauth-code": code_for(device)}
    )
    assert done.status_code == 302
    assert ReportConfirmation.objects.filter(report=report, member=member).exists()


def test_evaluators_without_those_roles_confirm_with_the_password_as_before(client, opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    score_all(opened)
    chair = next(m for m in serving(opened) if m.is_chair)
    report = evaluation.generate_report(opened, by=chair.evaluator.user)
    member = next(m for m in serving(opened) if not m.is_chair)
    client.force_login(member.evaluator.user)
    url = reverse("evaluate:confirm_report", args=[opened.ref])
    assert client.post(url, {"confirm-report-password": PASSWORD, "confirm-report-confirm": "on"}).status_code == 302
    assert ReportConfirmation.objects.filter(report=report, member=member).exists()


def test_irreversible_views_carry_the_guard():
    from marketplace.evaluation.views import awards
    from marketplace.evaluation.views import scoring as evaluation_views
    from marketplace.procurement.views import projects

    for view in (projects.approve, awards.award, evaluation_views.confirm_report):
        inner = view
        found = False
        while inner is not None:
            if getattr(inner, "reauth_required", False):
                found = True
                break
            inner = getattr(inner, "__wrapped__", None)
        assert found, view
