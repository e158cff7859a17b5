"""Opening the bids (开标) at the deadline.

``open_bids`` runs from the scheduler (``open_due_projects`` every minute)
and lazily from ``ensure_opened`` on the first request that touches a
project after its deadline, so the outcome never depends on the scheduler
being on time.  It takes the project's row lock, which every bid submission
takes too: a submission that got the lock first and read a time before the
deadline is in; everything after is refused.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import events, notifications
from marketplace.procurement import messages
from marketplace.procurement.models.bids import Bid, OpeningRecord
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services import projects as project_services
from marketplace.procurement.services.bids import notify_bidders

logger = logging.getLogger(__name__)


def open_bids(project):
    """Open the project's bids if its deadline has passed; idempotent.
    Returns the project (refreshed).  The time is read after the lock."""
    with transaction.atomic():
        project = project_services.lock_project(project)
        now = timezone.now()
        if project.state != Project.State.PUBLISHED or now < project.deadline:
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
                bid.save()
                unconfirmed.append(bid)
                continue
            bid.open(reason=_("Opened at the deadline."))
            bid.save()
            valid.append(bid)
        valid.sort(key=lambda b: b.current_version.submitted_at)
        entries = [
            {
                "organization_id": bid.organization_id,
                "organization": bid.organization.name,
                "price": f"{bid.current_version.price:.2f}",
                "digest": bid.current_version.digest,
                "version": bid.current_version.number,
                "submitted_at": timezone.localtime(bid.current_version.submitted_at).isoformat(),
            }
            for bid in valid
        ]
        failed = len(valid) < project.min_valid_bids
        project.close(reason=_("Deadline reached: bids opened."))
        project.opened_at = now
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
            reason = _("%(count)s valid bids; at least %(min)s are needed.") % {
                "count": len(valid),
                "min": project.min_valid_bids,
            }
            project.fail(reason=reason)
            project.save()
            project_services.release_needs(project, None, _("%(ref)s failed.") % {"ref": project.ref})
        events.bids_opened.send(sender=Project, project=project, record=record)
        _tell(project, failed)
        if unconfirmed:
            notify_bidders(project, messages.BID_NOT_COUNTED, states=(Bid.State.WITHDRAWN,), only=unconfirmed)
    return project


def _tell(project, failed):
    message = messages.CALL_FAILED if failed else messages.BIDS_OPENED
    context = {"ref": project.ref, "title": project.title, "min": project.min_valid_bids}
    notify_bidders(project, message, context, states=(Bid.State.OPENED,))
    notifications.send(message, [project.created_by], context, link=project_services.officer_url(project))


def ensure_opened(project):
    """Open the bids now if the deadline has passed and nobody has yet (the
    lazy half of the opening); a cheap check otherwise."""
    if project is not None and project.state == Project.State.PUBLISHED and timezone.now() >= project.deadline:
        return open_bids(project)
    return project


def open_due_projects():
    """Open every project whose deadline has passed (the scheduled half)."""
    opened = []
    due = Project.objects.filter(state=Project.State.PUBLISHED, deadline__lte=timezone.now()).order_by("deadline")
    for project in due:
        try:
            project = open_bids(project)
        except Exception:  # one broken project must not keep the others sealed
            logger.exception("Opening %s failed", project.ref)
            continue
        if project.opened_at is not None:
            opened.append(project.ref)
    return opened
