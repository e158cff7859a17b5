from django.conf import settings
from django.utils.functional import SimpleLazyObject


def _navigation(request):
    from cms.models import SectionPage

    pages = SectionPage.objects.live().in_menu().order_by("path")
    return [{"label": page.section_label, "url": page.get_url(request), "page": page} for page in pages]


def site_navigation(request):
    """The public sections, read once per request and only if a template uses them."""
    return {
        "site_nav": SimpleLazyObject(lambda: _navigation(request)),
        "PLATFORM_DISTRICT_NAME": settings.PLATFORM_DISTRICT_NAME,
    }
