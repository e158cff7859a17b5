"""The funds dashboard's figures (issue 16, 6), per fund year: by
department (the contract's purchaser), by community (against its annual
fund, 200,000 CNY unless set otherwise) and by organization.

- **committed**: what the contracts still owe (the committed account's
  balance in the ledger: commitments and adjustments, less payments made
  and releases);
- **disbursed**: what was paid (the disbursed account);
- **budget**: the budgets of the year's purchase projects that hold funds
  (by department), the community's fund (by community), the signed
  contracts' sums (by organization);
- **remaining** = budget − committed − disbursed (by organization: what its
  contracts will not pay).

Committed and disbursed come from the ledger only, so every table adds up
to the same totals (a contract serving several communities is split over
the communities its terms name, evenly to the fen, the lowest id taking the
remainder).  A handful of
queries per table, whatever the number of contracts."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from contracts.contracts.models import Contract
from contracts.milestones import lights
from contracts.payments.models import LedgerEntry, Payment
from contracts.payments.selectors import WAITING
from marketplace.core.money import split_evenly
from marketplace.core.workdays import DayCount, add_days, days_between

ZERO = Decimal("0.00")


@dataclass
class Row:
    key: object
    label: str
    budget: Decimal = ZERO
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO

    @property
    def remaining(self):
        return self.budget - self.committed - self.disbursed

    @property
    def spent_share(self):
        """Committed and disbursed, in percent of the budget (0–100, for the meter)."""
        if self.budget <= 0:
            return 100 if self.committed + self.disbursed > 0 else 0
        return min(100, int((self.committed + self.disbursed) * 100 / self.budget))

    @property
    def over(self):
        return self.remaining < 0


def years():
    """The fund years with projects, newest first (the current year always offered)."""
    from marketplace.procurement.models.projects import Project

    found = set(Project.objects.order_by().values_list("year", flat=True).distinct())
    return sorted(found | {timezone.localdate().year}, reverse=True)


def _contract_figures(year):
    """``{contract_id: (committed, disbursed)}`` from the ledger for the year's contracts."""
    sums = (
        LedgerEntry.objects.filter(contract__project__year=year)
        .values("contract_id")
        .annotate(
            committed_in=Sum("amount", filter=Q(debit=LedgerEntry.Account.COMMITTED)),
            committed_out=Sum("amount", filter=Q(credit=LedgerEntry.Account.COMMITTED)),
            disbursed=Sum("amount", filter=Q(debit=LedgerEntry.Account.DISBURSED)),
        )
        .order_by()
    )
    return {
        row["contract_id"]: (
            (row["committed_in"] or ZERO) - (row["committed_out"] or ZERO),
            row["disbursed"] or ZERO,
        )
        for row in sums
    }


def _add(rows, key, label, committed, disbursed):
    row = rows.setdefault(key, Row(key, label))
    row.committed += committed
    row.disbursed += disbursed
    return row


def total(rows):
    found = Row(None, "")
    for row in rows:
        found.budget += row.budget
        found.committed += row.committed
        found.disbursed += row.disbursed
    return found


def _sorted(rows):
    return sorted(rows.values(), key=lambda r: (-(r.committed + r.disbursed), -r.budget, str(r.label)))


def by_department(year):
    from marketplace.procurement.models.projects import Project

    figures = _contract_figures(year)
    rows = {}
    # grouped by the project's purchaser, as the budgets are (the contract's copy may be edited)
    for pk, purchaser in Contract.objects.filter(pk__in=figures).values_list("pk", "project__purchaser"):
        _add(rows, purchaser, purchaser, *figures[pk])
    budgets = (
        Project.objects.filter(year=year, state__in=Project.ACTIVE_STATES)
        .values("purchaser")
        .annotate(total=Sum("budget"))
        .order_by()
    )
    for row in budgets:
        rows.setdefault(row["purchaser"], Row(row["purchaser"], row["purchaser"])).budget += row["total"]
    return _sorted(rows)


#: contracts that were signed: their sums were committed (one awaiting signatures owes nothing yet)
SIGNED = (Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED)


def by_organization(year):
    """Per organization: its signed contracts' sums; "remaining" is then what
    they will not pay (released at completion, termination or cancellation)."""
    figures = _contract_figures(year)
    rows = {}
    contracts = Contract.objects.filter(project__year=year, state__in=SIGNED)
    for pk, organization_id, name, amount in contracts.values_list(
        "pk", "organization_id", "organization__name", "amount"
    ):
        row = _add(rows, organization_id, name, *figures.get(pk, (ZERO, ZERO)))
        row.budget += amount
    return _sorted(rows)


def by_community(year):
    """Every community, with its fund for the year and its share of the ledger."""
    from marketplace.core.models.places import Community
    from marketplace.needs.selectors import fund_statuses

    figures = _contract_figures(year)
    served = {}
    # the communities the contract serves (its terms may name fewer than the project)
    through = Contract.communities.through
    for contract_id, community_id in through.objects.filter(contract_id__in=list(figures)).values_list(
        "contract_id", "community_id"
    ):
        served.setdefault(contract_id, set()).add(community_id)
    communities = list(Community.objects.order_by("pk").values_list("pk", "name"))
    funds = fund_statuses((pk, year) for pk, _name in communities)
    rows = {pk: Row(pk, name, budget=funds[(pk, year)].amount) for pk, name in communities}
    for contract_id, (committed, disbursed) in figures.items():
        ids = served.get(contract_id, ())
        committed_shares = split_evenly(committed, ids) if committed > 0 else {}
        disbursed_shares = split_evenly(disbursed, ids) if disbursed > 0 else {}
        for community_id in ids:
            row = rows.get(community_id)
            if row is not None:
                row.committed += committed_shares.get(community_id, ZERO)
                row.disbursed += disbursed_shares.get(community_id, ZERO)
    return sorted(rows.values(), key=lambda r: (not r.over, r.remaining, str(r.label)))


def waiting_days():
    return int(getattr(settings, "PAYMENT_WAITING_WORKING_DAYS", 10))


@dataclass(frozen=True)
class Waiting:
    payment: Payment
    waited: int
    due: object
    colour: str

    @property
    def colour_label(self):
        return lights.COLOUR_LABELS[self.colour]

    @property
    def colour_class(self):
        return lights.COLOUR_CLASSES[self.colour]


def waiting_payments(today=None):
    """Payments not paid yet, with the working days they have waited since
    the request and their light: red after ``PAYMENT_WAITING_WORKING_DAYS``,
    yellow in the second half of that time.  Reds first."""
    today = today or timezone.localdate()
    limit = waiting_days()
    found = []
    rows = Payment.objects.filter(state__in=WAITING).select_related(
        "contract", "contract__organization", "contract__organization__payee_account", "milestone"
    )
    for payment in rows.order_by("requested_at", "pk"):
        requested = timezone.localdate(payment.requested_at)
        due = add_days(requested, limit, DayCount.WORKING)
        waited = days_between(requested, today, DayCount.WORKING)
        colour = lights.colour(due, today, within=limit // 2)
        found.append(Waiting(payment, waited, due, colour))
    return sorted(found, key=lambda w: (lights.SEVERITY[w.colour], w.due, w.payment.pk))
