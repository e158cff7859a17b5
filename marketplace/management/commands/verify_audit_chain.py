from django.core.management.base import BaseCommand, CommandError

from marketplace.core.audit import (
    ExportFileError,
    HeadFileError,
    load_head_file,
    verify_chain,
    verify_export,
)


class Command(BaseCommand):
    help = (
        "Verify the audit log: every event's keyed hash, the chain of hashes, the signed chain head and the "
        "published daily heads; name the first broken link.  --against (or --head) <file> also checks a "
        "published head file (its signature, and that the chain holds exactly the history it names).  "
        "--from-file <export.jsonl> checks an exported copy of the log (export_audit_log) instead of the "
        "database; with --without-key, the check anyone can make without the audit key: the links, the event "
        "count and the hash at each published head, not each event's keyed hash nor the heads' signatures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--against",
            "--head",
            dest="against",
            action="append",
            default=[],
            metavar="HEAD_FILE",
            help="a published head file (audit-head-YYYY-MM-DD.json); may be given more than once",
        )
        parser.add_argument(
            "--from-file",
            default=None,
            metavar="EXPORT_FILE",
            help="check this export of the log (JSON Lines, from export_audit_log) instead of the database",
        )
        parser.add_argument(
            "--without-key",
            action="store_true",
            help=(
                "with --from-file: do not recompute the keyed hashes nor check the heads' signatures (they need "
                "the audit key); check the links, the counts and the hashes the heads published"
            ),
        )

    def handle(self, *args, **options):
        from_file = options["from_file"]
        keyless = options["without_key"]
        if keyless and not from_file:
            raise CommandError("--without-key checks an export: give it with --from-file <export.jsonl>.")
        anchors = []
        for path in options["against"]:
            try:
                anchors.append(load_head_file(path, check_signature=not keyless))
            except HeadFileError as exc:
                raise CommandError(f"Published head REFUSED: {exc}.") from None
        if from_file:
            try:
                report = verify_export(from_file, anchors=anchors, recompute=not keyless)
            except ExportFileError as exc:
                raise CommandError(f"Export REFUSED: {exc}.") from None
            subject = f"Audit log export {from_file}"
        else:
            report = verify_chain(anchors=anchors)
            subject = "Audit chain"
        if not report.ok:
            raise CommandError(
                f"{subject} BROKEN at event {report.broken_event_id}: {report.problem}. "
                f"{report.checked} events before it are intact."
            )
        against = ""
        if anchors:
            against = (
                " It matches "
                + ", ".join(f"the {a.source} ({a.event_count} events up to event {a.last_event_id})" for a in anchors)
                + "."
            )
        if keyless:
            against += (
                f" Checked WITHOUT the audit key: the links between the {report.checked} events and the hash and count"
                " at each head; the keyed hashes of the events' contents and the heads' signatures were not checked"
                f" ({report.recomputed} plain SHA-256 hashes were)."
            )
        self.stdout.write(self.style.SUCCESS(f"{subject} intact: {report.checked} events verified.{against}"))
