from django.core.management.base import BaseCommand, CommandError

from cms.search import index
from cms.search.providers import providers


class Command(BaseCommand):
    help = (
        "Rebuild the site search's documents from the public records (every type, or those named). "
        "Safe to run at any time; the receivers keep the index current between runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kinds", nargs="*", help="Types to rebuild (default: all): " + ", ".join(item.kind for item in providers())
        )

    def handle(self, *args, **options):
        known = {item.kind for item in providers()}
        unknown = [kind for kind in options["kinds"] if kind not in known]
        if unknown:
            raise CommandError(f"Unknown types: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        counts = index.rebuild(options["kinds"] or None)
        summary = ", ".join(f"{kind} {count}" for kind, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {summary}."))
