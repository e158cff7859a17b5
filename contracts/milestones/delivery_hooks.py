"""Delivery's lights on marketplace's workspaces (``marketplace.core.extensions``),
connected when the app is ready (``contracts.apps.ContractsConfig``):

- ``officer_todo``: a section of the officer's to-do page (/work/) with every
  running deadline, reds first;
- ``organization_workspace``: a panel on the organization's workspace with its
  deadlines, reds first;
- ``community_workspace``: a panel on the community worker's page with the
  contracts serving the community.

- ``organization_card``: under the organization's card on "My
  organizations", each report or rectification due soon or overdue.

The worker finds the reminder task through ``contracts/tasks.py``."""

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.milestones import lights
from contracts.milestones.selectors import delivery as selectors
from marketplace.core import extensions
from marketplace.core.extensions import Panel
from marketplace.organizations.permissions import can_act_for
from marketplace.workspace.selectors import SHOWN, Item, Section

#: panels shown above the rest of the workspace
PANEL_RANK = 10


def _end_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


def _contract_url(contract):
    """The contract's page on the officers' workbench (another domain's), if it exists."""
    try:
        return reverse("contracts:detail", args=[contract.number])
    except NoReverseMatch:
        return None


def _title(row):
    if row.milestone is None:
        return f"{row.contract.number} · {row.contract.organization.name}"
    return f"{row.contract.number} · {row.milestone.number}. {row.milestone.title} · {row.contract.organization.name}"


def officer_section(user, now):
    today = timezone.localdate(now)
    # What needs attention: the red and yellow lights (the full list, greens too, is one click away).
    rows = [row for row in selectors.light_rows(today) if row.light.colour != lights.GREEN]
    items = []
    for row in rows[:SHOWN]:
        light = row.light
        if row.milestone is not None:
            url = reverse("delivery:milestone", args=[row.milestone.pk])
        else:
            url = _contract_url(row.contract) or reverse("delivery:index") + "#signing"
        items.append(
            Item(
                title=_title(row),
                url=url,
                detail=f"{light.colour_label} · {light.kind_label} · {light.days_text}",
                due=_end_of(light.deadline),
                days_left=light.days_left,
                overdue=light.colour == lights.RED,
            )
        )
    return Section(
        "delivery_lights",
        _("Contract deadlines (traffic lights)"),
        # Every item has a deadline, so the section sorts by its nearest one; empty, after marketplace's own.
        rank=20,
        count=len(rows),
        items=items,
        url=reverse("delivery:index"),
        empty=_("No contract deadline is due soon or overdue."),
    )


def organization_panel(user, organization):
    if not can_act_for(user, organization):
        return None
    rows = selectors.light_rows(timezone.localdate(), organization=organization)
    if not rows and not selectors.organization_milestones(organization).exists():
        return None
    return Panel(
        "contracts/milestones/delivery/panel_organization.html",
        {"organization": organization, "rows": rows[:SHOWN], "count": len(rows)},
        rank=PANEL_RANK,
    )


def organization_todos(user, organization):
    """The reports (and rectified reports) the organization owes, yellow or red."""
    if not can_act_for(user, organization):
        return []
    found = []
    for row in selectors.light_rows(timezone.localdate(), organization=organization):
        light = row.light
        if row.milestone is None or light.kind not in (lights.REPORT, lights.RECTIFICATION):
            continue
        if light.colour not in (lights.RED, lights.YELLOW):
            continue
        values = {
            "contract": row.contract.number,
            "number": row.milestone.number,
            "title": row.milestone.title,
            "due": light.deadline.isoformat(),
        }
        if light.colour == lights.RED:
            text = _("Contract %(contract)s, milestone %(number)s “%(title)s”: the report was due on %(due)s") % values
        else:
            text = _("Contract %(contract)s, milestone %(number)s “%(title)s”: report due on %(due)s") % values
        found.append(extensions.Todo(text, reverse("delivery_org:report", args=[organization.pk, row.milestone.pk])))
    return found[:SHOWN]


def community_panel(user):
    community = getattr(user, "community", None)
    if community is None:
        return None
    rows = selectors.light_rows(timezone.localdate(), community=community)
    return Panel(
        "contracts/milestones/supervision/panel_community.html",
        {"rows": rows[:SHOWN], "count": len(rows)},
        rank=PANEL_RANK,
    )


extensions.register("officer_todo", officer_section)
extensions.register("organization_workspace", organization_panel)
extensions.register("community_workspace", community_panel)
extensions.register("organization_card", organization_todos)
