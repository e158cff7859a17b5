"""Two officers acting at once (PostgreSQL row locks): two awards of the same
project yield exactly one award; two committees for one project yield one."""

import threading

import pytest
from django.db import connection, connections

from marketplace.evaluation.services import awards, committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import AuditEvent, Award, Bid, Committee, Project
from marketplace.procurement.services.projects import ProjectError
from tests.evaluation_fixtures import evaluated

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def race(calls):
    """Run the callables at the same moment; return each one's outcome."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except ProjectError as error:
            outcomes[index] = ("refused", error.message)
        except Exception as error:  # noqa: BLE001 - asserted below
            outcomes[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_officers_awarding_at_once_make_one_award(migrated_rows, opened, pool, officer, second_officer):
    evaluated(opened, officer)
    top = Bid.objects.get(pk=evaluation.current_report(opened).recommended_bid_id)
    outcomes = race(
        [
            lambda: awards.award(Project.objects.get(pk=opened.pk), top, by=officer),
            lambda: awards.award(Project.objects.get(pk=opened.pk), top, by=second_officer),
        ]
    )
    kinds = sorted(kind for kind, _detail in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    assert Award.objects.filter(project=opened).count() == 1
    assert AuditEvent.objects.filter(action="award.made").count() == 1
    assert Project.objects.get(pk=opened.pk).state == Project.State.AWARDED
    assert Bid.objects.filter(project=opened, state=Bid.State.AWARDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_forming_a_committee_at_once_make_one(migrated_rows, opened, pool, officer, second_officer):
    expertise = list(committee.default_expertise(opened))
    outcomes = race(
        [
            lambda: committee.form_committee(Project.objects.get(pk=opened.pk), by=officer, expertise=expertise),
            lambda: committee.form_committee(Project.objects.get(pk=opened.pk), by=second_officer, expertise=expertise),
        ]
    )
    assert sorted(kind for kind, _detail in outcomes) == ["ok", "refused"], outcomes
    assert Committee.objects.filter(project=opened).count() == 1
    assert AuditEvent.objects.filter(action="committee.formed").count() == 1
