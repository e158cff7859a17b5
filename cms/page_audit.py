"""Every publish and unpublish of a CMS page is an audit event (issue 12,
finding 6): the platform's own publications (a call, an opening record, a
result) and an editor's change approved through the moderation workflow
alike.  Wagtail's signals carry no user; the actor is the signed-in user of
the request, if any, and the details name the revision's author and, for a
moderated change, who approved it."""

from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from marketplace.core.audit import record_event

try:  # the request's user, set by the account-audit middleware
    from marketplace.core.request_context import current_actor
except ImportError:  # pragma: no cover

    def current_actor():
        return None


def _approver(page, revision):
    from wagtail.models import TaskState

    state = (
        TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED)
        .select_related("finished_by")
        .order_by("-finished_at")
        .first()
    )
    return state.finished_by if state is not None else None


def _page_details(page):
    return {"page_id": page.pk, "title": page.title, "url_path": page.url_path, "type": page.specific_class.__name__}


@receiver(page_published, dispatch_uid="cms.page_audit.published")
def audit_page_published(sender, instance, revision=None, **kwargs):
    details = _page_details(instance)
    approver = None
    if revision is not None:
        details["revision_id"] = revision.pk
        details["author"] = revision.user.get_username() if revision.user_id else ""
        approver = _approver(instance, revision)
        if approver is not None:
            details["approved_by"] = approver.get_username()
    record_event(
        "page.published",
        actor=current_actor() or approver,
        obj=instance,
        object_type="wagtailcore.page",
        details=details,
    )


@receiver(page_unpublished, dispatch_uid="cms.page_audit.unpublished")
def audit_page_unpublished(sender, instance, **kwargs):
    record_event(
        "page.unpublished",
        actor=current_actor(),
        obj=instance,
        object_type="wagtailcore.page",
        details=_page_details(instance),
    )
