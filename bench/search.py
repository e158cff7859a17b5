"""Benchmark: the site search at 100,000 documents (issue 17, ``cms.search``).

Fills the search table with N synthetic Chinese project documents and times
(median of ``--runs``) the first page and the count of a two-character
query (养老, common; 助餐, rarer) and a three-character one, three ways:

- ``bigram``: the CJK bigram ``tsvector`` with its GIN index (what the site
  uses), plus the exact substring check on the candidates;
- ``trigram``: ``ILIKE '%…%'`` with ``pg_trgm`` GIN indexes on title and
  body (the extension and indexes are made here, for the comparison only);
- ``scan``: ``ILIKE '%…%'`` without any index (a sequential scan).

It prints each query plan's access path, so one sees which way used an
index.  PostgreSQL only (the bigram vector is empty on SQLite).

Usage: DATABASE_URL=postgres://…/bench_search python bench/search.py [--documents N] [--runs R]
       DATABASE_URL=postgres://…/bench_l python bench/search.py --existing   (the site's search on a built database)
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

COMMUNITIES = ["和平", "春晖", "幸福", "阳光", "东湖", "西城", "南苑", "北岭", "新村", "翠竹"]
SERVICES = [
    ("居家养老上门服务", 20),
    ("社区老年助餐服务", 3),
    ("儿童课后托管服务", 15),
    ("残疾人康复训练", 12),
    ("困境家庭心理疏导", 12),
    ("社区矫正帮扶", 10),
    ("青少年暑期活动", 15),
    ("社区环境整治", 13),
]
TRGM_TITLE, TRGM_BODY = "bench_trgm_title", "bench_trgm_body"
FILLER = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"
    "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处理府研质"
)


def _title(rng):
    service = rng.choices([s for s, _w in SERVICES], weights=[w for _s, w in SERVICES])[0]
    return f"{rng.choice(COMMUNITIES)}社区{service}"


def _body(rng):
    words = "".join(rng.choice(FILLER) for _ in range(80))
    return f"SFQ-2026-{rng.randrange(10_000):04d} 东城街道办事处 {words}"


def _median(function, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _access_path(plan):
    """The plan's scan nodes (how the rows were found), e.g. "Bitmap Index Scan on cms_searchdoc_vector_gin"."""
    nodes = []
    for line in plan.splitlines():
        node = re.sub(r"^\s*(->\s*)?", "", line).split("  (")[0]
        if "Scan" in node and node not in nodes:
            nodes.append(node)
    return "; ".join(nodes)


def existing(runs):
    """The site search as the view asks it, on the database's own documents:
    ``index.counts`` (hits per type) and the first 20 of ``index.search``,
    each timed alone (median of ``runs``, JIT off as on the web
    connection), with the plan's access path."""
    from django.db import connection

    from cms.search import index
    from cms.search.models import SearchDocument

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("SET statement_timeout = '120s'")  # a runaway plan ends the run instead of the machine
    total = SearchDocument.objects.count()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {total:,} documents (as built)")
    print(f"load: {Path('/proc/loadavg').read_text().strip()}")
    for query in ("养老", "助餐", "社区", "助餐服"):
        hits = sum(index.counts(query).values())
        first = _median(lambda query=query: list(index.search(query)[:20]), runs)
        counted = _median(lambda query=query: index.counts(query), runs)
        path = _access_path(index.search(query)[:20].explain())
        print(
            f"query {query} ({len(query)} characters, {hits:,} public hits): first page {first:.1f} ms, "
            f"type counts {counted:.1f} ms, together {first + counted:.1f} ms (median of {runs}); {path}"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--existing",
        action="store_true",
        help="measure the site's own search (cms.search.index: the type counts and the first page, as "
        "/search/ asks them) on the documents already in the database (e.g. one built by generate.py)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.existing:
        return existing(args.runs)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    from cms.search import index, tokens
    from cms.search.models import VECTOR_INDEX, SearchDocument

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a throw-away PostgreSQL database.")
    call_command("migrate", verbosity=0)
    if SearchDocument.objects.exists():
        sys.exit("This database already holds search documents; use a throw-away database.")

    rng = random.Random(17)
    started = time.perf_counter()
    batch = []
    for n in range(args.documents):
        title, body = _title(rng), _body(rng)
        batch.append(
            SearchDocument(
                kind="projects",
                object_id=n + 1,
                title=title,
                body=body,
                url=f"/projects/{n + 1}/",
                tokens=" ".join(tokens.document_tokens(title, body)),
            )
        )
        if len(batch) == 5000:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    SearchDocument.objects.bulk_create(batch)
    index._fill_vectors(SearchDocument.objects.all())
    fill_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("VACUUM ANALYZE cms_searchdocument")
        cursor.execute(f"SELECT pg_size_pretty(pg_relation_size('{VECTOR_INDEX}'))")
        bigram_size = cursor.fetchone()[0]

    def bigram(query):
        return index.text_matches(query).order_by("-pk")

    def like(query):
        return SearchDocument.objects.filter(Q(title__icontains=query) | Q(body__icontains=query)).order_by("-pk")

    def measure(rows):
        return _median(lambda: (list(rows[:20]), rows.count()), args.runs), _access_path(rows.explain())

    queries = ["养老", "助餐", "助餐服"]
    timings = {}
    for query in queries:
        timings[("bigram", query)] = measure(bigram(query))
        timings[("scan", query)] = measure(like(query))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {TRGM_TITLE} ON cms_searchdocument USING gin (UPPER(title) gin_trgm_ops)")
        cursor.execute(f"CREATE INDEX {TRGM_BODY} ON cms_searchdocument USING gin (UPPER(body) gin_trgm_ops)")
        cursor.execute("ANALYZE cms_searchdocument")
        cursor.execute(f"SELECT pg_size_pretty(pg_relation_size('{TRGM_TITLE}') + pg_relation_size('{TRGM_BODY}'))")
        trigram_size = cursor.fetchone()[0]
    try:
        for query in queries:
            timings[("trigram", query)] = measure(like(query))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {TRGM_TITLE}")
            cursor.execute(f"DROP INDEX IF EXISTS {TRGM_BODY}")

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {args.documents:,} documents")
    print(f"fill (tokenize + insert + vectors): {fill_seconds:.1f} s")
    print(f"index size: bigram GIN {bigram_size}; pg_trgm GIN (title + body) {trigram_size}")
    for query in queries:
        hits = bigram(query).count()
        print(f"query {query} ({len(query)} characters, {hits:,} hits): first 20 + count, median of {args.runs}")
        for way in ("bigram", "trigram", "scan"):
            milliseconds, path = timings[(way, query)]
            print(f"  {way:8} {milliseconds:8.1f} ms   {path}")


if __name__ == "__main__":
    main()
