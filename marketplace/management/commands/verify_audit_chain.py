from django.core.management.base import BaseCommand, CommandError

from marketplace.core.audit import HeadFileError, load_head_file, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit log: every event's keyed hash, the chain of hashes, the signed chain head and the "
        "published daily heads; name the first broken link.  --against <file> also checks a published head "
        "file (its signature, and that the chain holds exactly the history it names)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--against",
            action="append",
            default=[],
            metavar="HEAD_FILE",
            help="a published head file (audit-head-YYYY-MM-DD.json); may be given more than once",
        )

    def handle(self, *args, **options):
        anchors = []
        for path in options["against"]:
            try:
                anchors.append(load_head_file(path))
            except HeadFileError as exc:
                raise CommandError(f"Published head REFUSED: {exc}.") from None
        report = verify_chain(anchors=anchors)
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at event {report.broken_event_id}: {report.problem}. "
                f"{report.checked} events before it are intact."
            )
        against = ""
        if anchors:
            against = (
                " It matches "
                + ", ".join(f"the {a.source} ({a.event_count} events up to event {a.last_event_id})" for a in anchors)
                + "."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified.{against}"))
