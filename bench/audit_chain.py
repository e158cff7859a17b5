"""Benchmark: appending to and verifying the audit hash chain.

Usage: python bench/audit_chain.py [--events N]   (DATABASE_URL picks the database)
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from marketplace.core.audit import record_event, verify_chain
    from marketplace.models import AuditEvent

    call_command("migrate", verbosity=0)
    if AuditEvent.objects.exists():
        sys.exit("This database already holds audit events; use a throw-away database.")

    started = time.perf_counter()
    for i in range(args.events):
        record_event("bench.append", object_type="bench.item", object_id=str(i), details={"i": i, "amount": "100.00"})
    append_seconds = time.perf_counter() - started

    started = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - started
    assert report.ok and report.checked == args.events

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"append: {args.events} events in {append_seconds:.2f} s = {args.events / append_seconds:,.0f} events/s")
    print(
        f"verify: {report.checked} events in {verify_seconds:.2f} s = {report.checked / verify_seconds:,.0f} events/s"
    )


if __name__ == "__main__":
    main()
