"""The lights' reminders: one message when a light turns yellow, one when it
turns red, whatever the number of runs; two runs at once send once
(PostgreSQL)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.db.models import Q

from contracts.contracts.models import Milestone
from contracts.milestones import tasks
from marketplace.models import Notice, OutgoingMessage

pytestmark = pytest.mark.django_db

D = datetime.date


def keys(user):
    """The user's reminders (links to the milestone pages: not the award's earlier messages)."""
    reminders = Notice.objects.filter(user=user).filter(
        Q(link__contains="/milestones/") | Q(link__startswith="/work/delivery/")
    )
    return list(reminders.order_by("pk").values_list("subject", flat=True))


@pytest.fixture
def due(contract):
    """Milestone 1 due on Friday 9 October 2026 (after National Day); milestone 2 much later."""
    Milestone.objects.filter(contract=contract, number=1).update(due_on=D(2026, 10, 9))
    Milestone.objects.filter(contract=contract, number=2).update(due_on=D(2027, 6, 30))
    return Milestone.objects.get(contract=contract, number=1)


def test_running_twice_sends_once(due, member, officer):
    assert tasks.send_light_reminders(today=D(2026, 9, 29)) == {"yellow": 1, "red": 0}
    assert tasks.send_light_reminders(today=D(2026, 9, 29)) == {"yellow": 0, "red": 0}
    assert tasks.send_light_reminders(today=D(2026, 9, 30)) == {"yellow": 0, "red": 0}
    assert len(keys(member)) == 1 and len(keys(officer)) == 1
    due.refresh_from_db()
    assert due.light_notified == "d:yellow"
    assert OutgoingMessage.objects.filter(address=member.email, subject__in=keys(member)).count() == 1  # and by e-mail


def test_green_then_yellow_then_red_sends_two(due, member, officer):
    sent = [
        tasks.send_light_reminders(today=day)
        for day in (D(2026, 9, 20), D(2026, 9, 28), D(2026, 9, 29), D(2026, 10, 5), D(2026, 10, 10), D(2026, 10, 12))
    ]
    assert sent == [
        {"yellow": 0, "red": 0},  # green
        {"yellow": 0, "red": 0},  # still green (four working days left across the holiday)
        {"yellow": 1, "red": 0},
        {"yellow": 0, "red": 0},
        {"yellow": 0, "red": 1},
        {"yellow": 0, "red": 0},
    ]
    assert len(keys(member)) == 2 and len(keys(officer)) == 2
    due.refresh_from_db()
    assert due.light_notified == "d:red"


def test_the_next_deadline_is_announced_afresh(due, member):
    tasks.send_light_reminders(today=D(2026, 10, 12))  # the report is overdue
    Milestone.objects.filter(pk=due.pk).update(
        state=Milestone.State.SUBMITTED, evaluation_due=D(2026, 10, 14), light_notified="d:red"
    )
    assert tasks.send_light_reminders(today=D(2026, 10, 12)) == {"yellow": 1, "red": 0}  # the evaluation's
    assert len(keys(member)) == 2


def test_a_light_back_to_green_is_announced_again_when_it_turns_yellow(due, member):
    tasks.send_light_reminders(today=D(2026, 9, 29))
    Milestone.objects.filter(pk=due.pk).update(due_on=D(2026, 12, 31))  # an amendment moved the date
    tasks.send_light_reminders(today=D(2026, 9, 29))
    due.refresh_from_db()
    assert due.light_notified == ""
    assert tasks.send_light_reminders(today=D(2026, 12, 29)) == {"yellow": 1, "red": 0}


def test_the_reminder_is_in_the_recipients_language(due, member):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(member)
    profile.preferred_language = "en"
    profile.save()
    tasks.send_light_reminders(today=D(2026, 10, 12))
    assert keys(member)[0].startswith("Overdue: Milestone report")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_once(migrated_rows, award_over, officer):
    from django.db import transaction

    from tests.contract_fixtures import ContractFactory

    with transaction.atomic():  # the contract and its milestones in one go (shares sum to 100 at commit)
        contract = ContractFactory(award=award_over, active=True)
        Milestone.objects.filter(contract=contract, number=1).update(due_on=D(2026, 10, 9))
        Milestone.objects.filter(contract=contract, number=2).update(due_on=D(2027, 6, 30))
    member = contract.organization.created_by
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(tasks.send_light_reminders(today=D(2026, 10, 12)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o["red"] for o in outcomes) == [0, 1], outcomes
    assert len(keys(member)) == 1 and len(keys(officer)) == 1
