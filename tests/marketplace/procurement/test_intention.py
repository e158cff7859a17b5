"""The purchase intention (采购意向): published once, ahead of the call, as
the draft then stood; a call is approved only once its intention has been
public for the method's ``intention_days`` (a guard on ``publish``)."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core import events
from marketplace.models import AuditEvent, Project
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import PurchaseMethod
from marketplace.procurement.services import projects as services
from marketplace.procurement.services.projects import ProjectError


@pytest.fixture
def received():
    calls = []

    def receiver(sender, project, **kwargs):
        calls.append(project.ref)

    events.intention_published.connect(receiver, dispatch_uid="test-intention")
    yield calls
    events.intention_published.disconnect(dispatch_uid="test-intention")


@pytest.mark.django_db
def test_the_intention_is_published_once_with_the_draft_as_it_stood(make_project, officer, received):
    project = make_project("draft")
    project = services.publish_intention(project, by=officer)
    stored = Project.objects.get(pk=project.pk)
    assert stored.intention_published_at is not None
    assert stored.intention["title"] == project.title
    assert stored.intention["budget"] == str(project.budget)
    ends = timezone.localdate(stored.intention_published_at + datetime.timedelta(days=30))
    assert stored.intention["call_not_before"] == ends.isoformat()
    assert received == [project.ref]
    assert AuditEvent.objects.filter(action="project.intention", object_id=str(project.pk)).count() == 1
    # Later edits of the draft do not rewrite the published intention.
    Project.objects.filter(pk=project.pk).update(title="改过的标题")
    assert Project.objects.get(pk=project.pk).intention["title"] == project.title
    # Once only.
    with pytest.raises(ProjectError) as refused:
        services.publish_intention(stored, by=officer)
    assert refused.value.code == "intention_public"
    assert "intention" not in permissions.available_actions(officer, stored)


@pytest.mark.django_db
def test_only_officers_publish_an_intention_and_only_before_the_call(make_project, worker, officer):
    project = make_project("draft")
    with pytest.raises(ProjectError):
        services.publish_intention(project, by=worker)
    assert Project.objects.get(pk=project.pk).intention_published_at is None
    published = make_project("published", budget_override_reason="测试：第二个项目")
    with pytest.raises(ProjectError) as refused:
        services.publish_intention(Project.objects.get(pk=published.pk), by=officer)
    assert refused.value.code in {"state", "intention_public"}


def _pending_without_notice(make_project, officer, *, days_ago, **overrides):
    project = make_project("draft", **overrides)
    project = services.publish_intention(project, by=officer)
    if days_ago:
        project = services.backdate_intention(project, days_ago)
    return services.submit_for_approval(project, by=officer)


@pytest.mark.django_db
def test_a_call_is_not_approved_before_its_intention_was_public_30_days(make_project, officer, second_officer):
    project = _pending_without_notice(make_project, officer, days_ago=29)
    assert "approve" not in permissions.available_actions(second_officer, project)
    with pytest.raises(ProjectError) as refused:
        services.approve_project(project, by=second_officer)
    assert refused.value.code == "intention_notice"
    assert Project.objects.get(pk=project.pk).state == "pending_approval"
    # A day later (by the server clock) it may be published.
    services.backdate_intention(project, 1)
    project = Project.objects.get(pk=project.pk)
    assert "approve" in permissions.available_actions(second_officer, project)
    assert services.approve_project(project, by=second_officer).state == "published"


@pytest.mark.django_db
def test_a_call_without_an_intention_is_refused(make_project, officer, second_officer):
    project = make_project("draft")
    project = services.submit_for_approval(project, by=officer)
    with pytest.raises(ProjectError) as refused:
        services.approve_project(project, by=second_officer)
    assert refused.value.code == "intention_notice"


@pytest.mark.django_db
def test_the_notice_period_is_the_methods(make_project, officer, second_officer):
    project = make_project("draft")
    PurchaseMethod.objects.filter(pk=project.method_id).update(intention_days=0)
    project = services.submit_for_approval(Project.objects.get(pk=project.pk), by=officer)
    assert services.approve_project(project, by=second_officer).state == "published"

    PurchaseMethod.objects.filter(pk=project.method_id).update(intention_days=5)
    other = _pending_without_notice(make_project, officer, days_ago=6, budget_override_reason="测试：第二个项目")
    assert services.approve_project(other, by=second_officer).state == "published"


@pytest.mark.django_db
def test_a_retender_is_covered_by_the_original_intention_and_publishes_none(make_project, officer, second_officer):
    project = make_project("published")
    Project.objects.filter(pk=project.pk).update(state="failed")
    failed = Project.objects.get(pk=project.pk)
    copy = services.retender(failed, by=officer)
    # No intention of its own (nothing new is announced for a draft) ...
    assert copy.intention_published_at is None and copy.intention == {}
    with pytest.raises(ProjectError) as refused:
        services.publish_intention(copy, by=officer)
    assert refused.value.code == "retender"
    # ... and the original's covers its call.
    copy = services.submit_for_approval(Project.objects.get(pk=copy.pk), by=officer)
    assert "approve" in permissions.available_actions(second_officer, copy)
