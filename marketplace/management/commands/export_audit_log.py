from django.core.management.base import BaseCommand, CommandError

from marketplace.core.audit import HeadFileError, export_events, load_head_file


class Command(BaseCommand):
    help = (
        "Export the audit log as JSON Lines (one event a line, oldest first, with its hashes), from the first "
        "event to the chain's lane heads (or to each lane's newest event of --head <file>, or --up-to <id>), to "
        "--output or standard output.  verify_audit_chain --from-file checks such a copy against the published "
        "heads.  The export holds the whole log (actors, reasons): it is for auditors, not for publication."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default=None, help="write here instead of standard output")
        parser.add_argument("--up-to", type=int, default=None, metavar="EVENT_ID", help="the last event to export")
        parser.add_argument(
            "--head",
            default=None,
            metavar="HEAD_FILE",
            help="export up to the newest event of this published head (audit-head-YYYY-MM-DD.json)",
        )

    def handle(self, *args, **options):
        up_to = options["up_to"]
        if options["head"]:
            if up_to is not None:
                raise CommandError("Give --up-to or --head, not both.")
            try:
                anchor = load_head_file(options["head"], check_signature=False)
            except HeadFileError as exc:
                raise CommandError(f"Published head REFUSED: {exc}.") from None
            up_to = anchor.lane_ends()  # each lane up to its newest event the head names
            if not up_to:
                raise CommandError("The published head names no event: there is nothing to export up to it.")
        count = 0
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="\n") as handle:
                for line in export_events(up_to=up_to):
                    handle.write(line + "\n")
                    count += 1
            self.stdout.write(self.style.SUCCESS(f"Exported {count} audit events to {options['output']}."))
        else:
            for line in export_events(up_to=up_to):
                self.stdout.write(line)
