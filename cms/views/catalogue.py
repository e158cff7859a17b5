"""Public catalogue (/catalogue/): browse the published version by category,
search, item pages and downloads.  Items come from the data; the CMS page
adds only its introduction."""

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import cache_control

from marketplace.catalogue import selectors
from marketplace.catalogue.models import ServiceCategory
from marketplace.core.params import text_param

PER_PAGE = 20


def index(request, page):
    version = selectors.current_version()
    # Without control characters: a NUL byte makes PostgreSQL refuse the query.
    query = text_param(request.GET.get("q"), limit=50)
    category = None
    category_code = text_param(request.GET.get("category"), limit=50)
    if category_code:
        category = ServiceCategory.objects.filter(code=category_code).select_related("parent").first()
    kept = {k: v for k, v in (("q", query), ("category", category.code if category else "")) if v}
    context = {
        "page": page,
        "version": version,
        "query": query,
        "category": category,
        "pagination_query": urlencode(kept) + "&" if kept else "",
    }
    if version is not None:
        items = selectors.public_items(version, query=query, category=category)
        paginator = Paginator(items, PER_PAGE)
        context.update(
            {
                "tree": selectors.category_tree(version),
                "items_page": paginator.get_page(request.GET.get("page")),
                "result_count": paginator.count,
            }
        )
    return render(request, "cms/catalogue/index.html", context)


def detail(request, page, key):
    version = selectors.current_version()
    item = selectors.item_by_code(version, key) if version else None
    if item is None:
        raise Http404
    return render(
        request,
        "cms/catalogue/detail.html",
        {"page": page, "version": version, "item": item, "history": selectors.item_history(item)},
    )


@cache_control(public=True, max_age=300)
def download(request, page, fmt):
    from marketplace.catalogue import importing as catalogue_io

    version = selectors.current_version()
    if version is None:
        raise Http404
    # A published version never changes, so its files can be kept.
    body, content_type, filename = cache.get_or_set(
        f"catalogue-{fmt}-{version.pk}",
        lambda: catalogue_io.export_file(version, fmt, district_name=settings.PLATFORM_DISTRICT_NAME),
        3600,
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
