"""The open call: organizations' questions and the officers' public
answers, addenda (which may move the deadline), the call's documents."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import events, notifications, workdays
from marketplace.core.audit import record_event
from marketplace.core.models.users import User
from marketplace.core.uploads import UploadRefusedError
from marketplace.organizations.services import documents
from marketplace.procurement import messages, permissions
from marketplace.procurement.models.projects import (
    Addendum,
    Clarification,
    Project,
    ProjectDocument,
)
from marketplace.procurement.permissions import enforce
from marketplace.procurement.services.bids import after_addendum, require_bidder
from marketplace.procurement.services.projects.base import (
    ProjectError,
    clean_text,
    lock_project,
    message_context,
    notify_officers,
    public_url,
    require_officer,
)

# --- clarifications and addenda ------------------------------------------------------


def _require_open(project, now):
    if not permissions.call_is_open(project, now):
        raise ProjectError(_("The call is closed."), code="call_closed")


def ask_question(project, *, organization, by, question):
    question = clean_text(question)
    if not question:
        raise ProjectError(_("Write your question."), "question")
    if len(question) > 2000:
        raise ProjectError(_("At most 2,000 characters."), "question")
    with transaction.atomic():
        project = lock_project(project)
        _require_open(project, timezone.now())
        require_bidder(project, organization, by)
        clarification = Clarification.objects.create(
            project=project, organization=organization, asked_by=by, question=question
        )
        record_event("clarification.ask", actor=by, obj=clarification, details={"project": project.ref})
        notify_officers(project, messages.QUESTION_ASKED, exclude=set())
    return clarification


def answer_question(clarification, *, by, answer):
    answer = clean_text(answer)
    if not answer:
        raise ProjectError(_("Write the answer; it is published."), "answer")
    with transaction.atomic():
        require_officer(by)
        project = lock_project(clarification.project)
        clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
        clarification.project = project
        enforce(permissions.can_answer(by, clarification), ProjectError)
        clarification.answer = answer
        clarification.answered_by = by
        clarification.answered_at = timezone.now()
        clarification.save()
        record_event("clarification.answer", actor=by, obj=clarification, details={"project": project.ref})
        events.call_changed.send(sender=Project, project=project)
        members = User.objects.filter(memberships__organization_id=clarification.organization_id, is_active=True)
        notifications.send(messages.QUESTION_ANSWERED, members, message_context(project), link=public_url(project))
    return clarification


def addendum_deadline(project, issued_at):
    """The earliest deadline an addendum issued at ``issued_at`` leaves."""
    method = project.method
    day = workdays.add_days(timezone.localdate(issued_at), method.addendum_min_days, method.addendum_unit)
    local = timezone.localtime(project.deadline)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def issue_addendum(project, *, by, text, new_deadline=None):
    """Publish an addendum (更正公告).  Too close to the deadline for the
    method's rule, the deadline moves; bidders are told, and submitted bids
    must be confirmed again."""
    text = clean_text(text)
    if not text:
        raise ProjectError(_("Say what changes."), "text")
    with transaction.atomic():
        require_officer(by)
        project = lock_project(project)
        now = timezone.now()
        enforce(permissions.can_issue_addendum(by, project, now), ProjectError)
        old = project.deadline
        deadline = old
        if new_deadline is not None:
            if timezone.is_naive(new_deadline):
                raise ProjectError(_("The deadline needs a time zone."), "new_deadline")
            if new_deadline < old:
                raise ProjectError(_("An addendum cannot bring the deadline forward."), "new_deadline")
            deadline = new_deadline
        required = addendum_deadline(project, now)
        extended = deadline < required
        if extended:
            deadline = required
        project.revision += 1
        project.deadline = deadline
        project.save(update_fields=["revision", "deadline", "updated_at"])
        addendum = Addendum.objects.create(
            project=project,
            number=project.revision,
            text=text,
            old_deadline=old,
            new_deadline=deadline,
            extended=extended,
            issued_by=by,
            issued_at=now,
        )
        record_event(
            "project.addendum",
            actor=by,
            obj=project,
            reason=text,
            details={"number": addendum.number, "old_deadline": old, "new_deadline": deadline, "extended": extended},
        )
        events.call_changed.send(sender=Project, project=project)
        after_addendum(project, addendum)
    return addendum


# --- the call's documents ---------------------------------------------------------------


def upload_project_document(project, *, by, file, kind, title=""):
    """Attach a PDF to a draft call (public once the call is published)."""
    if kind not in ProjectDocument.Kind.values:
        raise ProjectError(_("Choose the kind of document."), "kind")
    with transaction.atomic():
        project = lock_project(project)
        enforce(permissions.can_change_documents(by, project), ProjectError)
        try:
            size, sha256, content_type = documents.read_upload(file, limit=settings.BID_DOCUMENT_MAX_BYTES)
        except UploadRefusedError as error:
            raise ProjectError(error.message, "file") from None
        if content_type != "application/pdf":
            raise ProjectError(_("Call documents must be PDF files (the content was checked, not the name)."), "file")
        name = documents.clean_original_name(getattr(file, "name", ""))
        document = ProjectDocument(
            project=project,
            kind=kind,
            title=(title or "").strip()[:200] or name,
            original_name=name,
            size=size,
            sha256=sha256,
            uploaded_by=by,
        )
        document.file.save(name, file, save=False)
        document.save()
        record_event(
            "projectdocument.upload", actor=by, obj=document, details={"project": project.ref, "sha256": sha256}
        )
    return document


def remove_project_document(document, *, by):
    with transaction.atomic():
        project = lock_project(document.project)
        enforce(permissions.can_change_documents(by, project), ProjectError)
        record_event("projectdocument.remove", actor=by, obj=document, details={"project": project.ref})
        document.delete()
