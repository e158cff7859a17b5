"""What the contract domain adds to marketplace's pages (through
``marketplace.core.extensions``; marketplace never imports contracts):
the officer's to-do section "Contracts to draft or sign", with the legal
clock (sign within 30 days of the award notice)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.contracts import selectors
from contracts.contracts.services.base import signing_deadline_of
from marketplace.core import extensions
from marketplace.core.permissions import is_officer

SHOWN = 10


def _clock(awarded_at, now):
    """The signing deadline's last minute (23:59 of the day the lights show too) and the calendar days left."""
    day = signing_deadline_of(awarded_at)
    deadline = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))
    days = (day - timezone.localdate(now)).days
    if days >= 0:
        text = ngettext("%(count)s day left to sign", "%(count)s days left to sign", days) % {"count": days}
    else:
        text = ngettext("Signing overdue by %(count)s day", "Signing overdue by %(count)s days", -days) % {
            "count": -days
        }
    return deadline, days, text


def contracts_todo(user, now):
    """Awards ready for a contract, then contracts in draft or awaiting signatures."""
    from marketplace.workspace.selectors import Item, Section  # the page's types; imported when it asks

    if not is_officer(user):
        return Section("contracts", _("Contracts to draft or sign"), rank=3, count=0)
    awards = list(selectors.awards_to_draft(now)[: SHOWN + 1])
    contracts = list(selectors.contracts_to_sign()[: SHOWN + 1])
    items = []
    for award in awards:
        deadline, days, text = _clock(award.awarded_at, now)
        items.append(
            Item(
                title=f"{award.project.ref} {award.project.title}",
                url=reverse("contracts:draft", args=[award.project.ref]),
                detail=_("Draft the contract · %(clock)s") % {"clock": text},
                due=deadline,
                days_left=days,
                overdue=days < 0,
            )
        )
    for contract in contracts:
        deadline, days, text = _clock(contract.award.awarded_at, now)
        items.append(
            Item(
                title=f"{contract.number} {contract.project.title}",
                url=reverse("contracts:detail", args=[contract.number]),
                detail=f"{contract.organization.name} · {contract.get_state_display()} · {text}",
                due=deadline,
                days_left=days,
                overdue=days < 0,
            )
        )
    items.sort(key=lambda item: item.due)
    count = len(items)
    if len(awards) > SHOWN or len(contracts) > SHOWN:
        count = selectors.awards_to_draft(now).count() + selectors.contracts_to_sign().count()
    return Section(
        "contracts",
        _("Contracts to draft or sign"),
        rank=3,
        count=count,
        items=items[:SHOWN],
        url=reverse("contracts:index"),
        empty=_("No contract waits to be drafted or signed."),
    )


def organization_panel(user, organization):
    """On the organization's workspace: its contracts, those awaiting its
    signature or confirmation first, with the way to its contract pages."""
    from marketplace.organizations.permissions import is_member

    if not is_member(user, organization):
        return None
    contracts = list(selectors.organization_contracts(organization)[:SHOWN])
    if not contracts:
        return None
    from contracts.contracts import permissions

    waiting = [c for c in contracts if c.state == "awaiting_signatures" and permissions.can_sign(user, c)]
    return extensions.Panel(
        "contracts/contracts/_organization_panel.html",
        {
            "organization": organization,
            "contracts": contracts,
            "waiting": waiting,
            "index_url": reverse("orgcontracts:index", args=[organization.pk]),
        },
        rank=10,
    )


def organization_todos(user, organization):
    """Under the organization's card on "My organizations": each contract or
    amendment that waits for this user's signature (the same rule as the
    signing form: ``permissions.can_sign`` / ``can_confirm_amendment``)."""
    from contracts.contracts import permissions

    found = []
    for contract in selectors.organization_contracts(organization).filter(state__in=("awaiting_signatures", "active")):
        url = reverse("orgcontracts:detail", args=[organization.pk, contract.number])
        if contract.state == "awaiting_signatures" and permissions.can_sign(user, contract):
            found.append(
                extensions.Todo(
                    _("Contract %(number)s (%(title)s) awaits your signature")
                    % {"number": contract.number, "title": contract.project.title},
                    url + "#signing",
                )
            )
        for amendment in contract.amendments.filter(state="awaiting_confirmation"):
            amendment.contract = contract
            if permissions.can_confirm_amendment(user, amendment):
                found.append(
                    extensions.Todo(
                        _("Amendment %(amendment)s of contract %(number)s awaits your confirmation")
                        % {"amendment": amendment.number, "number": contract.number},
                        url + "#amendments",
                    )
                )
    return found


extensions.register("officer_todo", contracts_todo)
extensions.register("organization_card", organization_todos)
extensions.register("organization_workspace", organization_panel)
