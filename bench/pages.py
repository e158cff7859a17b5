"""The public pages at two sizes (issue 18): S and L served side by side.

For each public page it measures, on each benchmark database (built by
``bench/generate.py``):

- **queries**: SQL statements per anonymous request, in-process
  (``django.test.Client`` with ``CaptureQueriesContext``, the second request
  of two so one-off warm-ups do not count), with the status and the size;
- **pages read**: PostgreSQL buffer pages (``blks_hit + blks_read`` of
  ``pg_stat_database``) per request, in-process too: each request runs on a
  connection of its own that is closed after it (a closing backend flushes
  its statistics), less the reading query's own, averaged over
  ``--read-requests`` requests;
- **latency and throughput** under concurrent load: ``wrk`` (``/usr/bin/wrk``,
  ``--latency``: the median and the 99th percentile, requests per second)
  against gunicorn (2 workers, ``bench.settings``, production-like:
  DEBUG off, whitenoise, the manifest static files), one server per size
  on its own port, **interleaved**: page 1 on S, page 1 on L, page 2 on S…
  so both sizes see the same machine load.  ``/bench/floor/`` (a trivial view
  through the full middleware) is the ceiling: each page's requests per
  second are also given as a share of the floor's at L.

``--cold`` serves with ``CACHE_URL=dummycache://`` (no response cache at
all: every request renders, the miss path); by default the platform's own
cache settings apply (the hit path, once warmed up).

Usage:
    .venv/bin/python bench/pages.py \\
        --s postgres://postgres@127.0.0.1:5432/bench_s --l postgres://postgres@127.0.0.1:5432/bench_l \\
        [--duration 5] [--connections 8] [--cold] [--only projects,results] [--append bench/RESULTS.md]
"""

import argparse
import datetime
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRK = "/usr/bin/wrk"
YANGLAO = urllib.parse.quote("养老")  # elderly care: the common two-character query


# --- in-process: which URLs, and their queries and pages read ---------------------------------


def discover():
    """The concrete URL of each public page on this database (a record from
    the middle of each table, so neither the newest nor the oldest)."""
    from django.utils import timezone

    from cms.models import Announcement
    from cms.ocds.releases import ocid
    from contracts.contracts.models import Contract
    from marketplace.needs.models import Need
    from marketplace.organizations.models import Organization
    from marketplace.procurement.models.projects import Project

    def middle(queryset):
        count = queryset.count()
        return queryset[count // 2] if count else None

    contracted = middle(Project.objects.filter(state="contracted").order_by("pk"))
    open_call = middle(Project.objects.filter(state="published", deadline__gt=timezone.now()).order_by("pk"))
    need = middle(Need.objects.exclude(state="submitted").order_by("pk"))
    organization = middle(Organization.objects.filter(state="approved").order_by("pk"))
    announcement = middle(Announcement.objects.order_by("pk"))
    contract = middle(Contract.objects.filter(state__in=["active", "completed"]).order_by("pk"))
    year = contracted.year if contracted else timezone.now().year
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()  # the last day or two
    pages = [
        ("floor", "/bench/floor/"),
        ("home", "/"),
        ("projects", "/projects/"),
        ("projects deep page", "/projects/?page=1000000"),
        ("projects search", f"/projects/?q={YANGLAO}"),
        ("project (contracted)", f"/projects/{contracted.ref}/" if contracted else None),
        ("project (open call)", f"/projects/{open_call.ref}/" if open_call else None),
        ("results", "/results/"),
        ("results search", f"/results/?q={YANGLAO}"),
        ("opening record", f"/projects/{contracted.ref}/opening/" if contracted else None),
        ("result", f"/projects/{contracted.ref}/result/" if contracted else None),
        ("needs", "/needs/"),
        ("needs deep page", "/needs/?page=1000000"),
        ("need", f"/needs/{need.pk}/" if need else None),
        ("catalogue", "/catalogue/"),
        ("organizations", "/organizations/"),
        ("organization", f"/organizations/{organization.pk}/" if organization else None),
        ("disclosure", "/disclosure/"),
        ("disclosure contracts", "/disclosure/contracts/"),
        ("contract", f"/disclosure/{contract.number}/" if contract else None),
        ("announcement", f"/disclosure/a/{announcement.pk}/" if announcement else None),
        ("disclosure feed", "/disclosure/feed/"),
        ("purchase list", f"/purchase-list/{year}/"),
        ("statistics", "/statistics/"),
        ("search 养老", f"/search/?q={YANGLAO}"),
        ("ocds", "/ocds/"),
        ("ocds release", f"/ocds/releases/{ocid(contracted.ref)}.json" if contracted else None),
        ("ocds changes", f"/ocds/changes.json?since={since}"),
        ("audit heads", "/audit/"),
        ("healthz", "/healthz"),
    ]
    return [(name, url) for name, url in pages if url]


def _pages_read(connection):
    """This database's buffer pages read so far (``blks_hit + blks_read``),
    with this connection's own pending statistics flushed first
    (``pg_stat_force_next_flush``, PostgreSQL 15+: at the end of its
    transaction, and the connection is in autocommit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT blks_hit + blks_read FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def inspect_pages(read_requests):
    """[{name, url, status, bytes, queries, pages_read}] on this database."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # one connection for the whole run, so a request's pages are not a new backend's catalogue reads
    connection.settings_dict["CONN_MAX_AGE"] = None
    client = Client()  # anonymous, no session
    results = []
    _pages_read(connection)
    baseline = -_pages_read(connection) + _pages_read(connection)  # the counting queries' own pages
    for name, url in discover():
        client.get(url)  # warm: imports, caches, first-request work
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured.captured_queries)  # now: the log is cleared by the next request
        body = b"".join(response) if response.streaming else response.content
        before = _pages_read(connection)
        for _ in range(read_requests):
            client.get(url)
        after = _pages_read(connection)
        results.append(
            {
                "name": name,
                "url": url,
                "status": response.status_code,
                "bytes": len(body),
                "queries": queries,
                "pages_read": round(max(0, after - before - baseline) / read_requests),
            }
        )
    return results


