"""Moderation of the statutory pages (issue 12, finding 6).

The home page, the section pages and the announcements under them can be
neither unpublished, deleted, moved nor published directly through the admin
(``cms.models.StatutoryPagePermissionTester``).  An editor corrects an
introduction by submitting it to the workflow made here; a second person
from the approver groups (never the one who submitted or wrote the change)
approves, and the approval publishes it.  Every publish and unpublish is an
audit event (``cms.page_audit``)."""

from django.db import transaction

# Imported by Wagtail's model module (``WAGTAIL_FINISH_WORKFLOW_ACTION``) while
# the apps load: models are imported inside the functions.

WORKFLOW_NAME = "法定公告页面：二人审核"
TASK_NAME = "第二人审核发布"
# The roles (``marketplace.core.roles``) whose members may give the second approval.
APPROVER_ROLES = ("editor", "platform_admin")


@transaction.atomic
def ensure_moderation_workflow(home):
    """The workflow on the home page (so on every page under it); made if
    missing, never overwriting an administrator's later changes."""
    from django.contrib.auth.models import Group
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    from cms.models import SecondApprovalTask

    task = SecondApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = SecondApprovalTask.objects.create(name=TASK_NAME)
        task.groups.set([Group.objects.get_or_create(name=key)[0] for key in APPROVER_ROLES])
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    if not WorkflowPage.objects.filter(page=home).exists():
        WorkflowPage.objects.create(page=home, workflow=workflow)
    return workflow


def publish_approved_revision(workflow_state, user=None):
    """``WAGTAIL_FINISH_WORKFLOW_ACTION``: publish the approved revision.

    Wagtail's default publishes as the approver and so asks whether the
    approver may publish directly; on the statutory pages nobody may, which is
    the point, and the task has already checked the approval."""
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
