"""Many organizations submitting around the deadline while the opening runs
(PostgreSQL: row locks).  Every accepted bid arrived before the deadline by
the server clock (``received_at``, read when the service was called: these
calls have no request); every refused one was told why; none is lost; the
opening record holds exactly the accepted ones."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from marketplace.models import Bid, BidVersion, OpeningRecord, Project
from marketplace.procurement.services import bids as services
from marketplace.procurement.services import opening
from tests.project_fixtures import fill_bid

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

BIDDERS = 24
SPREAD = 0.6  # seconds either side of the deadline over which submissions start


@pytest.mark.django_db(transaction=True)
def test_submissions_straddling_the_deadline(migrated_rows, make_project, make_org, capsys, settings):
    settings.BID_OPENING_GRACE = datetime.timedelta(milliseconds=200)  # these calls take well under it
    project = make_project(method_code="consultation", days=15)
    bids = []
    for n in range(BIDDERS):
        organization = make_org("approved", name=f"竞速组织{n:02d}")
        user = organization.memberships.get().user
        bid = services.start_bid(project, organization, by=user)
        fill_bid(bid, user, price=f"{100000 + n}.00")
        bids.append((bid, user))
    deadline = timezone.now() + datetime.timedelta(seconds=2)
    Project.objects.filter(pk=project.pk).update(deadline=deadline)
    start_at = time.monotonic() + (deadline - timezone.now()).total_seconds()

    outcomes = {}
    barrier = threading.Barrier(BIDDERS + 1)

    def submit(index, bid, user):
        offset = -SPREAD + 2 * SPREAD * index / (BIDDERS - 1)
        try:
            barrier.wait()
            time.sleep(max(0.0, start_at + offset - time.monotonic()))
            version = services.submit_bid(bid, by=user)
            outcomes[bid.pk] = ("accepted", version.received_at)
        except services.BidError as error:
            outcomes[bid.pk] = ("refused", error.message)
        except Exception as error:  # noqa: BLE001 - recorded and asserted below
            outcomes[bid.pk] = ("error", repr(error))
        finally:
            connections.close_all()

    def open_when_due():
        try:
            barrier.wait()
            while time.monotonic() < start_at + SPREAD + 1.0:
                opening.ensure_opened(Project.objects.get(pk=project.pk))
                time.sleep(0.02)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i, bid, user)) for i, (bid, user) in enumerate(bids)]
    threads.append(threading.Thread(target=open_when_due))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == BIDDERS, "a submission was lost"
    kinds = [kind for kind, _detail in outcomes.values()]
    assert "error" not in kinds, {pk: outcome for pk, outcome in outcomes.items() if outcome[0] == "error"}
    accepted = {pk for pk, (kind, _d) in outcomes.items() if kind == "accepted"}
    refused = {pk for pk, (kind, _d) in outcomes.items() if kind == "refused"}
    assert accepted and refused, "the spread should put submissions on both sides of the deadline"
    for pk in accepted:
        assert outcomes[pk][1] < deadline
    assert not BidVersion.objects.filter(received_at__gte=deadline).exists()
    assert set(BidVersion.objects.values_list("bid_id", flat=True)) == accepted

    project.refresh_from_db()
    assert project.opened_at is not None and project.opened_at >= deadline + settings.BID_OPENING_GRACE
    record = OpeningRecord.objects.get(project=project)
    assert {e["digest"] for e in record.entries} == set(
        BidVersion.objects.filter(bid_id__in=accepted).values_list("digest", flat=True)
    )
    assert set(Bid.objects.filter(pk__in=accepted).values_list("state", flat=True)) == {"opened"}
    assert set(Bid.objects.filter(pk__in=refused).values_list("state", flat=True)) == {"draft"}
    latest = max(outcomes[pk][1] for pk in accepted)
    with capsys.disabled():
        print(
            f"\n[deadline race] {BIDDERS} submissions started from {SPREAD}s before to {SPREAD}s after the deadline: "
            f"{len(accepted)} accepted (latest {(deadline - latest).total_seconds() * 1000:.1f} ms before it), "
            f"{len(refused)} refused, 0 lost; opened {(project.opened_at - deadline).total_seconds() * 1000:.1f} ms "
            f"after the deadline with {record.valid_count} bids."
        )
