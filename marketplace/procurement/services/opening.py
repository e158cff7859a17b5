"""Opening the bids (开标) after the deadline.

``open_bids`` runs from the scheduler (``open_due_projects`` every minute)
and lazily from ``ensure_opened`` on the first request that touches a
project once it is due, so the outcome never depends on the scheduler being
on time.

**When.**  A bid counts if its request reached the server before the
deadline (``services/bids.py``), and such a request may still be on its way
to the project's lock after the deadline.  So the opening is due only at the
deadline plus ``settings.BID_OPENING_GRACE``: the web server's request
timeout (gunicorn's ``--timeout``, after which the request is killed and its
transaction rolled back) and a few seconds.  By then every request that
arrived in time holds its shared lock on the project or has ended; the
opening's exclusive lock (``FOR UPDATE``) waits for those that hold it, so
it includes every bid accepted, and what comes after it finds the call
closed.  Between the deadline and the opening nothing can be submitted or
changed (the deadline has passed) and the bids stay sealed.

**Cost.**  The transitions still run through django-fsm on the bids in
memory; their audit events are written together (``audit.batched``), the
bids in one ``bulk_update``, and the bidders are told after the commit by a
task, never while the project is locked: a constant number of statements
for any number of bids.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import audit, events, notifications
from marketplace.core.jobs import enqueue_on_commit
from marketplace.procurement import messages
from marketplace.procurement.models.bids import Bid, OpeningRecord
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services import projects as project_services
from marketplace.procurement.services.bids import notify_bidders

logger = logging.getLogger(__name__)


def opens_at(project, grace=None):
    """When the project's bids are opened: the deadline plus the grace."""
    return project.deadline + (settings.BID_OPENING_GRACE if grace is None else grace)


def is_due(project, now=None, grace=None):
    return project.state == Project.State.PUBLISHED and (now or timezone.now()) >= opens_at(project, grace)


def open_bids(project, *, grace=None):
    """Open the project's bids if the opening is due; idempotent.  Returns
    the project (refreshed).  The time is read after the lock.  ``grace``
    replaces the setting only where no request can be in flight (the demo
    seeds alone)."""
    with transaction.atomic(), audit.batched():
        # FOR UPDATE: waits for every submission holding its shared lock on the project.
        project = project_services.lock_project(project)
        now = timezone.now()
        if not is_due(project, now, grace):
            return project
        bids = list(
            Bid.objects.select_for_update(of=("self",))
            .filter(project=project, state=Bid.State.SUBMITTED)
            .select_related("organization", "current_version")
            .order_by("pk")
        )
        valid = []
        unconfirmed = []
        for bid in bids:
            if bid.needs_confirmation:
                # Not confirmed after an addendum: it does not count.
                bid.withdraw(reason=_("Not confirmed after the addendum before the deadline."))
                unconfirmed.append(bid)
            else:
                bid.open(reason=_("Opened at the deadline."))
                valid.append(bid)
            bid.updated_at = now  # bulk_update does not apply auto_now
        Bid.objects.bulk_update(bids, ["state", "updated_at"])
        valid.sort(key=lambda b: (b.current_version.received_at or b.current_version.submitted_at, b.pk))
        entries = [
            {
                "organization_id": bid.organization_id,
                "organization": bid.organization.name,
                "price": f"{bid.current_version.price:.2f}",
                "digest": bid.current_version.digest,
                "version": bid.current_version.number,
                "submitted_at": timezone.localtime(bid.current_version.submitted_at).isoformat(),
                **(
                    {"received_at": timezone.localtime(bid.current_version.received_at).isoformat()}
                    if bid.current_version.received_at
                    else {}
                ),
            }
            for bid in valid
        ]
        failed = len(valid) < project.min_valid_bids
        project.close(reason=_("Deadline reached: bids opened."))
        project.opened_at = now
        if failed:
            project.fail(
                reason=_("%(count)s valid bids; at least %(min)s are needed.")
                % {"count": len(valid), "min": project.min_valid_bids}
            )
        project.save()
        record = OpeningRecord.objects.create(
            project=project,
            opened_at=now,
            deadline=project.deadline,
            entries=entries,
            valid_count=len(valid),
            min_valid_bids=project.min_valid_bids,
            failed=failed,
        )
        if failed:
            project_services.release_needs(project, None, _("%(ref)s failed.") % {"ref": project.ref})
        events.bids_opened.send(sender=Project, project=project, record=record)
        # Told after the commit, not while the project is locked (the task writes the notices and mail).
        from marketplace.procurement.tasks import tell_opening

        enqueue_on_commit(tell_opening, project.pk, [bid.pk for bid in unconfirmed])
    return project


def tell_opening(project_id, unconfirmed_ids=()):
    """Tell each bidder how the opening went (``tasks.tell_opening`` runs this
    after the opening's commit); the officer who made the call too."""
    project = Project.objects.get(pk=project_id)
    failed = OpeningRecord.objects.get(project_id=project_id).failed
    message = messages.CALL_FAILED if failed else messages.BIDS_OPENED
    context = {"ref": project.ref, "title": project.title, "min": project.min_valid_bids}
    notify_bidders(project, message, context, states=(Bid.State.OPENED,))
    notifications.send(message, [project.created_by], context, link=project_services.officer_url(project))
    if unconfirmed_ids:
        unconfirmed = list(Bid.objects.filter(pk__in=unconfirmed_ids))
        notify_bidders(project, messages.BID_NOT_COUNTED, states=(Bid.State.WITHDRAWN,), only=unconfirmed)


def ensure_opened(project):
    """Open the bids now if the opening is due and nobody has yet (the lazy
    half of the opening); a cheap check otherwise."""
    if project is not None and is_due(project):
        return open_bids(project)
    return project


def open_due_projects():
    """Open every project whose opening is due (the scheduled half)."""
    opened = []
    due = Project.objects.filter(
        state=Project.State.PUBLISHED, deadline__lte=timezone.now() - settings.BID_OPENING_GRACE
    ).order_by("deadline")
    for project in due:
        try:
            project = open_bids(project)
        except Exception:  # one broken project must not keep the others sealed
            logger.exception("Opening %s failed", project.ref)
            continue
        if project.opened_at is not None:
            opened.append(project.ref)
    return opened
