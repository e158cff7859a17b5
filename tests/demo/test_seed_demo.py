import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from demo import seed as demo
from marketplace.models import Community, District, User


def _row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


@pytest.mark.django_db
def test_seed_demo_twice_leaves_the_same_row_counts(settings, seeded_demo):
    settings.DEBUG = True
    after_first = _row_counts()
    call_command("seed_demo")
    assert _row_counts() == after_first
    assert District.objects.count() == 1
    assert Community.objects.count() == len(demo.COMMUNITIES)


@pytest.mark.django_db
def test_seed_demo_creates_a_usable_account_per_role(client, settings, seeded_demo):
    settings.DEBUG = True
    roles_covered = set()
    for username, _name, roles, _community, _su in demo.ACCOUNTS:
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == set(roles)
        roles_covered |= set(roles)
        assert client.login(username=username, password=demo.DEMO_PASSWORD)
        client.logout()
    assert roles_covered == {
        "organization_member",
        "community_worker",
        "procurement_officer",
        "evaluator",
        "finance_officer",
        "editor",
        "platform_admin",
    }
    assert User.objects.get(username="worker").community.name == "和平社区"


@pytest.mark.django_db
def test_seed_demo_refuses_production_without_the_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", allow_production=True)
    assert User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_demo_edits_survive_a_second_run(settings, seeded_demo):
    settings.DEBUG = True
    officer = User.objects.get(username="officer")
    officer.set_password("changed-by-the-user-2026")
    officer.save()
    call_command("seed_demo")
    officer.refresh_from_db()
    assert officer.check_password("changed-by-the-user-2026")


@pytest.mark.django_db
def test_the_demo_has_payments_in_every_state_the_finance_officer_acts_on(seeded_demo):
    """Issue 16, 8: `finance` finds one to approve, one to release, one to
    record as paid, one the bank returned, and paid ones on public pages."""
    from contracts.payments.models import LedgerEntry, Payment

    states = set(Payment.objects.values_list("state", flat=True))
    assert {"requested", "approved", "processing", "failed", "paid"} <= states
    returned = Payment.objects.get(state="failed")
    assert "收款户名与开户名称不符" in returned.failure_message
    paid = Payment.objects.filter(state="paid")
    assert LedgerEntry.objects.filter(kind="disbursement").count() == paid.count()
