"""Benchmark: memory of the OCDS bulk download (/ocds/bulk/releases.jsonl)
as the number of projects grows.

The bulk file is streamed: the view walks the public projects with
``.iterator(chunk_size=…)`` and yields one release a line, so its peak
memory must stay flat whatever the number of projects.  This script makes
N published calls (rows written directly: a call with its planning and
tender releases), consumes the view's generator the way the server does, and
prints the Python heap's peak (``tracemalloc``) for each N.

``--rss`` measures instead the peak resident set size of the whole process
(``getrusage``), without ``tracemalloc`` (which slows the run several times):
each size is streamed by a fresh process (``--consume``), so one size's peak
does not carry into the next.  Issue 18 asks that 100,000 releases (50,000
calls) peak within 10 % of 1,000 releases (500 calls).

Usage: python bench/ocds_bulk.py [--sizes 250 1000 4000] [--rss]   (DATABASE_URL picks the database)
"""

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")


def make_projects(count, start):
    from django.utils import timezone

    from marketplace.models import EntryStandard, Project, PurchaseMethod, User

    user = User.objects.get_or_create(username="bench-officer")[0]
    method = PurchaseMethod.objects.get(code="public_tender")
    standard = EntryStandard.objects.get_or_create(name="bench")[0]
    now = timezone.now()
    rows = [
        Project(
            ref=f"BENCH-{start + n:07d}",
            title=f"基准测试项目{start + n}",
            purchaser="东城街道办事处",
            year=2027,
            budget=Decimal("150000.10"),
            method=method,
            entry_standard=standard,
            service_start=datetime.date(2027, 1, 1),
            service_end=datetime.date(2027, 12, 31),
            deadline=now + datetime.timedelta(days=30),
            min_valid_bids=3,
            description="基准测试：为社区老人提供上门服务。",
            state=Project.State.PUBLISHED,
            published_at=now,
            created_by=user,
        )
        for n in range(count)
    ]
    Project.objects.bulk_create(rows, batch_size=500)


def stream():
    """Consume the bulk file once, the way the server does: (lines, bytes, seconds)."""
    from cms.ocds.releases import Site
    from cms.ocds.views import bulk_lines

    started = time.perf_counter()
    lines = size = 0
    for line in bulk_lines(Site("http://bench.test")):
        lines += 1
        size += len(line.encode())
    return lines, size, time.perf_counter() - started


def measure():
    tracemalloc.start()
    lines, size, seconds = stream()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines, size, seconds, peak


def consume():
    """Stream the bulk file once, in this process; print what it took."""
    lines, size, seconds = stream()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(f"{lines} {size} {seconds} {peak_kb}")


def measure_rss():
    """``consume`` in a fresh process: (lines, bytes, seconds, peak RSS in bytes)."""
    out = subprocess.run(
        [sys.executable, __file__, "--consume"], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]), int(out[1]), float(out[2]), int(out[3]) * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--rss", action="store_true", help="peak RSS of a fresh process per size")
    parser.add_argument("--consume", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.consume:
        from django.conf import settings

        settings.DEBUG = False
        consume()
        return
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from marketplace.models import Project

    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log growing with the rows
    if Project.objects.exists():
        sys.exit("This database already holds projects; use a throw-away database.")

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    made = 0
    for size in sorted(args.sizes):
        make_projects(size - made, made)
        made = size
        lines, written, seconds, peak = measure_rss() if args.rss else measure()
        what = "peak RSS of the process" if args.rss else "peak Python heap"
        print(
            f"{size:>7,} projects: {lines:>7,} releases, {written / 1e6:7.1f} MB written in {seconds:6.1f} s, "
            f"{what} {peak / 1e6:6.2f} MB"
        )


if __name__ == "__main__":
    main()
