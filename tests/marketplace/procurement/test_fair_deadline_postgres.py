"""The fair deadline's locks on PostgreSQL (issue 18): submissions to one
project hold a shared lock on it, so they do not wait for one another; the
opening's exclusive lock waits for a submission that arrived in time and
includes it."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from marketplace.models import Bid, OpeningRecord, Project
from marketplace.procurement.services import bids as services
from marketplace.procurement.services import opening
from tests.project_fixtures import fill_bid

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

WAIT = 10  # seconds: a generous bound for a step that must not block


def _ready(project, make_org, name):
    organization = make_org("approved", name=name)
    user = organization.memberships.get().user
    bid = services.start_bid(project, organization, by=user)
    fill_bid(bid, user)
    return bid, user


def _hold_after_lock(monkeypatch, organization_id):
    """Make the submission of ``organization_id`` stop right after it took its
    locks (project shared, bid exclusive), until released."""
    locked, release = threading.Event(), threading.Event()
    real = services.require_bidder

    def require_bidder(project, organization, user):
        if organization.pk == organization_id:
            locked.set()
            assert release.wait(WAIT * 3), "never released"
        return real(project, organization, user)

    monkeypatch.setattr(services, "require_bidder", require_bidder)
    return locked, release


def _run(target, outcomes, key, *args, **kwargs):
    def body():
        try:
            outcomes[key] = ("ok", target(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - asserted by the caller
            outcomes[key] = ("error", error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_submissions_to_one_project_proceed_at_the_same_time(migrated_rows, make_project, make_org, monkeypatch):
    project = make_project(method_code="consultation", days=15)
    (first, first_user), (second, second_user) = (_ready(project, make_org, f"并行组织{n}") for n in (1, 2))
    locked, release = _hold_after_lock(monkeypatch, first.organization_id)
    outcomes = {}
    a = _run(services.submit_bid, outcomes, "first", first, by=first_user)
    try:
        assert locked.wait(WAIT), "the first submission never took its locks"
        # The first holds the project's lock and has not committed: the second goes through regardless.
        b = _run(services.submit_bid, outcomes, "second", second, by=second_user)
        b.join(WAIT)
        assert not b.is_alive(), "the second submission waited for the first's commit"
        assert outcomes["second"][0] == "ok", outcomes["second"]
        assert a.is_alive() and "first" not in outcomes
    finally:
        release.set()
        a.join(WAIT)
    assert outcomes["first"][0] == "ok", outcomes["first"]
    assert set(Bid.objects.values_list("state", flat=True)) == {Bid.State.SUBMITTED}


@pytest.mark.django_db(transaction=True)
def test_an_in_time_arrival_committing_after_the_deadline_counts_and_a_late_one_does_not(
    migrated_rows, make_project, make_org
):
    project = make_project(method_code="consultation", days=15)
    (on_time, on_time_user), (late, late_user) = (_ready(project, make_org, f"截止组织{n}") for n in (1, 2))
    deadline = timezone.now() + datetime.timedelta(milliseconds=400)
    Project.objects.filter(pk=project.pk).update(deadline=deadline)
    arrived = timezone.now()
    assert arrived < deadline
    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.1)
    version = services.submit_bid(on_time, by=on_time_user, received_at=arrived)
    assert version.received_at == arrived < deadline <= version.submitted_at
    with pytest.raises(services.BidError) as error:
        services.submit_bid(late, by=late_user, received_at=timezone.now())
    assert error.value.code == "deadline_passed"
    assert Bid.objects.get(pk=late.pk).state == Bid.State.DRAFT


@pytest.mark.django_db(transaction=True)
def test_the_opening_waits_for_an_in_flight_submission_that_arrived_in_time(
    migrated_rows, make_project, make_org, monkeypatch, settings
):
    settings.BID_OPENING_GRACE = datetime.timedelta(milliseconds=300)
    project = make_project(method_code="consultation", days=15)
    (slow, slow_user), (done, done_user) = (_ready(project, make_org, f"开标组织{n}") for n in (1, 2))
    services.submit_bid(done, by=done_user)
    deadline = timezone.now() + datetime.timedelta(milliseconds=300)
    Project.objects.filter(pk=project.pk).update(deadline=deadline)
    locked, release = _hold_after_lock(monkeypatch, slow.organization_id)
    outcomes = {}
    submitting = _run(services.submit_bid, outcomes, "slow", slow, by=slow_user, received_at=timezone.now())
    try:
        assert locked.wait(WAIT)
        time.sleep(max(0.0, (deadline + settings.BID_OPENING_GRACE - timezone.now()).total_seconds()) + 0.1)
        project.refresh_from_db()
        assert opening.is_due(project)
        opener = _run(opening.ensure_opened, outcomes, "opening", project)
        opener.join(1.0)
        assert opener.is_alive(), "the opening did not wait for the submission holding its lock"
    finally:
        release.set()
        submitting.join(WAIT)
    opener.join(WAIT)
    assert outcomes["slow"][0] == "ok", outcomes["slow"]
    assert outcomes["opening"][0] == "ok", outcomes["opening"]
    record = OpeningRecord.objects.get(project=project)
    slow_version = outcomes["slow"][1]
    assert slow_version.submitted_at >= deadline > slow_version.received_at
    assert {e["digest"] for e in record.entries} == {
        slow_version.digest,
        Bid.objects.get(pk=done.pk).current_version.digest,
    }
    assert record.opened_at >= deadline + settings.BID_OPENING_GRACE
    assert set(Bid.objects.values_list("state", flat=True)) == {Bid.State.OPENED}
