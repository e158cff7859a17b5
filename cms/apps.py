from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """Public pages (Wagtail), disclosures and open data.  Reads the business
    apps through their selectors and domain signals; nothing imports ``cms``."""

    name = "cms"
    verbose_name = _("Public site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import announcements, page_audit, receivers  # noqa: F401  (connects the domain-event and page-audit receivers)
        from cms import page_cache_receivers as _page_cache  # noqa: F401  (the public page cache's invalidation, issue 18)
        from cms.search import receivers as search_receivers  # noqa: F401  (keeps the site search current)
        from cms.views import timeliness  # noqa: F401  (the officers' to-do section on late announcements)
