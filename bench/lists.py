"""The public lists' queries at scale (issue 18): /projects/, /results/, /needs/.

Prints EXPLAIN (ANALYZE, BUFFERS) of each list's queries, as the views ask
them: the first page, a page at the cap (page 50), a deep page (page 2,000,
which the old unbounded pages served), the count, and the small values read
on every request (the needs' years, the projects' state counts).  "old" is
the count and the OFFSET as Django's ``Paginator`` asked them before the cap;
"new" is ``marketplace.core.paging.BoundedPaginator``.

Build a database first (``bench/generate.py``), then, before and after
``manage.py migrate``::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_lists .venv/bin/python bench/lists.py [--full]

``--full`` prints whole plans; otherwise the top lines and the timings.
The database's connection options are the web's (JIT off)."""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from marketplace.core.paging import BoundedPaginator  # noqa: E402
from marketplace.evaluation import selectors as result_selectors  # noqa: E402
from marketplace.needs import selectors as need_selectors  # noqa: E402
from marketplace.procurement.models.projects import Project  # noqa: E402
from marketplace.procurement.selectors import projects as project_selectors  # noqa: E402

PER_PAGE = 20


def sql_of(run):
    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def explain(label, sql, full):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    timing = [line for line in lines if line.startswith(("Planning Time", "Execution Time"))]
    print(f"== {label}: {' · '.join(timing)}")
    shown = lines if full else [line for line in lines[:6] if not line.startswith(("Planning", "Execution"))]
    for line in shown:
        print("   ", line)


def head_public_results():
    """``public_results`` as it was at ae44841 (two NOT EXISTS, the projects
    in an IN), for the comparison in one run."""
    from django.db.models import Exists, OuterRef, Q

    from marketplace.evaluation.models import Award

    later = Award.objects.filter(project_id=OuterRef("project_id"), pk__gt=OuterRef("pk"))
    live = Award.objects.filter(project_id=OuterRef("project_id"), cancelled_at__isnull=True)
    return (
        Award.objects.filter(
            Q(cancelled_at__isnull=True) | (~Exists(live) & ~Exists(later)),
            project__in=Project.objects.filter(project_selectors.PUBLIC_Q),
        )
        .select_related("project", "bid__organization")
        .order_by("-awarded_at", "-pk")
    )


def lists():
    return {
        "results (HEAD query)": head_public_results,
        "results": result_selectors.public_results,
        "needs": need_selectors.public_needs,
        "projects (open calls)": lambda: project_selectors.public_projects(state=Project.State.PUBLISHED),
        "projects (all)": lambda: project_selectors.public_projects(state=project_selectors.ALL_PUBLIC_STATES),
        "projects (contracted)": lambda: project_selectors.public_projects(state=Project.State.CONTRACTED),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        print("jit:", cursor.fetchone()[0], "· loadavg:", Path("/proc/loadavg").read_text().strip())
    for name, selector in lists().items():
        qs = selector()
        explain(f"{name}: old count (COUNT(*) of every row)", sql_of(qs.count)[0], args.full)
        bounded = BoundedPaginator(qs, PER_PAGE)
        explain(f"{name}: new count (up to 50 pages + 1 row)", sql_of(lambda b=bounded: b.count)[0], args.full)
        for page in (1, 50, 2000):
            start = (page - 1) * PER_PAGE
            page_sql = sql_of(lambda s=start, rows=qs: list(rows[s : s + PER_PAGE]))
            explain(f"{name}: page {page} (OFFSET {start})", page_sql[0], args.full)
    explain(
        "needs: DISTINCT year (now read once per change of public data)",
        sql_of(need_selectors._need_years)[0],
        args.full,
    )
    explain(
        "projects: state counts (now read once per change of public data)",
        sql_of(project_selectors._public_state_counts)[0],
        args.full,
    )


if __name__ == "__main__":
    main()
