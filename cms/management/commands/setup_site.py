from django.core.management.base import BaseCommand

from cms.setup import ensure_site


class Command(BaseCommand):
    help = "Create the public home page and section pages if they are missing (idempotent)."

    def handle(self, *args, **options):
        home = ensure_site()
        self.stdout.write(self.style.SUCCESS(f"Site root: {home.title} (page {home.pk})"))
