"""Benchmark: render time and size of the platform's documents (issue 18, goal 5).

Renders, from whatever database ``DATABASE_URL`` names (the demo district of
``make run`` is enough: ``var/db.sqlite3``), the largest public call
announcement (采购公告), the largest evaluation report (评审报告) and the
largest contract (合同) ``--runs`` times each, through the same functions the
views call, and prints the median and worst render time, the median CPU time of the
process (which another busy process on the machine disturbs less than the
wall time) and the size.  The
first render of the process is timed apart ("first"): it loads the CJK font
and WeasyPrint's own modules.

Usage: DATABASE_URL=sqlite:///var/db.sqlite3 python bench/pdfs.py [--runs 7]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")


def documents():
    """(name, a callable that renders it) for the largest document of each kind."""
    from django.db.models import Count

    from contracts.contracts.models import Contract
    from contracts.contracts.pdfs import contract_pdf
    from marketplace.evaluation.models import EvaluationReport
    from marketplace.evaluation.services.report import render_report_pdf
    from marketplace.procurement.models.projects import Project
    from marketplace.procurement.pdfs import call_pdf

    found = []
    project = (
        Project.objects.exclude(published_at=None)
        .annotate(n=Count("criteria", distinct=True) + Count("addenda", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    if project is not None:
        found.append((f"call {project.ref}", lambda: call_pdf(project)))
    report = EvaluationReport.objects.select_related("project").order_by("-pk").first()
    if report is not None:
        found.append(
            (f"evaluation report {report.project.ref}", lambda: render_report_pdf(report.project, report, public=True))
        )
    contract = Contract.objects.annotate(n=Count("milestones")).order_by("-n", "pk").first()
    if contract is not None:
        found.append((f"contract {contract.number}", lambda: contract_pdf(contract)[0]))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    found = documents()
    if not found:
        sys.exit("No call, report or contract in this database: seed it first (manage.py seed_demo).")
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); loadavg {_load()}")
    print("| document | first render | median | worst | median CPU | size |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, render in found:
        started = time.perf_counter()
        pdf = render()
        first = time.perf_counter() - started
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = render()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"| {name} | {first:.2f} s | {statistics.median(times):.2f} s | {max(times):.2f} s "
            f"| {statistics.median(cpu):.2f} s "
            f"| {len(pdf) / 1024:,.0f} KB |"
        )
    print(f"loadavg after: {_load()}")


def _load():
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3]


if __name__ == "__main__":
    main()
