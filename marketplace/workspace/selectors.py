"""The officer's to-do page (/work/): what waits for a procurement officer,
gathered from every domain on one page.

The page is a list of **sections**.  Each section is made by one small
function below from one read question of its domain (``<domain>/selectors``:
``organizations.selectors.review.awaiting_review``,
``procurement.selectors.work.awaiting_approval``, ``needs.selectors.awaiting_officer``,
``evaluation.selectors.open_challenges`` …), which keeps the domains free of
the page and the page free of their rules (the four-eyes rule, for one, stays
in ``procurement/permissions.py``).  A later app (contracts, milestones,
payments), which this one may not import, adds its sections through
``marketplace.core.extensions`` (slot ``officer_todo``).

Every section runs a fixed number of queries whatever its rows (its rows are
cut at ``SHOWN`` and counted apart), so the page's queries do not grow with
the work waiting.  The most urgent section comes first: the sections with a
deadline by their nearest deadline, then the others by their fixed rank;
empty sections last."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.core import extensions
from marketplace.evaluation import selectors as evaluation
from marketplace.evaluation.services.awards import working_time_left
from marketplace.needs import selectors as needs
from marketplace.needs.models import Need
from marketplace.organizations.selectors import review as organizations
from marketplace.procurement.selectors import work as procurement

#: rows shown per section (the count says how many there are)
SHOWN = 10
#: a call "closes soon" when its deadline is this many days away or fewer
CLOSING_DAYS = getattr(settings, "WORKSPACE_CLOSING_DAYS", 7)


@dataclass
class Item:
    """One thing to do: what, where the officer acts, and when it is due."""

    title: str
    url: str
    detail: str = ""
    due: datetime.datetime | None = None  # a deadline, shown exactly
    since: datetime.datetime | None = None  # waiting since
    days_left: int | None = None  # working days, for statutory periods
    overdue: bool = False


@dataclass
class Section:
    key: str
    title: str
    rank: int  # among sections without a deadline: the lower, the more urgent
    count: int
    items: list = field(default_factory=list)
    url: str = ""  # the full list, when there is one
    empty: str = ""

    @property
    def more(self):
        return max(self.count - len(self.items), 0)

    @property
    def nearest_due(self):
        dues = [item.due for item in self.items if item.due is not None]
        return min(dues) if dues else None

    def sort_key(self):
        nearest = self.nearest_due
        return (
            self.count == 0,
            nearest is None,
            nearest.timestamp() if nearest else 0,
            self.rank,
        )


def _rows(queryset):
    """(the first ``SHOWN`` rows, their count): two queries, or one for a short list."""
    rows = list(queryset[: SHOWN + 1])
    if len(rows) <= SHOWN:
        return rows, len(rows)
    return rows[:SHOWN], queryset.count()


def _working_days(deadline, now):
    days = working_time_left(deadline, now)
    if days > 0:
        text = ngettext("%(count)s working day left", "%(count)s working days left", days) % {"count": days}
    elif days == 0:
        text = str(_("Due today (its last working day)"))
    else:
        text = ngettext("Overdue by %(count)s working day", "Overdue by %(count)s working days", -days) % {
            "count": -days
        }
    return days, text


# --- the sections, one function each -------------------------------------------------------------


def open_challenges(user, now):
    rows, count = _rows(evaluation.open_challenges())
    items = []
    for challenge in rows:
        days, text = _working_days(challenge.answer_due, now)
        items.append(
            Item(
                title=f"{challenge.project.ref} {challenge.project.title}",
                url=reverse("projects:challenge", args=[challenge.project.ref, challenge.pk]),
                detail=f"{challenge.organization} · {challenge.get_state_display()} · {text}",
                due=challenge.answer_due,
                days_left=days,
                overdue=days < 0,
            )
        )
    return Section(
        "challenges",
        _("Open challenges"),
        rank=0,
        count=count,
        items=items,
        url=reverse("projects:challenges"),
        empty=_("No challenge is open."),
    )


def calls_closing_soon(user, now):
    rows, count = _rows(procurement.closing_soon(CLOSING_DAYS, now))
    items = [
        Item(
            title=f"{project.ref} {project.title}",
            url=reverse("projects:detail", args=[project.ref]),
            due=project.deadline,
        )
        for project in rows
    ]
    return Section(
        "closing",
        ngettext("Calls closing within %(count)s day", "Calls closing within %(count)s days", CLOSING_DAYS)
        % {"count": CLOSING_DAYS},
        rank=1,
        count=count,
        items=items,
        url=reverse("projects:index") + "?state=published",
        empty=_("No call closes soon."),
    )


def ready_to_award(user, now):
    rows, count = _rows(evaluation.ready_to_award())
    items = [
        Item(
            title=f"{report.project.ref} {report.project.title}",
            url=reverse("projects:evaluation", args=[report.project.ref]),
            detail=_("Report %(number)s confirmed by every member") % {"number": report.number},
            since=report.confirmed_at,
        )
        for report in rows
    ]
    return Section(
        "award", _("Ready to award"), rank=2, count=count, items=items, empty=_("No project is ready to award.")
    )


def committees_to_form(user, now):
    rows, count = _rows(evaluation.committees_to_form())
    items = [
        Item(
            title=f"{project.ref} {project.title}",
            url=reverse("projects:committee", args=[project.ref]),
            detail=_("Bids opened"),
            since=project.opened_at,
        )
        for project in rows
    ]
    return Section(
        "committees",
        _("Committees to form"),
        rank=3,
        count=count,
        items=items,
        empty=_("Every project with opened bids has its committee."),
    )


def awaiting_approval(user, now):
    projects = procurement.awaiting_approval(user)
    items = [
        Item(
            title=f"{project.ref} {project.title}",
            url=reverse("projects:detail", args=[project.ref]),
            detail=_("Bid deadline %(deadline)s")
            % {"deadline": timezone.localtime(project.deadline).strftime("%Y-%m-%d %H:%M")},
            since=project.updated_at,
        )
        for project in projects[:SHOWN]
    ]
    return Section(
        "approvals",
        _("Projects awaiting your approval"),
        rank=4,
        count=len(projects),
        items=items,
        url=reverse("projects:index") + "?state=pending_approval",
        empty=_("No project waits for your approval."),
    )


def unanswered_questions(user, now):
    rows, count = _rows(procurement.unanswered_questions())
    items = [
        Item(
            title=f"{question.project.ref} {question.project.title}",
            url=reverse("projects:detail", args=[question.project.ref]) + f"#question-{question.pk}",
            detail=question.question[:120],
            since=question.asked_at,
        )
        for question in rows
    ]
    return Section(
        "questions", _("Questions to answer"), rank=5, count=count, items=items, empty=_("No question waits.")
    )


def reports_awaiting_confirmation(user, now):
    rows, count = _rows(evaluation.reports_awaiting_confirmation())
    items = [
        Item(
            title=f"{report.project.ref} {report.project.title}",
            url=reverse("projects:evaluation", args=[report.project.ref]),
            detail=_("Report %(number)s awaits the members' confirmation") % {"number": report.number},
            since=report.generated_at,
        )
        for report in rows
    ]
    return Section(
        "reports",
        _("Evaluation reports awaiting confirmation"),
        rank=6,
        count=count,
        items=items,
        empty=_("No report awaits confirmation."),
    )


def organizations_to_review(user, now):
    rows, count = _rows(organizations.awaiting_review())
    items = [
        Item(
            title=organization.name,
            url=reverse("orgreview:detail", args=[organization.pk]),
            detail=str(organization.community or ""),
            since=organization.submitted_at,
        )
        for organization in rows
    ]
    return Section(
        "organizations",
        _("Organizations to review"),
        rank=7,
        count=count,
        items=items,
        url=reverse("orgreview:queue"),
        empty=_("No organization is waiting for review."),
    )


def needs_to_handle(user, now):
    rows, count = _rows(needs.awaiting_officer())
    items = [
        Item(
            title=need.title,
            url=reverse("work:assess" if need.state == Need.State.SUBMITTED else "work:decide", args=[need.pk]),
            detail=f"{need.community} · {need.get_state_display()}",
            since=need.created_at,
        )
        for need in rows
    ]
    return Section(
        "needs",
        _("Needs to assess or decide"),
        rank=8,
        count=count,
        items=items,
        url=reverse("work:assessment"),
        empty=_("No need waits for an assessment or a decision."),
    )


def method_changes(user, now):
    rows, count = _rows(procurement.method_changes_to_decide(user))
    items = [
        Item(title=str(change.method), url=reverse("method_changes:index"), since=change.proposed_at) for change in rows
    ]
    return Section(
        "method_changes",
        _("Purchase-method changes to decide"),
        rank=9,
        count=count,
        items=items,
        url=reverse("method_changes:index"),
        empty=_("No purchase-method change waits for a decision."),
    )


#: every section of the page; a new domain adds its function here
SECTIONS = (
    open_challenges,
    calls_closing_soon,
    ready_to_award,
    committees_to_form,
    awaiting_approval,
    unanswered_questions,
    reports_awaiting_confirmation,
    organizations_to_review,
    needs_to_handle,
    method_changes,
)


def todo(user, now=None):
    """The officer's sections, the most urgent first."""
    now = now or timezone.now()
    sections = [make(user, now) for make in (*SECTIONS, *extensions.functions("officer_todo"))]
    return sorted(sections, key=Section.sort_key)
