"""A fair deadline (issue 18): a bid counts from when its request reached the
server, not from when its transaction got round to it; the arrival is the
server's own stamp (``core/arrival.py``) and is checked; the receipt shows the
arrival and the recording; the opening waits a grace after the deadline and
costs a constant number of statements, telling bidders after its commit."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.receivers import ensure_call_page
from marketplace.core.arrival import ArrivalMiddleware
from marketplace.core.audit import verify_chain
from marketplace.models import AuditEvent, Bid, BidVersion, Notice, OpeningRecord, Project
from marketplace.procurement.services import bids as services
from marketplace.procurement.services import opening
from marketplace.procurement.services.bids import BidError
from tests.factories import ProjectFactory
from tests.project_fixtures import fill_bid


def _ready_bid(project, organization, user):
    bid = services.start_bid(project, organization, by=user)
    fill_bid(bid, user)
    return bid


# --- the arrival ---------------------------------------------------------------------------------


def test_the_middleware_stamps_the_arrival_before_anything_else_runs():
    seen = {}

    def view(request):
        seen["arrived_at"] = request.arrived_at
        return "response"

    moment = timezone.now()
    with time_machine.travel(moment, tick=False):
        assert ArrivalMiddleware(view)(RequestFactory().post("/")) == "response"
    assert seen["arrived_at"] == moment
    assert settings.MIDDLEWARE[0] == "marketplace.core.arrival.ArrivalMiddleware"


def _stamped(header_value, **headers):
    seen = {}

    def view(request):
        seen["arrived_at"] = request.arrived_at
        return "response"

    extra = {"HTTP_X_REQUEST_START": header_value} if header_value is not None else {}
    ArrivalMiddleware(view)(RequestFactory().post("/", **extra, **headers))
    return seen["arrived_at"]


def _behind_proxy(settings, queue=30):
    """The settings of a platform behind a stamping proxy, as config/settings.py computes them."""
    settings.ARRIVAL_PROXY_HEADER = "X-Request-Start"
    settings.ARRIVAL_QUEUE_SECONDS = queue
    settings.BID_OPENING_GRACE = datetime.timedelta(seconds=settings.WEB_REQUEST_TIMEOUT_SECONDS + queue + 5)


def test_without_the_settings_a_proxy_header_is_ignored(settings):
    moment = timezone.now()
    header = f"t={moment.timestamp() - 10:.3f}"
    settings.ARRIVAL_PROXY_HEADER = ""
    with time_machine.travel(moment, tick=False):
        assert _stamped(header) == moment
    # the header named but no queue (the default): the opening does not wait for one, so no stamp counts
    settings.ARRIVAL_PROXY_HEADER = "X-Request-Start"
    settings.ARRIVAL_QUEUE_SECONDS = 0
    with time_machine.travel(moment, tick=False):
        assert _stamped(header) == moment


def test_a_stamp_never_outruns_the_openings_grace(settings):
    """A grace set by hand shorter than the queue: the stamp is used only as far back as the grace
    leaves after a request's own time (here 10 s)."""
    _behind_proxy(settings, queue=30)
    settings.BID_OPENING_GRACE = datetime.timedelta(seconds=settings.WEB_REQUEST_TIMEOUT_SECONDS + 15)
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        assert _stamped(f"t={moment.timestamp() - 9:.3f}") == moment - datetime.timedelta(seconds=9)
        assert _stamped(f"t={moment.timestamp() - 11:.3f}") == moment


def test_behind_a_stamping_proxy_the_arrival_is_the_proxys_stamp_within_bounds(settings):
    _behind_proxy(settings, queue=30)
    moment = timezone.now().replace(microsecond=0)  # the proxy writes milliseconds
    with time_machine.travel(moment, tick=False):
        # nginx's "t=<seconds.milliseconds>", 12 s in the queue: the proxy's moment counts
        assert _stamped(f"t={moment.timestamp() - 12:.3f}") == moment - datetime.timedelta(seconds=12)
        assert _stamped(f"{moment.timestamp() - 1:.3f}") == moment - datetime.timedelta(seconds=1)
        # the proxy's clock ahead of ours: never later than now
        assert _stamped(f"t={moment.timestamp() + 5:.3f}") == moment
        # waited longer than the queue allows, or not a stamp: when Django took it
        too_old = f"t={moment.timestamp() - 31:.3f}"
        for bad in (too_old, "t=", "yesterday", "t=nan", "t=inf", "t=-1e300", "9" * 40, None):
            assert _stamped(bad) == moment, bad


