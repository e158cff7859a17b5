"""What milestone evaluation adds to marketplace's pages and rules
(``marketplace.core.extensions``; imported by ``ContractsConfig.ready``):

- the officer's to-do page: "Milestones to evaluate or accept" and "Survey
  comments to moderate" (slot ``officer_todo``);
- the evaluator's workspace: the milestones assigned to them
  (``evaluator_workspace``);
- the community worker's page: the surveys of their community's contracts
  (``community_workspace``);
- the entry standards' minimum-grade rule: the grades of the organization's
  completed contracts (``register_grade_source``)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.contracts.models import Contract
from contracts.milestones.permissions.evaluation import is_evaluator
from contracts.milestones.selectors import evaluation as selectors
from marketplace.core import extensions
from marketplace.core.extensions import Panel
from marketplace.needs.permissions import is_worker
from marketplace.organizations.services.entry_standards import register_grade_source
from marketplace.workspace.selectors import SHOWN, Item, Section

PANEL_RANK = 20


def _rows(queryset):
    rows = list(queryset[: SHOWN + 1])
    if len(rows) <= SHOWN:
        return rows, len(rows)
    return rows[:SHOWN], queryset.count()


def _end_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


def milestones_section(user, now):
    rows, count = _rows(selectors.to_evaluate_or_accept())
    items = []
    for milestone in rows:
        if milestone.state == "submitted":
            detail = _("Report submitted: assign an evaluator")
        elif not milestone.has_live:
            detail = _("The evaluator withdrew: assign another")
        else:
            detail = _("Expert sheet locked: decide once enough residents answered")
        items.append(
            Item(
                title=f"{milestone.contract.number} · {milestone.number}. {milestone.title} · "
                f"{milestone.contract.organization.name}",
                url=reverse("acceptance:milestone", args=[milestone.pk]),
                detail=str(detail),
                due=_end_of(milestone.evaluation_due) if milestone.evaluation_due else None,
                overdue=bool(milestone.evaluation_due and milestone.evaluation_due < timezone.localdate(now)),
            )
        )
    return Section(
        "milestones_to_accept",
        _("Milestones to evaluate or accept"),
        rank=2,
        count=count,
        items=items,
        url=reverse("acceptance:index"),
        empty=_("No milestone waits for an evaluator or a decision."),
    )


def comments_section(user, now):
    rows, count = _rows(selectors.comments_to_moderate())
    items = [
        Item(
            title=f"{response.milestone.contract.number} · {response.milestone.contract.organization.name}",
            url=reverse("acceptance:comments") + f"#comment-{response.pk}",
            detail=response.comment[:120],
        )
        for response in rows
    ]
    return Section(
        "survey_comments",
        _("Survey comments to moderate"),
        rank=10,
        count=count,
        items=items,
        url=reverse("acceptance:comments"),
        empty=_("No comment waits for moderation."),
    )


def evaluator_panel(user):
    if not is_evaluator(user):
        return None
    rows = list(selectors.evaluations_of(user)[:50])
    if not rows:
        return None
    return Panel("contracts/milestones/evaluation/_evaluator_panel.html", {"rows": rows}, rank=PANEL_RANK)


def community_panel(user):
    if not is_worker(user):
        return None
    rows = list(selectors.survey_milestones_for(user))
    if not rows:
        return None
    collecting = sum(1 for row in rows if row.links)
    return Panel(
        "contracts/milestones/survey/_worker_panel.html",
        {"collecting": collecting, "without_links": len(rows) - collecting},
        rank=PANEL_RANK,
    )


def contract_grades(organization):
    """(completion date, grade letter) of each completed contract."""
    return [
        (completed_at, grade)
        for completed_at, grade in Contract.objects.filter(
            organization=organization, state=Contract.State.COMPLETED, completed_at__isnull=False
        )
        .exclude(grade="")
        .values_list("completed_at", "grade")
    ]


extensions.register("officer_todo", milestones_section)
extensions.register("officer_todo", comments_section)
extensions.register("evaluator_workspace", evaluator_panel)
extensions.register("community_workspace", community_panel)
register_grade_source(contract_grades)
