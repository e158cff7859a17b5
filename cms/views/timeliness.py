"""The officers' timeliness dashboard (/work/disclosure/): announcements
owed and not yet public (nearest deadline first, overdue ones marked) and
those published after their deadline, per year.  The goal is none late."""

import datetime

from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from cms import announcements
from cms.models import Announcement, AnnouncementKind, SectionPage
from marketplace.core import extensions
from marketplace.core.decorators import officer_required


def _year(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@never_cache
@officer_required
def dashboard(request):
    now = timezone.now()
    year = _year(request)
    soon = now + datetime.timedelta(hours=announcements.SOON_HOURS)
    pending = [
        {
            "item": item,
            "kind": AnnouncementKind(item["kind"]).label,
            "due_at": due,
            "overdue": due < now,
            "soon": due < soon,
        }
        for item, due in announcements.pending()
    ]
    published = Announcement.objects.filter(published_at__year=year)
    late = [row for row in published.order_by("-published_at") if row.late]
    by_kind = []
    for kind, label in AnnouncementKind.choices:
        rows = [row for row in published if row.kind == kind]
        by_kind.append({"label": label, "total": len(rows), "late": sum(1 for row in rows if row.late)})
    disclosure = SectionPage.objects.filter(section="disclosure").first()
    return render(
        request,
        "cms/disclosure/timeliness.html",
        {
            "year": year,
            "pending": pending,
            "late": late,
            "by_kind": by_kind,
            "total": sum(row["total"] for row in by_kind),
            "late_total": len(late),
            "disclosure_url": disclosure.url if disclosure is not None else "/disclosure/",
        },
    )


def officer_todo_section(user, now):
    """The officer's to-do page (/work/, slot ``officer_todo``): this year's
    late announcements, and the way to the dashboard."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from marketplace.workspace.selectors import Item, Section

    late = list(
        Announcement.objects.filter(
            published_at__year=timezone.localdate(now).year, published_at__gt=F("due_at")
        ).order_by("-published_at")
    )
    disclosure = SectionPage.objects.filter(section="disclosure").first()
    base = disclosure.url if disclosure is not None else "/disclosure/"
    return Section(
        "announcements_late",
        _("Announcements published late this year"),
        rank=9,
        count=len(late),
        items=[Item(title=f"{row.get_kind_display()} · {row.title}", url=f"{base}a/{row.pk}/") for row in late[:5]]
        # none late: the way to the dashboard (what is owed) all the same
        or [
            Item(
                title=_("Announcement timeliness"),
                url=reverse("announcement_timeliness"),
                detail=_("No announcement was late this year. The timeliness dashboard lists what is owed."),
            )
        ],
        url=reverse("announcement_timeliness"),
    )


extensions.register("officer_todo", officer_todo_section)
