"""Benchmark: memory of the OCDS bulk download (/ocds/bulk/releases.jsonl)
as the number of projects grows.

The bulk file is streamed: the view walks the public projects with
``.iterator(chunk_size=…)`` and yields one release a line, so its peak
memory must stay flat whatever the number of projects.  This script makes
N published calls (rows written directly: a call with its planning and
tender releases), consumes the view's generator the way the server does, and
prints the Python heap's peak (``tracemalloc``) for each N.

Usage: python bench/ocds_bulk.py [--sizes 250 1000 4000]   (DATABASE_URL picks the database)
"""

import argparse
import datetime
import os
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


def measure():
    from cms.ocds.releases import Site
    from cms.ocds.views import bulk_lines

    tracemalloc.start()
    started = time.perf_counter()
    lines = size = 0
    for line in bulk_lines(Site("http://bench.test")):
        lines += 1
        size += len(line.encode())
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines, size, seconds, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    args = parser.parse_args()

    import django

    django.setup()
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
        lines, written, seconds, peak = measure()
        print(
            f"{size:>7,} projects: {lines:>7,} releases, {written / 1e6:7.1f} MB written in {seconds:6.1f} s, "
            f"peak Python heap {peak / 1e6:6.2f} MB"
        )


if __name__ == "__main__":
    main()
