"""Small values the public lists read on every request and that change only
when public data is written (the years of the needs, the projects' counts per
state; issue 18), kept under the public page cache's generation
(``marketplace.core.page_cache``).

Every commit that can change a public page draws a new generation, so a value
stored under the old one is never read again: it is as fresh as the cached
pages themselves, in every process, with no invalidation of its own.  With the
page cache turned off (``PUBLIC_PAGE_CACHE_SECONDS=0``) nothing draws new
generations, so nothing is kept: the value is computed each time."""

from marketplace.core import page_cache


def per_generation(name, compute):
    """``compute()``, kept until the next change of public data."""
    if not page_cache.enabled():
        return compute()
    cache = page_cache._cache()
    key = f"page-cache:{page_cache.current_generation()}:value:{name}"
    missing = object()
    value = cache.get(key, missing)
    if value is missing:
        value = compute()
        cache.set(key, value, page_cache._seconds())
    return value