def test_the_opening_grace_covers_the_proxys_queue():
    """The grace comes from the settings (read in a fresh process, as a
    deployment reads them): the request timeout, the queue, 5 s."""
    import os
    import subprocess
    import sys

    def grace(**values):
        env = {**os.environ, "DJANGO_ENV_FILE": "", "WEB_REQUEST_TIMEOUT_SECONDS": "30"}
        for name in ("BID_OPENING_GRACE_SECONDS", "ARRIVAL_QUEUE_SECONDS", "ARRIVAL_PROXY_HEADER"):
            env.pop(name, None)
        env.update(values)
        code = "import config.settings as s; print(s.BID_OPENING_GRACE.total_seconds())"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])

    # The queue alone sets it (the worker that opens the bids needs no proxy header), never below 0.
    assert grace(ARRIVAL_PROXY_HEADER="X-Request-Start", ARRIVAL_QUEUE_SECONDS="20") == 55
    assert grace(ARRIVAL_PROXY_HEADER="", ARRIVAL_QUEUE_SECONDS="20") == 55
    assert grace(ARRIVAL_PROXY_HEADER="", ARRIVAL_QUEUE_SECONDS="-50") == 35
    assert grace(ARRIVAL_PROXY_HEADER="") == 35


@pytest.mark.django_db
def test_a_bid_stamped_by_the_proxy_before_the_deadline_counts_when_a_worker_takes_it_after(
    client, make_project, bidder, org_admin, settings
):
    """A crowd at the deadline: the proxy received the request 1 s before it,
    a worker took it 4 s after.  The bid counts and its receipt says when the
    proxy received it; the same request stamped after the deadline is refused."""
    from django.urls import reverse

    _behind_proxy(settings)
    project = make_project(method_code="consultation", days=15)
    _ready_bid(project, bidder, org_admin)
    url = reverse("orgs:bid_submit", args=[bidder.pk, project.ref])
    taken = project.deadline + datetime.timedelta(seconds=4)
    with time_machine.travel(taken, tick=False):
        client.force_login(org_admin)
        late = client.post(url, {"submit-confirm": "on"}, HTTP_X_REQUEST_START=f"t={taken.timestamp() - 3:.3f}")
        assert not BidVersion.objects.exists(), late.status_code
        response = client.post(
            url, {"submit-confirm": "on"}, HTTP_X_REQUEST_START=f"t={project.deadline.timestamp() - 1:.3f}"
        )
    assert response.status_code == 302, response.content[:500]
    version = BidVersion.objects.get()
    assert version.received_at == project.deadline - datetime.timedelta(seconds=1)
    assert version.submitted_at == taken


@pytest.mark.django_db
def test_an_arrival_before_the_deadline_counts_however_late_it_is_recorded(make_project, bidder, org_admin):
    project = make_project(method_code="consultation", days=15)
    bid = _ready_bid(project, bidder, org_admin)
    arrived = project.deadline - datetime.timedelta(microseconds=1)
    with time_machine.travel(project.deadline + datetime.timedelta(seconds=3), tick=False):
        version = services.submit_bid(bid, by=org_admin, received_at=arrived)
    assert version.received_at == arrived < project.deadline < version.submitted_at
    assert '"received_at":"' + timezone.localtime(arrived).isoformat(timespec="microseconds") in version.canonical
    assert Bid.objects.get(pk=bid.pk).state == Bid.State.SUBMITTED


