"""Seeds the demo district's catalogue: the category tree and a published
version 2026版 with its items (data in ``demo_catalogue_data``).  Idempotent."""

from django.db import transaction

from demo.catalogue_data import CATEGORIES, ITEMS
from marketplace.catalogue.models import CatalogueItem, CatalogueVersion, ServiceCategory

DEMO_VERSION = (2026, "2026版")


@transaction.atomic
def seed_catalogue(officer):
    """Create what is missing; returns the number of new rows."""
    created = 0
    by_code = {}
    for major_order, (major_code, major_name, minors) in enumerate(CATEGORIES, start=1):
        major, made = ServiceCategory.objects.get_or_create(
            code=major_code, defaults={"name": major_name, "sort_order": major_order}
        )
        created += int(made)
        for minor_order, (minor_code, minor_name) in enumerate(minors, start=1):
            minor, made = ServiceCategory.objects.get_or_create(
                code=minor_code, defaults={"name": minor_name, "parent": major, "sort_order": minor_order}
            )
            created += int(made)
            by_code[minor_code] = minor

    year, name = DEMO_VERSION
    if CatalogueVersion.objects.filter(name=name).exists():
        return created
    version = CatalogueVersion.objects.create(year=year, name=name, notes="示范区演示目录")
    CatalogueItem.objects.bulk_create(
        CatalogueItem(version=version, **{**item, "category": by_code[item["category"]]}) for item in ITEMS
    )
    # Published directly (demo set-up, not a user action); the audit log
    # records it like any publication.
    from marketplace.catalogue.services import publish_version

    publish_version(version, by=officer)
    return created + 1 + len(ITEMS)
