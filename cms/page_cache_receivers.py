"""What makes the public page cache stale (``marketplace.core.page_cache``,
issue 18).

Coarse on purpose: one global generation, replaced after the commit of
  - every save, delete or many-to-many change of a model the public pages
    read: every model of ``marketplace``, ``contracts`` and ``cms`` and of
    Wagtail's pages, documents, images, redirects and tags, except those no
    public page shows (``PRIVATE_MODELS``: sealed bids and their files, score
    sheets, residents' reports, audit rows, messages, users, Wagtail's logs,
    revisions and workflow states), so a bid rush or a sign-in does not
    empty the cache;
  - every domain event (``marketplace.core.events``, the contracts' events),
    which also covers the services' bulk ``update()`` calls that send no
    ``post_save``;
  - Wagtail's page publish and unpublish.
A page is re-rendered once per committed change, whatever it touched; finer
keys would save renders only when changes are frequent, which they are not
on public data.

It also tells the cache when pages change with the clock alone: the nearest
deadline of a published call and the nearest end of a challenge period."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from contracts.contracts import events as contract_events
from contracts.milestones import events as milestone_events
from contracts.payments import events as payment_events
from marketplace.core import events, page_cache
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.procurement import public as procurement_public

PUBLIC_APPS = {
    "marketplace",
    "contracts",
    "cms",
    "wagtailcore",
    "wagtaildocs",
    "wagtailimages",
    "wagtailredirects",
    "taggit",
}
PRIVATE_MODELS = {
    "marketplace.auditevent",
    "marketplace.auditchainhead",
    "marketplace.notice",
    "marketplace.outgoingmessage",
    "marketplace.heldmessage",
    "marketplace.notificationpreference",
    "marketplace.user",
    "marketplace.bid",
    "marketplace.biddocument",
    "marketplace.bidversion",
    "marketplace.scoresheet",
    "marketplace.score",
    "marketplace.residentreport",
    "marketplace.invitation",
    "contracts.gatewayevent",
    "wagtailcore.modellogentry",
    "wagtailcore.pagelogentry",
    "wagtailcore.revision",
    "wagtailcore.referenceindex",
    "wagtailcore.taskstate",
    "wagtailcore.workflowstate",
    "wagtailcore.pagesubscription",
    "wagtailcore.comment",
    "wagtailcore.commentreply",
    "wagtailcore.uploadedfile",
    "wagtailcore.apitoken",
    "wagtailimages.rendition",
}


def shows_publicly(model):
    meta = model._meta
    if meta.app_label not in PUBLIC_APPS:
        return False
    label = meta.label_lower
    # The audit helpers' tables (chain lanes, seals…) are private whatever their name.
    return label not in PRIVATE_MODELS and not label.startswith("marketplace.audit")


def _changed(sender, using=None, **kwargs):
    if shows_publicly(sender):
        page_cache.invalidate_on_commit(using)


def _m2m_changed(sender, instance, action, using=None, **kwargs):
    if action.startswith("post_") and shows_publicly(type(instance)):
        page_cache.invalidate_on_commit(using)


def _event(sender, **kwargs):
    page_cache.invalidate_on_commit()


def _page_event(sender, **kwargs):
    page_cache.invalidate_on_commit()


DOMAIN_EVENTS = [
    getattr(module, name)
    for module in (events, contract_events, milestone_events, payment_events)
    for name in dir(module)
    if type(getattr(module, name)).__name__ == "Signal"
]

post_save.connect(_changed, dispatch_uid="page_cache_post_save")
post_delete.connect(_changed, dispatch_uid="page_cache_post_delete")
m2m_changed.connect(_m2m_changed, dispatch_uid="page_cache_m2m")
page_published.connect(_page_event, dispatch_uid="page_cache_page_published")
page_unpublished.connect(_page_event, dispatch_uid="page_cache_page_unpublished")
for _signal in DOMAIN_EVENTS:
    _signal.connect(_event, dispatch_uid=f"page_cache_event_{id(_signal)}")

page_cache.register_moment_source(procurement_public.next_deadline_after)
page_cache.register_moment_source(evaluation_selectors.next_challenge_deadline_after)
