from django.utils.functional import SimpleLazyObject, lazy

from marketplace.core.languages import district_name
from marketplace.core.workspace import workspace_url


def _navigation(request):
    from cms.models import SectionPage

    pages = SectionPage.objects.live().in_menu().order_by("path")
    return [{"label": page.section_label, "url": page.get_url(request), "page": page} for page in pages]


def _workspace(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return workspace_url(user)


def site_navigation(request):
    """The public sections, read once per request and only if a template uses
    them; and the signed-in person's workspace (工作台), the header's entry."""
    return {
        "site_nav": SimpleLazyObject(lambda: _navigation(request)),
        "workspace_url": SimpleLazyObject(lambda: _workspace(request)),
        # The district's name in the reader's language (evaluated where it is shown).
        "PLATFORM_DISTRICT_NAME": lazy(district_name, str)(),
    }
