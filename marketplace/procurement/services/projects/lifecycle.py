"""A project's road to the call and out of it: sent for approval, returned
or approved by a second officer (four eyes), cancelled, re-tendered."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import events
from marketplace.core.audit import record_event
from marketplace.core.fsm import require
from marketplace.needs.models import Need
from marketplace.needs.services import plan_need
from marketplace.procurement import messages, permissions
from marketplace.procurement.models.projects import (
    Project,
    ProjectDocument,
)
from marketplace.procurement.permissions import enforce
from marketplace.procurement.services.bids import notify_bidders
from marketplace.procurement.services.projects.base import (
    ProjectError,
    clean_text,
    format_when,
    lock_project,
    notify_author,
    notify_officers,
    require_officer,
)
from marketplace.procurement.services.projects.drafting import clean_draft, next_ref, release_needs, write_draft
from marketplace.procurement.services.projects.rules import (
    DRAFT_FIELDS,
    check_bidding_period,
    earliest_deadline,
    rubric_of,
)


def _validate_complete(project, *, now):
    """Everything a call needs before it goes to approval or out."""
    data = {field: getattr(project, field) for field in DRAFT_FIELDS}
    clean_draft(
        data,
        items=project.catalogue_items.all(),
        communities=project.communities.all(),
        needs=project.needs.filter(state=Need.State.PLANNED),
        criteria=rubric_of(project),
        project=project,
    )
    check_bidding_period(project.method, now, project.deadline)


def submit_for_approval(project, *, by):
    with transaction.atomic():
        project = lock_project(project)
        require(
            project.submit_for_approval, by, ProjectError, state_message=_("Only a draft can be sent for approval.")
        )
        _validate_complete(project, now=timezone.now())
        project.submit_for_approval(by=by)
        project.submitted_by = by
        project.returned_reason = ""
        project.save()
        notify_officers(
            project, messages.APPROVAL_REQUESTED, {"who": by.display_name}, exclude={project.created_by_id, by.pk}
        )
    return project


def return_project(project, *, by, reason):
    reason = clean_text(reason)
    if not reason:
        raise ProjectError(_("Say what must change."), "reason")
    with transaction.atomic():
        project = lock_project(project)
        require(
            project.return_to_draft,
            by,
            ProjectError,
            state_message=_("Only a project awaiting approval can be returned."),
        )
        project.return_to_draft(by=by, reason=reason)
        project.returned_reason = reason
        project.save()
        notify_author(project, messages.PROJECT_RETURNED, {"reason": reason})
    return project


def intention_snapshot(project):
    """What the purchase intention (采购意向) announces: the draft as it is
    when the intention is published (kept, so later edits of the draft never
    rewrite a public announcement).  Strings only (a JSON field)."""
    ends = project.intention_published_at + datetime.timedelta(days=project.method.intention_days)
    return {
        "title": project.title,
        "purchaser": project.purchaser,
        "year": project.year,
        "budget": str(project.budget),
        "method": project.method.code,
        "items": [item.name for item in project.catalogue_items.all()],
        "communities": [community.name for community in project.communities.all()],
        "service_start": project.service_start.isoformat(),
        "service_end": project.service_end.isoformat(),
        "summary": project.description[:INTENTION_SUMMARY_LENGTH],
        "call_not_before": timezone.localdate(ends).isoformat(),
    }


INTENTION_SUMMARY_LENGTH = 500


def backdate_intention(project, days):
    """Move a published intention ``days`` into the past (its snapshot's
    earliest call date with it): for the demo district's seeded history and
    for tests, never called by a view."""
    project.intention_published_at -= datetime.timedelta(days=days)
    project.intention = intention_snapshot(project)
    Project.objects.filter(pk=project.pk).update(
        intention_published_at=project.intention_published_at, intention=project.intention
    )
    return project


def publish_intention(project, *, by):
    """Publish the project's purchase intention (采购意向) ahead of its call:
    the call can be approved once the method's ``intention_days`` have
    passed.  Once; the intention keeps the draft as it is now."""
    with transaction.atomic():
        project = lock_project(project)
        enforce(permissions.can_publish_intention(by, project), ProjectError)
        project.intention_published_at = timezone.now()
        project.intention = intention_snapshot(project)
        project.save(update_fields=["intention_published_at", "intention", "updated_at"])
        record_event(
            "project.intention",
            actor=by,
            obj=project,
            to_state=project.state,
            details={"ref": project.ref, "call_not_before": project.intention["call_not_before"]},
        )
        events.intention_published.send(sender=Project, project=project)
    return project


def approve_project(project, *, by):
    """The second officer approves: the call is published with its page
    (once its purchase intention has been public long enough)."""
    with transaction.atomic():
        project = lock_project(project)
        now = timezone.now()
        project.publish_clock = now  # the intention's notice period, by the same clock
        require(project.publish, by, ProjectError, state_message=_("Only a project awaiting approval can be approved."))
        _validate_complete(project, now=now)
        project.publish(by=by)
        project.approved_by = by
        project.published_at = now
        project.save()
        events.call_published.send(sender=Project, project=project)
        notify_author(
            project,
            messages.PROJECT_PUBLISHED,
            {"who": by.display_name, "deadline": format_when(project.deadline)},
        )
    return project


def cancel_project(project, *, by, reason):
    reason = clean_text(reason)
    if not reason:
        raise ProjectError(_("Give the reason for cancelling; it is published."), "reason")
    with transaction.atomic():
        require_officer(by)
        project = lock_project(project)
        project.cancel_clock = timezone.now()  # the moment that counts, for the not_awaiting_opening guard too
        require(project.cancel, by, ProjectError, state_message=_("This project can no longer be cancelled."))
        was_public = project.state not in (Project.State.DRAFT, Project.State.PENDING_APPROVAL)
        project.cancel(by=by, reason=reason)
        project.cancel_reason = reason
        project.cancelled_at = timezone.now()
        project.save()
        release_needs(project, by, _("%(ref)s was cancelled.") % {"ref": project.ref})
        if was_public:
            events.call_changed.send(sender=Project, project=project)
            notify_bidders(project, messages.PROJECT_CANCELLED, {"reason": reason})
    return project


def retender(project, *, by):
    """A failed project, copied as a new draft (its needs go with it).
    The officer sets a new deadline before sending it for approval."""
    with transaction.atomic():
        project = lock_project(project)
        enforce(permissions.can_retender(by, project), ProjectError)
        data = {field: getattr(project, field) for field in DRAFT_FIELDS}
        now = timezone.now()
        earliest = earliest_deadline(project.method, now) + datetime.timedelta(days=1)
        local = timezone.localtime(project.deadline)
        data["deadline"] = timezone.make_aware(datetime.datetime.combine(earliest, local.time().replace(tzinfo=None)))
        needs = list(project.needs.filter(state=Need.State.ACCEPTED))
        # The re-tender buys what the original's purchase intention announced
        # (``intention_published_at`` follows ``retender_of``): it publishes none.
        copy = Project(ref=next_ref(timezone.localdate().year), created_by=by, retender_of=project)
        # Not re-checked here: the copy is a draft; sending it for approval checks it all.
        data["year"] = project.year
        write_draft(copy, data, project.catalogue_items.all(), project.communities.all(), rubric_of(project))
        # The call's documents go with it (the same stored files; a draft's removal deletes only its row).
        ProjectDocument.objects.bulk_create(
            [
                ProjectDocument(
                    project=copy,
                    kind=d.kind,
                    title=d.title,
                    file=d.file.name,
                    original_name=d.original_name,
                    size=d.size,
                    sha256=d.sha256,
                    uploaded_by=d.uploaded_by,
                )
                for d in project.documents.all()
            ]
        )
        record_event(
            "project.create",
            actor=by,
            obj=copy,
            to_state=copy.state,
            details={"ref": copy.ref, "budget": copy.budget, "method": copy.method.code, "retender_of": project.ref},
        )
        for need in needs:
            plan_need(need, by=by, project=copy)
    return copy
