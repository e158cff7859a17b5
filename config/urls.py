from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from marketplace import urls as marketplace_urls
from marketplace.core import account_views
from marketplace.core import views as security_views
from marketplace.needs import views as need_views
from marketplace.procurement.views import bids as bid_views

urlpatterns = [
    path("healthz", account_views.healthz, name="healthz"),
    # Django's language switcher, which also records a signed-in person's choice.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("accounts/", include("marketplace.core.urls")),
    path("work/organizations/", include("marketplace.organizations.review_urls")),
    path("work/projects/", include(marketplace_urls.project_workbench)),
    path("work/", include("marketplace.needs.urls")),
    # The officer's to-do page (/work/ itself; the routes above keep their prefixes).
    path("work/", include("marketplace.workspace.urls")),
    path("org/", include(marketplace_urls.organization_workspace)),
    path("evaluate/", include("marketplace.evaluation.urls")),
    path("needs/report/", need_views.resident_report, name="resident_report"),
    path("needs/report/thanks/", need_views.resident_report_thanks, name="resident_report_thanks"),
    path("help/bid-receipts/", bid_views.receipt_help, name="bid_receipt_help"),
    # One sign-in (lockout, second factor) for the admin and Wagtail's private pages too.
    path("admin/login/", security_views.AdminSignInView.as_view(), name="admin_sign_in"),
    path("_util/login/", security_views.SignInView.as_view(), name="private_page_sign_in"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL + "images/", document_root=settings.MEDIA_ROOT / "images")

# Wagtail serves the public page tree; it must stay last.
urlpatterns += [path("", include(wagtail_urls))]
