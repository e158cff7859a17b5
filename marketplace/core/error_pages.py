"""The site's own "page not found" page, also while developing.

With DEBUG off Django answers a 404 with templates/404.html (403 and 500 with
403.html and 500.html: ``django.views.defaults``).  With DEBUG on it shows its
English technical page listing every URL pattern, which is what a visitor of
``make run`` then sees for a mistyped address.  This middleware answers a 404
of a public page with the site's page in DEBUG too, unless the developer asks
for the technical one:

* ``?debug=1`` on the address, for one request, or
* ``DEBUG_TECHNICAL_404=true`` in the environment (``.env``), for all.

Left alone: Wagtail's admin (it has its own 404 page), the health check,
static and media files, requests that do not accept HTML, and 404 responses a
view returns itself (only a raised ``Http404`` or an address that matches no
route is replaced).  Server errors keep Django's technical page in DEBUG
(the traceback is what a developer needs); 500.html is used with DEBUG off.
"""

from django.conf import settings
from django.http import Http404
from django.views.defaults import page_not_found

# Paths whose 404s are not a visitor's page.
LEFT_ALONE = ("/admin/", "/healthz", "/static/", "/media/", "/documents/")


def wants_site_page(request):
    """True when a 404 of this request should be the site's page in DEBUG."""
    if not settings.DEBUG or getattr(settings, "DEBUG_TECHNICAL_404", False):
        return False
    if request.GET.get("debug") == "1":
        return False
    prefixes = (*LEFT_ALONE, settings.STATIC_URL, settings.MEDIA_URL)
    if any(prefix and request.path.startswith(prefix) for prefix in prefixes):
        return False
    return request.accepts("text/html")


class DebugSiteNotFoundMiddleware:
    """In DEBUG, the site's 404 page instead of Django's technical one (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An address that matches no route: Django has already answered with
        # the technical page (no view ran, so no resolver match).
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and wants_site_page(request)
        ):
            return page_not_found(request, Http404(request.path))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and wants_site_page(request):
            return page_not_found(request, exception)
        return None
