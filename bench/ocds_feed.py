"""The OCDS change feed's pages (issue 18): queries and time of page 1 and of
a deep page of ``/ocds/changes.json?since=<before the data>``, today's keyset
walk against the earlier whole walk (``git show <rev>:cms/ocds/views.py``
loaded as a scratch module outside the tree), in one process, interleaved
(A, B, A, B …) so the machine's load weighs on both alike.

Usage (cold caches, the render path)::

    git show HEAD:cms/ocds/views.py > /tmp/ocds_views_before.py
    DJANGO_SETTINGS_MODULE=bench.settings CACHE_URL=dummycache:// PUBLIC_PAGE_CACHE_SECONDS=0 \\
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m \\
      .venv/bin/python bench/ocds_feed.py --before /tmp/ocds_views_before.py --since 2020-01-01 --deep 20 \\
        --before-since 2026-12-06
"""

import argparse
import importlib.util
import json
import statistics
import time
from urllib.parse import urlsplit


def _load(path):
    spec = importlib.util.spec_from_file_location("ocds_views_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="the earlier cms/ocds/views.py, outside the tree (optional)")
    parser.add_argument("--since", default="2020-01-01")
    parser.add_argument("--deep", type=int, default=20, help="which page is the deep one (links.next followed)")
    parser.add_argument("--before-since", default="", help="the since of the before runs (e.g. yesterday)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    connection.settings_dict["CONN_MAX_AGE"] = None
    client = Client()
    first = f"/ocds/changes.json?since={args.since}"
    # The deep page's cursor: follow links.next (not timed).
    url = first
    for _ in range(args.deep - 1):
        response = client.get(url)
        url = json.loads(response.content)["links"]["next"] if response.status_code == 200 else None
        if url is None:
            raise SystemExit("fewer pages than --deep")
        parts = urlsplit(url)
        url = f"{parts.path}?{parts.query}"
    deep = url

    def after(path):
        return lambda: client.get(path)

    runs = {f"after page 1 ({first})": after(first), f"after page {args.deep}": after(deep)}
    if args.before:
        # The whole walk builds every project changed since ``--before-since``: at M from a date before
        # the data that is all 25,000 of them (minutes a request), so it is measured on a recent since.
        before = _load(args.before)
        factory = RequestFactory()
        recent = f"/ocds/changes.json?since={args.before_since}"
        runs[f"after page 1 ({recent})"] = after(recent)
        runs[f"before page 1 ({recent})"] = lambda: before.changes(factory.get(recent))
        runs["before page 2"] = lambda: before.changes(factory.get(f"{recent}&page=2"))
    figures = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm: imports, the site's pages
    for _ in range(args.repeat):
        for name, run in runs.items():
            connection.queries_log.clear()  # the log keeps 9,000: a long run would miscount
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = run()
                elapsed = time.perf_counter() - started
            figures[name].append((len(captured.captured_queries), elapsed * 1000, response.status_code))
    print(f"loadavg {open('/proc/loadavg').read().strip()}; deep page: {deep}")
    for name, rows in figures.items():
        queries = sorted({q for q, _ms, _s in rows})
        ms = statistics.median(ms for _q, ms, _s in rows)
        print(f"{name}: status {rows[0][2]}, queries {queries}, median {ms:.0f} ms of {len(rows)}")


if __name__ == "__main__":
    main()
