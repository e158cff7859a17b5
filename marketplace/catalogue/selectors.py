"""Read questions about the catalogue, shared by the public site, the admin
and other features (needs, projects)."""

from django.db.models import Count, Q

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion, ServiceCategory


def current_version():
    """The published catalogue version, or None before the first publication."""
    return CatalogueVersion.objects.filter(state=CatalogueVersion.State.PUBLISHED).first()


def public_items(version, *, query="", category=None, include_retired=False):
    """Items of a version for public browsing.  ``query`` matches Chinese
    substrings (养老 finds 居家养老服务) in code, name, content and department;
    ``category`` is a major or minor category."""
    items = CatalogueItem.objects.filter(version=version).select_related("category__parent")
    if not include_retired:
        items = items.filter(active=True)
    if category is not None:
        items = items.filter(Q(category=category) | Q(category__parent=category))
    query = (query or "").strip()
    if query:
        items = items.filter(
            Q(code__icontains=query)
            | Q(name__icontains=query)
            | Q(content__icontains=query)
            | Q(department__icontains=query)
        )
    return items.order_by("category__parent__sort_order", "category__sort_order", "code")


def category_tree(version):
    """Major categories with their minors and the count of active items of
    ``version`` in each (two queries, whatever the size)."""
    counts = dict(
        CatalogueItem.objects.filter(version=version, active=True)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    majors = list(ServiceCategory.objects.filter(parent__isnull=True).prefetch_related("children"))
    tree = []
    for major in majors:
        minors = [(minor, counts.get(minor.pk, 0)) for minor in major.children.all()]
        tree.append((major, sum(n for _m, n in minors) + counts.get(major.pk, 0), minors))
    return tree


def item_by_code(version, code):
    return (
        CatalogueItem.objects.select_related("category__parent", "version").filter(version=version, code=code).first()
    )


def item_history(item):
    """The same code in earlier versions, newest first (one query)."""
    return (
        CatalogueItem.objects.filter(code=item.code)
        .exclude(version__state=CatalogueVersion.State.DRAFT)
        .exclude(pk=item.pk)
        .select_related("version")
        .order_by("-version__year", "-version__id")
    )
