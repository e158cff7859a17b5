from django.core.management.base import BaseCommand, CommandError

from marketplace.core.audit import AuditChainBrokenError, publish_head


class Command(BaseCommand):
    help = (
        "Verify the audit chain, record today's signed head (newest event, hash, count) and write it as a "
        "JSON file to AUDIT_HEAD_DIR (or --dir) for publication outside the database.  Run daily (Celery beat "
        "does); a second run on the same day re-writes the file from the stored record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="write the file here instead of AUDIT_HEAD_DIR")

    def handle(self, *args, **options):
        try:
            publication, path, created = publish_head(directory=options["dir"])
        except AuditChainBrokenError as exc:
            raise CommandError(f"Nothing published: {exc}.") from None
        verb = "Published" if created else "Already published today; re-wrote"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the audit head of {publication.day}: {publication.event_count} events up to event "
                f"{publication.last_event_id}, hash {publication.last_hash}. File: {path}"
            )
        )