@pytest.mark.django_db
def test_an_arrival_at_or_after_the_deadline_is_refused(make_project, bidder, org_admin):
    project = make_project(method_code="consultation", days=15)
    bid = _ready_bid(project, bidder, org_admin)
    with time_machine.travel(project.deadline + datetime.timedelta(seconds=1), tick=False):
        for arrived in (project.deadline, project.deadline + datetime.timedelta(microseconds=1)):
            with pytest.raises(BidError) as error:
                services.submit_bid(bid, by=org_admin, received_at=arrived)
            assert error.value.code == "deadline_passed"
            with pytest.raises(BidError):
                services.withdraw_bid(bid, by=org_admin, received_at=arrived)
    assert not BidVersion.objects.exists() and Bid.objects.get().state == Bid.State.DRAFT


@pytest.mark.django_db
def test_an_arrival_in_the_future_or_older_than_a_request_may_run_is_refused(make_project, bidder, org_admin):
    project = make_project(method_code="consultation", days=15)
    bid = _ready_bid(project, bidder, org_admin)
    now = timezone.now()
    for arrived in (
        now + datetime.timedelta(seconds=1),
        now - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1),
        now.replace(tzinfo=None),
    ):
        with pytest.raises(BidError) as error:
            services.submit_bid(bid, by=org_admin, received_at=arrived)
        assert error.value.code == "arrival_implausible"
    assert not BidVersion.objects.exists()
    # Within the bound it is taken as given.
    arrived = timezone.now() - settings.BID_OPENING_GRACE + datetime.timedelta(seconds=5)
    assert services.submit_bid(bid, by=org_admin, received_at=arrived).received_at == arrived


@pytest.mark.django_db
def test_the_view_passes_the_stamped_arrival_and_the_receipt_shows_both_times(
    client, make_project, bidder, org_admin, monkeypatch
):
    """The request reaches Django before the deadline; the service runs after
    it (a crowd ahead of it): the bid counts, and the receipt says when it
    was received and when it was recorded."""
    from django.urls import reverse

    project = make_project(method_code="consultation", days=15)
    _ready_bid(project, bidder, org_admin)
    real_submit = services.submit_bid
    arrived = project.deadline - datetime.timedelta(milliseconds=1)

    def slow_submit(bid, *, by, received_at=None):
        assert received_at == arrived  # the middleware's stamp, not the clock at the service
        with time_machine.travel(project.deadline + datetime.timedelta(seconds=2), tick=False):
            return real_submit(bid, by=by, received_at=received_at)

    monkeypatch.setattr(services, "submit_bid", slow_submit)
    with time_machine.travel(arrived, tick=False):
        client.force_login(org_admin)  # signed in just now (an idle session is signed out)
        response = client.post(reverse("orgs:bid_submit", args=[bidder.pk, project.ref]), {"submit-confirm": "on"})
    assert response.status_code == 302, response.content[:500]
    version = BidVersion.objects.get()
    assert version.received_at == arrived and version.submitted_at > project.deadline
    with time_machine.travel(project.deadline + datetime.timedelta(seconds=5)):
        receipt = client.get(reverse("orgs:receipt", args=[bidder.pk, project.ref, 1]))
    text = receipt.content.decode()
    assert timezone.localtime(arrived).strftime("%Y-%m-%d %H:%M:%S.%f") in text
    assert timezone.localtime(version.submitted_at).strftime("%Y-%m-%d %H:%M:%S.%f") in text
    assert "记录" in text or "Recorded" in text


@pytest.mark.django_db
def test_the_pdf_receipt_shows_arrival_and_recording(make_project, bidder, org_admin, monkeypatch):
    captured = {}

    def render_pdf(template, context):
        from django.template.loader import render_to_string

        captured["html"] = render_to_string(template, context)
        return b"%PDF-"

    monkeypatch.setattr("marketplace.core.pdf.render_pdf", render_pdf)
    project = make_project(method_code="consultation", days=15)
    bid = _ready_bid(project, bidder, org_admin)
    arrived = timezone.now() - datetime.timedelta(seconds=2)
    version = services.submit_bid(bid, by=org_admin, received_at=arrived)
    services.receipt_pdf(version)
    assert "Recorded (server time)" in captured["html"]
    assert timezone.localtime(arrived).strftime("%Y-%m-%d %H:%M:%S.%f") in captured["html"]
    assert timezone.localtime(version.submitted_at).strftime("%Y-%m-%d %H:%M:%S.%f") in captured["html"]


