"""PDFs of a public call (采购公告) and of its opening record (开标记录),
rendered with WeasyPrint and the platform's CJK font embedded, always in
Simplified Chinese (the language of record).  They read only what the public
pages read (``marketplace.procurement.selectors.projects``): no bid before the opening,
never who asked a question."""

from django.core.cache import cache
from django.utils.translation import override

from marketplace.core.pdf import render_pdf
from marketplace.procurement.selectors import projects as selectors

CACHE_SECONDS = 3600


def _render(template, context):
    return render_pdf(template, context)


def call_pdf(project):
    """The call announcement as a PDF (the caller checked that it is public)."""
    with override("zh-hans"):
        facts = selectors.call_facts(project)
    return _render("pdf/call.html", facts)


def opening_pdf(project):
    """The opening record as a PDF, or None before the bids are opened."""
    facts = selectors.opening_facts(project)
    if facts is None:
        return None
    return _render("pdf/opening.html", facts)


def cache_key(kind, project):
    """What a public PDF depends on: the addenda, the state and the answers."""
    return f"project-pdf:{kind}:{project.pk}:{project.revision}:{project.state}:{selectors.answered_count(project)}"


def cached_pdf(kind, project):
    """``call_pdf`` or ``opening_pdf`` from the cache (an hour), rendered on a miss."""
    key = cache_key(kind, project)
    body = cache.get(key)
    if body is None:
        body = call_pdf(project) if kind == "call" else opening_pdf(project)
        if body is not None:
            cache.set(key, body, CACHE_SECONDS)
    return body
