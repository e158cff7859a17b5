"""The announcements index (/disclosure/): every statutory announcement,
with its legal deadline in Chinese working days.

The domains say what they owe through their public read modules
(``disclosure_events``: plain dicts, no person, nothing about bids before
the opening).  ``publish_due`` writes the missing ones, once each
(``Announcement``'s unique ``(kind, key)``), after the domain's transaction
has committed, so a failure here can never roll back a payment or an
award: the receivers below run it for the one project on commit; the
scheduler runs it every minute for the projects changed in the last hours
(``publish_recent``) and every night for all (``cms.tasks``), which picks up
whatever a failed receiver missed.

Publication time: the moment the fact became public on the site (most
records have a live page from their own transaction: the call, the
opening, the result, the contract, each acceptance and payment), else the
moment this module publishes it (a challenge decision has no other page)."""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from cms.models import Announcement, AnnouncementKind
from cms.search import index as search_index
from contracts.contracts import events as contract_events
from contracts.contracts import public as contracts_public
from contracts.milestones import events as milestone_events
from contracts.milestones import public as milestones_public
from contracts.payments import events as payment_events
from contracts.payments import public as payments_public
from marketplace.core import events, workdays
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.procurement import public as procurement_public

logger = logging.getLogger(__name__)

Kind = AnnouncementKind

#: working days after the event by whose end the announcement is due (0: the
#: same day).  Results and contracts: 2 working days (政府采购法实施条例 第四十三条,
#: 第五十条); the purchase intention is due before its call (the call's own
#: guard keeps it 30 days ahead, ``intention_days``).
DUE_WITHIN = {
    Kind.INTENTION: 0,
    Kind.CALL: 0,
    Kind.CORRECTION: 0,
    Kind.OPENING: 1,
    Kind.RESULT: 2,
    Kind.CHALLENGE: 2,
    Kind.CONTRACT: contracts_public.ANNOUNCE_WITHIN,
    Kind.ACCEPTANCE: 2,
    Kind.PAYMENT: payments_public.ANNOUNCE_WITHIN,
    Kind.TERMINATION: 2,
}

#: the domains' read functions, in the order of a project's story
SOURCES = (
    procurement_public.disclosure_events,
    evaluation_selectors.disclosure_events,
    contracts_public.disclosure_events,
    milestones_public.disclosure_events,
    payments_public.disclosure_events,
)

#: an announcement within this many hours of its deadline counts as soon due
SOON_HOURS = 24


def due_at(kind, event_at):
    """The end (23:59:59 local time) of the ``DUE_WITHIN[kind]``-th working
    day after the event's day."""
    day = workdays.add_days(timezone.localdate(event_at), DUE_WITHIN[Kind(kind)], workdays.DayCount.WORKING)
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def owed(project_ref=None, project_ids=None):
    """Every announcement the data owes (for one project, some, or all), as
    the domains' dicts."""
    found = []
    for source in SOURCES:
        found.extend(source(project_ref=project_ref, project_ids=project_ids))
    return found


def _row(item, now):
    return Announcement(
        kind=item["kind"],
        key=item["key"],
        title=item["title"][:300],
        project_ref=item.get("project_ref", ""),
        contract_number=item.get("contract_number", ""),
        event_at=item["event_at"],
        due_at=due_at(item["kind"], item["event_at"]),
        # never before its event (a run that started earlier, or a caller's clock)
        published_at=item.get("published_at") or max(now, item["event_at"]),
        facts=item.get("facts", {}),
    )


def publish_due(project_ref=None, *, project_ids=None, now=None):
    """Write every owed announcement not yet written (for one project, some,
    or all); returns how many.  Idempotent: a second run (or two at once)
    writes nothing twice."""
    now = now or timezone.now()
    items = owed(project_ref, project_ids)
    rows = Announcement.objects.all()
    if project_ref or project_ids is not None:
        rows = rows.filter(project_ref__in={item["project_ref"] for item in items})
    existing = set(rows.values_list("kind", "key"))
    written = []
    for item in items:
        if (item["kind"], item["key"]) in existing:
            continue
        row = _row(item, now)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # written meanwhile by another run
            continue
        written.append(row.pk)
    return len(written)


def changed_since(since, until=None):
    """The ids of the projects with a public event in ``(since, until]``
    (``until=None``: after ``since``; what the minute run looks at, the
    nightly run looks at everything; the open-data change feed asks one time
    window at a time)."""
    found = procurement_public.projects_with_events_since(since, until)
    found |= evaluation_selectors.projects_awarded_since(since, until)
    found |= evaluation_selectors.projects_with_challenges_decided_since(since, until)
    found |= contracts_public.projects_with_contract_events_since(since, until)
    found |= payments_public.projects_paid_since(since, until)
    return found


#: how far back the minute run looks (a receiver that failed, a scheduler
#: that stopped for a while); the nightly run (``publish_all_announcements``) covers the rest
RECENT = datetime.timedelta(hours=6)


def publish_recent(now=None):
    """The scheduler's minute run: what the projects changed in the last
    ``RECENT`` owe and is not yet published."""
    now = now or timezone.now()
    changed = changed_since(now - RECENT)
    return publish_due(project_ids=changed, now=now) if changed else 0


def pending():
    """What the data owes and is not yet published, nearest deadline first:
    ``[(item, due_at)]`` (the officers' dashboard)."""
    existing = set(Announcement.objects.values_list("kind", "key"))
    rows = [
        (item, due_at(item["kind"], item["event_at"])) for item in owed() if (item["kind"], item["key"]) not in existing
    ]
    return sorted(rows, key=lambda row: row[1])


def _after_commit(project_ref):
    """Publish the project's announcements once the domain's transaction has
    committed (the moment captured now, inside it, so a clock the caller
    set, such as the demo's history, is the one recorded)."""
    now = timezone.now()

    def run():
        try:
            publish_due(project_ref, now=now)
        except Exception:  # the scheduler's next run publishes it
            logger.exception("announcements for %s not published; the scheduler retries", project_ref)

    transaction.on_commit(run)


@receiver(events.intention_published, dispatch_uid="cms.announcements.intention")
@receiver(events.call_published, dispatch_uid="cms.announcements.call")
@receiver(events.call_changed, dispatch_uid="cms.announcements.call_changed")
@receiver(events.bids_opened, dispatch_uid="cms.announcements.opened")
@receiver(events.award_made, dispatch_uid="cms.announcements.award")
@receiver(events.award_cancelled, dispatch_uid="cms.announcements.award_cancelled")
@receiver(events.challenge_decided, dispatch_uid="cms.announcements.challenge")
def on_project_event(sender, project, **kwargs):
    _after_commit(project.ref)


@receiver(contract_events.contract_activated, dispatch_uid="cms.announcements.contract")
@receiver(contract_events.contract_closed, dispatch_uid="cms.announcements.contract_closed")
def on_contract_event(sender, contract, **kwargs):
    _after_commit(contract.project.ref)


@receiver(milestone_events.milestone_accepted, dispatch_uid="cms.announcements.milestone")
def on_milestone_accepted(sender, milestone, **kwargs):
    _after_commit(milestone.contract.project.ref)


@receiver(payment_events.payment_paid, dispatch_uid="cms.announcements.payment")
def on_payment_paid(sender, payment, **kwargs):
    _after_commit(payment.contract.project.ref)


@receiver(post_save, sender=Announcement, dispatch_uid="cms.announcements.search")
def on_announcement_saved(sender, instance, **kwargs):
    """Written, or an editor's note changed: the search index follows after commit."""
    search_index.reindex_after_commit("announcements", [instance.pk])