# --- the opening ---------------------------------------------------------------------------------


def _due_project(bidders, **fields):
    prices = [f"{100000 + n}.00" for n in range(bidders)]
    project = ProjectFactory(published=True, days=15, bidders=prices, **fields)
    ensure_call_page(project)  # as publishing the call does
    Project.objects.filter(pk=project.pk).update(
        deadline=timezone.now() - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)
    )
    project.refresh_from_db()
    return project


# The CMS's receiver of ``bids_opened`` publishes the opening-record page (a Wagtail page, its revision,
# search and reference index) and moves the call page's last_published_at: a constant cost per opening,
# not per bid.
CMS_TABLES = re.compile(r'"(wagtail\w*|cms_\w*|django_content_type|taggit\w*)"|wagtailsearch_indexentry')


def _opening_statements(project):
    with CaptureQueriesContext(connection) as captured:
        opening.open_bids(project)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    return statements, [sql for sql in statements if not CMS_TABLES.search(sql)]


@pytest.mark.django_db
def test_the_opening_of_100_bids_takes_a_constant_number_of_statements(django_capture_on_commit_callbacks):
    small = _due_project(2)
    with django_capture_on_commit_callbacks(execute=False):
        small_all, _small_own = _opening_statements(small)
    project = _due_project(100, items=list(small.catalogue_items.all()))
    Bid.objects.filter(pk=Bid.objects.filter(project=project).order_by("pk").first().pk).update(needs_confirmation=True)
    events_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        statements, own = _opening_statements(project)
    # The bids, the project, the record and the audit events: a handful of statements for 100 bids ...
    assert len(own) <= 30, own
    # ... and with the CMS pages no more than for 2 bids: nothing is done once per bid ...
    assert len(statements) <= len(small_all), (len(statements), len(small_all))
    # ... and the whole transaction within issue 18's bound (savepoints not counted).
    assert len(statements) <= 100, len(statements)
    project.refresh_from_db()
    assert project.state == Project.State.CLOSED
    record = OpeningRecord.objects.get(project=project)
    assert record.valid_count == 99 and len(record.entries) == 99
    assert Bid.objects.filter(project=project, state=Bid.State.OPENED).count() == 99
    assert Bid.objects.filter(project=project, state=Bid.State.WITHDRAWN).count() == 1
    # Every transition is still in the audit chain (100 bids and the project), and the chain holds.
    actions = list(AuditEvent.objects.order_by("pk")[events_before:].values_list("action", flat=True))
    assert actions.count("bid.open") == 99 and actions.count("bid.withdraw") == 1
    assert "project.close" in actions
    assert verify_chain().ok
    # Nobody was told while the project was locked: the notices come after the commit.
    bidders = Notice.objects.filter(user__memberships__organization__bids__project=project)
    assert not bidders.exists()
    for callback in callbacks:
        callback()
    assert bidders.filter(subject__contains=project.ref).count() >= 100


@pytest.mark.django_db
def test_a_failed_opening_in_one_step_still_fails_and_tells_after_commit(
    make_project, bidder, org_admin, django_capture_on_commit_callbacks
):
    project = make_project(method_code="consultation", days=15, min_valid_bids=2)
    bid = _ready_bid(project, bidder, org_admin)
    services.submit_bid(bid, by=org_admin)
    Project.objects.filter(pk=project.pk).update(
        deadline=timezone.now() - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)
    )
    project.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        project = opening.open_bids(project)
    assert project.state == Project.State.FAILED and project.opening.failed
    assert org_admin.notices.filter(subject__contains=project.ref).count() >= 2  # received, then failed