# --- served: gunicorn and wrk ------------------------------------------------------------------


def server_env(dsn, cold):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": dsn,
            "PYTHONPATH": str(ROOT),
        }
    )
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/4")
    if cold:
        # no response cache (PUBLIC_PAGE_CACHE_SECONDS=0) and no cache at all: every request renders
        env["CACHE_URL"] = "dummycache://"
        env["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
    return env


def collectstatic(env):
    from bench import settings as bench_settings  # the paths only; not django.setup()

    manifest = bench_settings.BENCH_DIR / "static" / "staticfiles.json"
    if not manifest.exists():
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def start_server(dsn, port, cold, workers):
    env = server_env(dsn, cold)
    from bench import settings as bench_settings  # the paths only

    bench_settings.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log_path = bench_settings.BENCH_DIR / f"gunicorn_{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 - the server writes to it until stopped
    process = subprocess.Popen(
        [GUNICORN, "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/", timeout=2).read()  # noqa: S310
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"gunicorn on port {port} did not start: see {log_path}")


def stop_server(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def load(port, url, duration, connections):
    """wrk's median and 99th percentile (ms), requests/s and non-2xx count."""
    out = subprocess.run(
        [WRK, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}{url}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "median": _ms(percentiles["50"]),
        "p99": _ms(percentiles["99"]),
        "rps": rps,
        "errors": int(errors.group(1)) if errors else 0,
    }


def warm(port, url, workers, rounds=2):
    """Requests in parallel, as many as there are workers and more, in
    ``rounds``: every worker renders the page at least once (its imports,
    templates and, with the local-memory cache, its own copy of the page)
    before the timed window; one after another, one idle worker could take
    them all."""

    def fetch(_):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=120).read()  # noqa: S310
        except OSError:
            pass

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        for _ in range(rounds):
            list(pool.map(fetch, range(2 * workers)))


# --- the run -----------------------------------------------------------------------------------


def inspect_in_subprocess(dsn, read_requests):
    env = server_env(dsn, True)  # the render path: queries and pages of a request the cache does not answer
    out = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--inspect", "--read-requests", str(read_requests)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"inspecting {dsn} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def loadavg():
    return Path("/proc/loadavg").read_text().strip()


def table(rows, args, before, after):
    mode = "cold (CACHE_URL=dummycache://)" if args.cold else "default cache settings (warm)"
    lines = [
        f"Pages, {mode}: wrk -t2 -c{args.connections} -d{args.duration}s per page and size, interleaved S/L; "
        f"gunicorn -w {args.workers}; loadavg before `{before}`, after `{after}`.",
        "",
        "| page | queries S/L | S median / p99 ms / req/s | L median / p99 ms / req/s | L/S latency "
        "| L req/s % of floor | pages read S/L |",
        "|---|---|---|---|---|---|---|",
    ]
    floor = next((r for r in rows if r["name"] == "floor"), None)
    for row in rows:
        small, large = row["S"], row["L"]

        def cell(m, info):
            status = "" if info["status"] == 200 else f" **{info['status']}**"
            errors = f" ({m['errors']} non-2xx)" if m["errors"] else ""
            return f"{m['median']:.1f} / {m['p99']:.1f} / {m['rps']:,.0f}{status}{errors}"

        ratio = large["load"]["median"] / small["load"]["median"] if small["load"]["median"] else float("nan")
        share = 100 * large["load"]["rps"] / floor["L"]["load"]["rps"] if floor else float("nan")
        url = small["info"]["url"] if small["info"]["url"] == large["info"]["url"] else row["pattern"]
        lines.append(
            f"| {row['name']} `{url}` "
            f"| {small['info']['queries']} / {large['info']['queries']} "
            f"| {cell(small['load'], small['info'])} | {cell(large['load'], large['info'])} "
            f"| {ratio:.2f}× | {share:.1f}% | {small['info']['pages_read']:,} / {large['info']['pages_read']:,} |"
        )
    return "\n".join(lines)


def pattern(url):
    """The URL with its record's key elided (S and L show different records)."""
    url = re.sub(r"(SFQ|HT)-\d{4}-\d+", r"\1-…", url)
    return re.sub(r"/\d+/", "/…/", url)


def main():
    parser = argparse.ArgumentParser(description="The public pages at S and L, side by side.")
    parser.add_argument("--s", help="the S database URL")
    parser.add_argument("--l", help="the L database URL")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk load per page and size")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ports", default="8741,8742")
    parser.add_argument(
        "--cold", action="store_true", help="serve with CACHE_URL=dummycache:// (every request renders)"
    )
    parser.add_argument("--only", default="", help="comma-separated page names (the floor is always measured)")
    parser.add_argument("--read-requests", type=int, default=3)
    parser.add_argument("--append", help="append the table to this file")
    parser.add_argument("--inspect", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.inspect:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        print(json.dumps(inspect_pages(args.read_requests), ensure_ascii=False))
        return
    if not (args.s and args.l):
        parser.error("--s and --l are required")

    before = loadavg()
    print(f"loadavg before: {before}")
    collectstatic(server_env(args.s, args.cold))
    infos = {}
    for size, dsn in (("S", args.s), ("L", args.l)):
        started = time.perf_counter()
        infos[size] = {row["name"]: row for row in inspect_in_subprocess(dsn, args.read_requests)}
        print(f"{size}: queries and pages read of {len(infos[size])} pages in {time.perf_counter() - started:.0f} s")
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    names = [n for n in infos["S"] if n in infos["L"] and (not wanted or n in wanted or n == "floor")]

    ports = dict(zip(("S", "L"), (int(p) for p in args.ports.split(",")), strict=True))
    servers = {}
    try:
        for size, dsn in (("S", args.s), ("L", args.l)):
            servers[size] = start_server(dsn, ports[size], args.cold, args.workers)
        for name in names:  # warm up: every worker imports, compiles templates, fills caches
            for size in ("S", "L"):
                warm(ports[size], infos[size][name]["url"], args.workers)
        rows = []
        for name in names:
            row = {"name": name, "pattern": pattern(infos["S"][name]["url"])}
            for size in ("S", "L"):
                info = infos[size][name]
                row[size] = {"info": info, "load": load(ports[size], info["url"], args.duration, args.connections)}
            print(
                f"{name:24s} S {row['S']['load']['median']:8.1f} ms {row['S']['load']['rps']:8.0f}/s   "
                f"L {row['L']['load']['median']:8.1f} ms {row['L']['load']['rps']:8.0f}/s",
                flush=True,
            )
            rows.append(row)
    finally:
        for process in servers.values():
            stop_server(process)
    after = loadavg()
    text = table(rows, args, before, after)
    command = "    .venv/bin/python bench/pages.py " + " ".join(sys.argv[1:])
    print()
    print(text)
    if args.append:
        with open(args.append, "a") as handle:
            handle.write(f"\n{command}\n\n{text}\n")
    medians = [r["L"]["load"]["median"] / r["S"]["load"]["median"] for r in rows if r["S"]["load"]["median"]]
    if medians:
        print(f"\nL/S latency: median of pages {statistics.median(medians):.2f}×")


if __name__ == "__main__":
    main()
