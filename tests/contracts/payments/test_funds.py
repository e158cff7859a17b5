"""The funds dashboard (issue 16, 6): budget, committed, disbursed and
remaining per department, community and organization, every figure from
the ledger (the tables add up to the ledger's own totals, summed both
ways), and the lights of the payments waiting."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from contracts.milestones import lights
from contracts.payments import funds, services
from contracts.payments.models import LedgerEntry, Payment
from marketplace.core.workdays import DayCount, add_days
from tests.contracts.payments.conftest import released
from tests.contracts.payments.test_views import text, zh

pytestmark = pytest.mark.django_db


def ledger_totals(year):
    entries = LedgerEntry.objects.filter(contract__project__year=year)

    def total(condition):
        return entries.filter(condition).aggregate(t=Sum("amount"))["t"] or Decimal("0")

    committed = total(Q(debit="committed")) - total(Q(credit="committed"))
    return committed, total(Q(debit="disbursed"))


@pytest.fixture
def paid(payment, account, finance):
    released(payment, finance)
    services.process(payment.pk)
    return services.record_paid(
        Payment.objects.get(pk=payment.pk), by=finance, reference="BANK-1", paid_on=timezone.localdate()
    )


def test_every_table_adds_up_to_the_ledger(paid, contract):
    year = contract.project.year
    committed, disbursed = ledger_totals(year)
    assert disbursed == paid.amount and committed == contract.amount - paid.amount
    for rows in (funds.by_department(year), funds.by_community(year), funds.by_organization(year)):
        whole = funds.total(rows)
        assert (whole.committed, whole.disbursed) == (committed, disbursed)

    (organization,) = funds.by_organization(year)
    assert organization.label == contract.organization.name and organization.budget == contract.amount
    assert organization.remaining == 0  # everything of its contract is committed or paid

    department = next(r for r in funds.by_department(year) if r.key == contract.purchaser)
    assert department.committed == committed and department.disbursed == disbursed

    served = set(contract.communities.values_list("pk", flat=True))
    rows = {row.key: row for row in funds.by_community(year)}
    assert sum(rows[pk].disbursed for pk in served) == disbursed
    for pk in served:
        assert rows[pk].budget == Decimal("200000.00")  # the default community fund
        assert rows[pk].remaining == rows[pk].budget - rows[pk].committed - rows[pk].disbursed
    assert all(rows[pk].committed == 0 for pk in rows if pk not in served)


def test_a_release_lowers_the_committed_figure_everywhere(payment, finance, contract):
    year = contract.project.year
    services.cancel(payment, by=finance, reason="该期服务未交付")
    committed, _disbursed = ledger_totals(year)
    assert committed == contract.amount - payment.amount
    assert funds.total(funds.by_organization(year)).committed == committed


def test_the_lights_of_payments_waiting(payment, settings, contract):
    settings.PAYMENT_WAITING_WORKING_DAYS = 10
    requested = timezone.localdate(payment.requested_at)
    (green,) = funds.waiting_payments(today=requested)
    assert green.colour == lights.GREEN and green.waited == 0
    assert green.due == add_days(requested, 10, DayCount.WORKING)
    (yellow,) = funds.waiting_payments(today=add_days(requested, 6, DayCount.WORKING))
    assert yellow.colour == lights.YELLOW and yellow.waited == 6
    (red,) = funds.waiting_payments(today=add_days(requested, 11, DayCount.WORKING))
    assert red.colour == lights.RED and red.waited == 11
    # requested long ago: red today
    Payment.objects.filter(pk=payment.pk).update(requested_at=payment.requested_at - datetime.timedelta(days=40))
    (listed,) = funds.waiting_payments()
    assert listed.colour == lights.RED


def test_the_dashboard_page(client, paid, contract, officer, finance, award_over):
    url = reverse("payments:funds")
    client.force_login(award_over.org_admin)
    assert client.get(url).status_code == 403
    for user in (officer, finance):
        client.force_login(user)
        page = text(client.get(url, {"year": contract.project.year}))
        assert zh("By community (against its annual fund)") in page
        assert contract.organization.name in page and contract.purchaser in page
        assert f"¥{paid.amount:,.2f}" in page  # disbursed
    bad = client.get(url, {"year": "1999"})
    assert bad.status_code == 200 and "1999" in text(bad) and "form-errors" in text(bad)
    assert reverse("payments:funds") in text(client.get(reverse("payments:index")))


def test_a_payment_recorded_late_is_announced_late(client, paid, contract, officer):
    """The public page reads payments live: announced when recorded as paid;
    a bank payment recorded 5 working days later is late, on the dashboard
    and on the public page."""
    from contracts.payments import public

    (on_time,) = public.announcements(contract.project.year)
    assert not on_time.late and on_time.announced_at == paid.paid_at
    early = add_days(timezone.localdate(), -5, DayCount.CALENDAR)
    Payment.objects.filter(pk=paid.pk).update(bank_paid_on=early - datetime.timedelta(days=5))
    (late,) = public.announcements(contract.project.year)
    assert late.late and late.announcement_due == add_days(late.paid_on, 2, DayCount.WORKING)
    client.force_login(officer)
    page = text(client.get(reverse("payments:funds"), {"year": contract.project.year}))
    assert zh("Late: due by %(due)s") % {"due": late.announcement_due.isoformat()} in page


def test_the_dashboard_opens_on_the_current_year_and_counts_signed_contracts_only(
    client, paid, contract, officer, award_over
):
    from contracts.contracts.models import Contract

    client.force_login(officer)
    page = text(client.get(reverse("payments:funds")))
    assert f'<option value="{timezone.localdate().year}" selected>' in page
    from django.utils import translation

    with translation.override("zh-hans"):
        total = translation.pgettext("sum", "Total")
    assert total == "合计" and total in page
    Contract.objects.filter(pk=contract.pk).update(state=Contract.State.AWAITING_SIGNATURES)
    assert funds.by_organization(contract.project.year) == []


def test_a_payment_waiting_for_a_second_approval_says_so_in_the_lists(
    client, payment, account, contract, award_over, finance
):
    from tests.contracts.payments.conftest import ACCOUNT

    services.approve(payment, by=finance)
    services.save_payee_account(
        contract.organization, by=award_over.org_admin, **{**ACCOUNT, "account_number": "6222020200111110000"}
    )
    client.force_login(finance)
    badge = zh("Account changed: approve again")
    assert badge in text(client.get(reverse("payments:index")))
    assert badge in text(client.get(reverse("payments:funds")))


def test_a_contract_is_charged_to_the_communities_its_terms_name(paid, contract):
    """The project may serve more communities than the contract does: the
    ledger's figures go to the contract's communities only."""
    from marketplace.core.models.places import Community

    year = contract.project.year
    served = set(contract.communities.values_list("pk", flat=True))
    first = Community.objects.get(pk=min(served))
    other = Community.objects.create(district=first.district, street=first.street, code="X-EXTRA-1", name="外加社区")
    contract.project.communities.add(other)
    rows = {row.key: row for row in funds.by_community(year)}
    assert sum(rows[pk].committed + rows[pk].disbursed for pk in served) == contract.amount
    assert rows[other.pk].committed == rows[other.pk].disbursed == 0
