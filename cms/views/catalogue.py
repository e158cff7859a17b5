"""Public catalogue (/catalogue/): browse the published version by category,
search, item pages and downloads.  Items come from the data; the CMS page
adds only its introduction."""

from functools import partial

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from marketplace.catalogue import selectors
from marketplace.catalogue.filters import CatalogueFilterSet
from marketplace.core import languages
from marketplace.core.filters import paginate

PER_PAGE = 20


def index(request, page):
    version = selectors.current_version()
    filterset = CatalogueFilterSet(request.GET, selector=partial(selectors.public_items, version))
    context = {
        "page": page,
        "version": version,
        "query": filterset.values["query"],
        "category": filterset.values["category"],
        "filter_form": filterset.form,
        "pagination_query": filterset.querystring,
    }
    if version is not None:
        items_page = paginate(request, filterset.qs, PER_PAGE)
        context.update(
            {
                "tree": selectors.category_tree(version),
                "items_page": items_page,
                "result_count": items_page.paginator.count,
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
    # A published version never changes, so its files can be kept (the PDF
    # once per language: it follows its reader).
    language = languages.current()
    body, content_type, filename = cache.get_or_set(
        f"catalogue-{fmt}-{version.pk}-{language}",
        lambda: catalogue_io.export_file(version, fmt, language=language),
        3600,
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
