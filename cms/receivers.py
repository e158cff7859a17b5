"""The public pages that follow the purchase projects' domain events
(``marketplace.core.events``).  The receivers run inside the service's
transaction: a call is never published without its page.

The pages hold no copy of the project: they render its data live, so when
the project changes the call page's content does not.  Its
``last_published_at`` is moved (one UPDATE inside the service's transaction)
so the page's own date says when the call last changed; no revision identical
to the last is saved and published (that was about 70 statements of the
opening's transaction, while it held the project's lock).  So no
``page.published`` audit event is written for it either: the domain's own
audit events (``project.close``, ``bid.open``, …) record what changed.  The result page
still gets a new revision when an award is cancelled (an editor sees it in
its history)."""

from django.dispatch import receiver
from django.utils import timezone

from marketplace.core import events
from marketplace.procurement.models.projects import Project


def projects_section():
    """The "projects" section page, created with the rest of the site if missing."""
    from cms.models import Section, SectionPage
    from cms.setup import ensure_site

    section = SectionPage.objects.filter(section=Section.PROJECTS).first()
    if section is None:
        ensure_site()
        section = SectionPage.objects.get(section=Section.PROJECTS)
    return section


def call_slug(project):
    return project.ref.lower()


def _republish(page):
    """A new published revision (the live content, so an editor's unpublished
    draft of the introduction is not published by accident)."""
    if page.has_unpublished_changes:
        type(page).objects.filter(pk=page.pk).update(last_published_at=timezone.now())
        return
    page.save_revision().publish()


def _add_published(parent, page):
    """Create ``page`` under ``parent`` and publish it.  ``add_child`` saves
    it with Wagtail's full validation; the revision of that same content is
    not validated a second time (six statements fewer inside the domain
    transaction)."""
    parent.add_child(instance=page)
    page.save_revision(clean=False).publish()
    return page


def ensure_call_page(project):
    """The project's live call announcement page (created and published if
    missing; idempotent)."""
    from cms.models import CallAnnouncementPage

    page = CallAnnouncementPage.objects.filter(project=project).first()
    if page is not None:
        if not page.live:
            page.save_revision().publish()
        return page
    page = CallAnnouncementPage(title=project.title, slug=call_slug(project), project=project)
    return _add_published(projects_section(), page)


def ensure_opening_page(project):
    from cms.models import OpeningRecordPage

    page = OpeningRecordPage.objects.filter(project=project).first()
    if page is not None:
        return page
    call = ensure_call_page(project)
    page = OpeningRecordPage(title=f"{project.title} 开标记录", slug="opening", project=project)
    return _add_published(call, page)


def ensure_result_page(project):
    """The project's live result announcement (created and published if
    missing; republished if it exists: a new award or a cancellation)."""
    from cms.models import ResultAnnouncementPage

    page = ResultAnnouncementPage.objects.filter(project=project).first()
    if page is not None:
        _republish(page)
        return page
    call = ensure_call_page(project)
    page = ResultAnnouncementPage(title=f"{project.title} 结果公告", slug="result", project=project)
    return _add_published(call, page)


def _call_changed(project):
    from cms.models import CallAnnouncementPage

    # A page taken down stays down (its last_published_at moves, nothing else); a missing one is published.
    if not CallAnnouncementPage.objects.filter(project=project).update(last_published_at=timezone.now()):
        ensure_call_page(project)


@receiver(events.call_published, sender=Project, dispatch_uid="cms.call_published")
def on_call_published(sender, project, **kwargs):
    ensure_call_page(project)


@receiver(events.call_changed, sender=Project, dispatch_uid="cms.call_changed")
def on_call_changed(sender, project, **kwargs):
    _call_changed(project)


@receiver(events.bids_opened, sender=Project, dispatch_uid="cms.bids_opened")
def on_bids_opened(sender, project, **kwargs):
    _call_changed(project)  # the call's state changed (closed or failed)
    ensure_opening_page(project)


@receiver(events.award_made, sender=Project, dispatch_uid="cms.award_made")
def on_award_made(sender, project, award, **kwargs):
    _call_changed(project)  # the call's state changed (awarded)
    ensure_result_page(project)


@receiver(events.award_cancelled, sender=Project, dispatch_uid="cms.award_cancelled")
def on_award_cancelled(sender, project, award, **kwargs):
    _call_changed(project)  # cancelled, or back to evaluation
    ensure_result_page(project)  # now shows the cancellation
