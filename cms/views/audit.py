"""The public audit head (issue 17, 8): ``/audit/`` lists the signed daily
heads of the audit log, newest first, and says how anyone holding an
exported copy of the log checks it against them; ``/audit/<day>.json`` is
the day's head document, byte for byte the file ``publish_audit_head``
writes; ``/audit/feed/`` is an Atom feed of the heads.

Read through ``marketplace.core.audit_public`` only.  A head carries no
personal data: a day, a count, an event id, hashes, a key id."""

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from marketplace.core import audit_public
from marketplace.core.filters import paginate

#: how many heads the feed carries (a month and more)
FEED_ITEMS = 60


def index(request):
    heads_page = paginate(request, audit_public.published_heads())
    latest = heads_page.object_list[0] if heads_page.number == 1 and heads_page.object_list else None
    return render(
        request,
        "cms/audit/index.html",
        {
            "heads_page": heads_page,
            "heads": heads_page.object_list,
            "latest": latest,
            "head_count": heads_page.paginator.count,
            "feed_url": reverse("audit_heads_feed"),
        },
    )


def head_document(request, day):
    publication = audit_public.published_head(day)
    if publication is None:
        raise Http404
    name, text = audit_public.head_document(publication)
    response = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class HeadFeed(Feed):
    """The published heads as Atom entries, newest first: one per day, its
    link the day's JSON document."""

    feed_type = Atom1Feed

    def title(self):
        return _("Audit log: published daily heads")

    def subtitle(self):
        return _(
            "Each day the platform publishes the head of its audit log: the number of events, the newest "
            "event and its hash, signed. Keep the entries: a head that later changes means history was rewritten."
        )

    def link(self):
        return reverse("audit_heads")

    def items(self):
        return audit_public.published_heads()[:FEED_ITEMS]

    def item_title(self, item):
        return _("Audit head of %(day)s: %(count)s events") % {"day": item.day.isoformat(), "count": item.event_count}

    def item_description(self, item):
        return _(
            "Events: %(count)s; newest event: %(last)s; head hash: %(hash)s; key id: %(key)s; signature: %(sig)s"
        ) % {
            "count": item.event_count,
            "last": item.last_event_id if item.last_event_id is not None else "-",
            "hash": item.last_hash,
            "key": item.key_id,
            "sig": item.signature,
        }

    def item_link(self, item):
        return reverse("audit_head_document", args=[item.day.isoformat()])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at
