"""Benchmark: the deadline rush (issue 18, goal 3).

N organizations with ready draft bids on one project submit through the
whole Django stack (``django.test.Client``: every middleware, the arrival
stamp included, the view, the service) from P forked processes of T client
threads each; their
requests are scheduled uniformly over the last W seconds before the deadline,
plus a few just after it.  Then the opening runs, once the grace after the
deadline (``BID_OPENING_GRACE``) has passed.  Printed: on-time refused, late
accepted, lost, duplicated (each must be 0), throughput, and whether the
opening record equals the accepted bids.  "On time" is judged by the
middleware's stamp, read back from the request (a client thread that falls
behind its schedule makes its request arrive late: that is the server's
view, and what the rule is about).

Usage (a throw-away PostgreSQL database; its tables are created by migrate):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_rush \\
      .venv/bin/python bench/rush.py --bidders 1000 --window 10 --processes 4 --threads 8 [--proxy-stamp]

The organizations are built once per database (``--bidders`` more are added
if missing); each run makes a new project and new draft bids.
"""

import argparse
import datetime
import multiprocessing
import os
import queue
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The test settings: in-memory file storage, eager Celery (no worker needed), fast password hashing.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bidders", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0, help="seconds before the deadline the requests span")
    parser.add_argument("--late", type=float, default=0.05, help="share of requests scheduled just after it")
    parser.add_argument("--threads", type=int, default=8, help="client threads per process")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--lead", type=float, default=3.0, help="seconds from the start to the window")
    parser.add_argument(
        "--proxy-stamp",
        action="store_true",
        help="run as behind a stamping proxy (ARRIVAL_PROXY_HEADER=X-Request-Start): each request carries the "
        "moment it was scheduled, as nginx would stamp it on receipt; ARRIVAL_QUEUE_SECONDS (default here 30) "
        "is the wait allowed, and the opening's grace grows by it",
    )
    args = parser.parse_args()
    if args.proxy_stamp:
        # Before the settings are read: the grace is computed from these (config/settings.py).
        os.environ["ARRIVAL_PROXY_HEADER"] = "X-Request-Start"
        os.environ.setdefault("ARRIVAL_QUEUE_SECONDS", "30")
        os.environ.pop("BID_OPENING_GRACE_SECONDS", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from marketplace.core import arrival as arrival_module
    from marketplace.core.twofactor import requires_second_factor
    from marketplace.models import Bid, BidVersion, OpeningRecord, Organization, Project
    from marketplace.procurement.services import opening
    from tests.factories import BidFactory, CommunityFactory, OrganizationFactory, ProjectFactory, UserFactory

    if connection.vendor != "postgresql":
        sys.exit("The rush is measured on PostgreSQL (row locks).")
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver"]
    # The grace stays the setting's (the request timeout and a margin): on a loaded machine an in-process
    # request can take seconds from its arrival to its lock, and an arrival older than the grace is refused.

    # --- the organizations (kept between runs) and a new project with a draft bid each ---------------
    built = time.perf_counter()
    previous = Project.objects.order_by("pk").first()  # factory sequences restart: reuse what exists
    community = previous.communities.first() if previous else CommunityFactory()
    have = Organization.objects.filter(name__startswith="冲刺组织", state=Organization.State.APPROVED).count()
    for n in range(have, args.bidders + 16):  # a margin for members left out below
        OrganizationFactory(approved=True, name=f"冲刺组织{n:05d}", community=community)
    reuse = {"items": list(previous.catalogue_items.all()), "communities": [community]} if previous else {}
    # Officers with names of their own: the factory's numbered names restart with each run and would turn
    # earlier runs' members into officers.
    officer = UserFactory(username=f"rush-officer-{uuid.uuid4().hex[:12]}", roles=("procurement_officer",))
    project = ProjectFactory(
        published=True, days=15, method_code="consultation", created_by=officer, approved_by=officer, **reuse
    )
    # Members whose roles need a second factor (the factories' first users hold an officer's role) are left
    # out: their requests go to the second-factor page, which says nothing about the deadline.
    organizations = [
        organization
        for organization in Organization.objects.filter(
            name__startswith="冲刺组织", state=Organization.State.APPROVED
        ).order_by("pk")
        if not requires_second_factor(organization.memberships.get().user)
    ][: args.bidders]
    members = {}
    for organization in organizations:
        bid = BidFactory(project=project, organization=organization)
        members[bid.pk] = (organization, organization.memberships.get().user)
    print(f"setup: {len(members)} organizations with draft bids in {time.perf_counter() - built:.0f} s")

    # --- the schedule ------------------------------------------------------------------------------------
    late = max(1, int(len(members) * args.late))
    on_schedule = len(members) - late
    start = time.monotonic() + args.lead
    deadline_monotonic = start + args.window
    deadline = timezone.now() + datetime.timedelta(seconds=deadline_monotonic - time.monotonic())
    Project.objects.filter(pk=project.pk).update(deadline=deadline)
    schedule = []
    for index, bid_pk in enumerate(members):
        if index < on_schedule:
            at = start + args.window * index / on_schedule
        else:
            at = deadline_monotonic + 0.5 * (index - on_schedule + 1) / late  # up to 0.5 s after it
        schedule.append((at, bid_pk))

    # The wall-clock moment of each scheduled time (what a proxy receiving it on time would write).
    wall_offset = time.time() - time.monotonic()

    # Read back the middleware's stamp for each request (the client runs the handler in its own thread).
    seen = threading.local()
    real_call = arrival_module.ArrivalMiddleware.__call__

    def stamping_call(self, request):
        response = real_call(self, request)
        seen.arrived_at = request.arrived_at
        return response

    arrival_module.ArrivalMiddleware.__call__ = stamping_call
    outcomes = {}
    why = {}
    errors = []
    jobs = queue.Queue()

    def _messages(response):
        text = response.content.decode(errors="replace")
        found = re.findall(r'class="[^"]*(?:error|messages)[^"]*"[^>]*>(.*?)</', text, re.S)
        return " | ".join(re.sub(r"\s+", " ", f).strip() for f in found)[:300]

    def worker():
        client = Client()
        try:
            while True:
                try:
                    at, bid_pk = jobs.get_nowait()
                except queue.Empty:
                    return
                organization, user = members[bid_pk]
                client.force_login(user)
                time.sleep(max(0.0, at - time.monotonic()))
                headers = {}
                if args.proxy_stamp:
                    headers["HTTP_X_REQUEST_START"] = f"t={wall_offset + at:.3f}"
                try:
                    response = client.post(
                        reverse("orgs:bid_submit", args=[organization.pk, project.ref]),
                        {"submit-confirm": "on"},
                        **headers,
                    )
                except Exception as error:  # noqa: BLE001 - counted as lost
                    errors.append(repr(error))
                    continue
                accepted = response.status_code == 302 and "/receipts/" in response.get("Location", "")
                outcomes[bid_pk] = (accepted, seen.arrived_at, response.status_code)
                if not accepted:
                    why[bid_pk] = (response.get("Location", ""), _messages(response))
        finally:
            connections.close_all()

    def run_threads(share):
        for job in share:
            jobs.put(job)
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # One Python process runs one request at a time (the GIL), so the clients are spread over
    # ``--processes`` forked processes, each with ``--threads`` threads and every P-th request.
    connections.close_all()
    results = multiprocessing.get_context("fork").Queue()
    children = []
    for number in range(args.processes):
        share = schedule[number :: args.processes]

        def child(share=share):
            run_threads(share)
            results.put((outcomes, why, errors))

        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
        children.append(process)
    for _ in children:
        part_outcomes, part_why, part_errors = results.get()
        outcomes.update(part_outcomes)
        why.update(part_why)
        errors.extend(part_errors)
    for process in children:
        process.join()
    arrival_module.ArrivalMiddleware.__call__ = real_call

    # --- the opening ---------------------------------------------------------------------------------------
    time.sleep(max(0.0, (deadline + settings.BID_OPENING_GRACE - timezone.now()).total_seconds()) + 0.1)
    project.refresh_from_db()
    opened_started = time.perf_counter()
    project = opening.ensure_opened(project)
    opening_seconds = time.perf_counter() - opened_started
    record = OpeningRecord.objects.get(project=project)

    # --- the figures ------------------------------------------------------------------------------------------
    versions = list(BidVersion.objects.filter(bid__project=project).values("bid_id", "received_at", "submitted_at"))
    per_bid = {}
    for version in versions:
        per_bid.setdefault(version["bid_id"], []).append(version)
    accepted = {pk for pk, (ok, _a, _s) in outcomes.items() if ok}
    in_time = {pk for pk, (_ok, arrived, _s) in outcomes.items() if arrived < deadline}
    on_time_refused = in_time - accepted
    late_accepted = accepted - in_time
    lost = (len(members) - len(outcomes)) + len(accepted ^ set(per_bid))  # no answer, or answer and database differ
    duplicated = sum(len(v) - 1 for v in per_bid.values())
    opened = set(Bid.objects.filter(project=project, state=Bid.State.OPENED).values_list("pk", flat=True))
    digests = set(BidVersion.objects.filter(bid_id__in=accepted).values_list("digest", flat=True))
    record_matches = {e["digest"] for e in record.entries} == digests and opened == accepted
    recorded = sorted(v["submitted_at"] for v in versions)
    span = (recorded[-1] - recorded[0]).total_seconds() if len(recorded) > 1 else 0.0
    waits = [(v["submitted_at"] - v["received_at"]).total_seconds() * 1000 for v in versions]
    after_deadline = sum(1 for v in versions if v["submitted_at"] >= deadline)
    late_arrivals = [arrived for _ok, arrived, _s in outcomes.values() if arrived >= deadline]

    print(f"database: PostgreSQL {connection.settings_dict['NAME']}; load: {Path('/proc/loadavg').read_text().strip()}")
    print(
        f"rush: {len(members)} submissions scheduled over the last {args.window:g} s ({late} just after), "
        f"{args.processes} client processes x {args.threads} threads"
    )
    if args.proxy_stamp:
        print(
            f"  arrival stamped as by a proxy on receipt (X-Request-Start, the scheduled moment); queue allowed "
            f"{settings.ARRIVAL_QUEUE_SECONDS} s, opening grace {settings.BID_OPENING_GRACE.total_seconds():.0f} s"
        )
    print(f"  arrived in time {len(in_time)}, after the deadline {len(late_arrivals)}; accepted {len(accepted)}")
    print(
        f"  on-time refused {len(on_time_refused)}, late accepted {len(late_accepted)}, lost {lost}, "
        f"duplicated {duplicated}, errors {len(errors)}"
    )
    if span:
        print(f"  throughput: {len(recorded)} bids recorded in {span:.2f} s = {len(recorded) / span:.0f} bids/s")
    if waits:
        print(
            f"  arrival to record: median {statistics.median(waits):.0f} ms, max {max(waits):.0f} ms; "
            f"{after_deadline} accepted bids were recorded after the deadline"
        )
    print(
        f"opening: {record.valid_count} bids in {opening_seconds * 1000:.0f} ms; "
        f"record equals the accepted bids: {record_matches}"
    )
    if errors:
        print("errors:", errors[:3])
    for pk in sorted(on_time_refused)[:5]:
        print(f"  on-time refused {pk}: arrived {outcomes[pk][1].isoformat()}, status {outcomes[pk][2]}, {why.get(pk)}")
    ok = not (on_time_refused or late_accepted or lost or duplicated or errors) and record_matches
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
