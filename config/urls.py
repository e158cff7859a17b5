from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.views import timeliness as cms_timeliness
from contracts.milestones import delivery_urls, evaluation_urls
from contracts.payments import urls as payment_urls
from contracts.payments import webhooks as payment_webhooks
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
    # Delivery lights and milestone files for officers (issue 15: contracts/milestones/delivery_urls.py).
    path("work/delivery/", include((delivery_urls.officer_urlpatterns, "delivery"))),
    path("work/projects/", include(marketplace_urls.project_workbench)),
    path("work/contracts/", include("contracts.contracts.urls")),
    # Milestone evaluation and acceptance for officers (issue 15: contracts/milestones/evaluation_urls.py).
    path("work/milestones/", include(evaluation_urls.officer_patterns)),
    # Announcement timeliness for officers (issue 17: cms/views/timeliness.py).
    path("work/disclosure/", cms_timeliness.dashboard, name="announcement_timeliness"),
    path("work/", include("marketplace.needs.urls")),
    # The officer's to-do page (/work/ itself; the routes above keep their prefixes).
    path("work/", include("marketplace.workspace.urls")),
    path("org/<int:pk>/contracts/", include("contracts.contracts.org_urls")),
    # Payments (issue 16): finance and procurement officers; an organization's payments and account.
    path("work/payments/", include("contracts.payments.urls")),
    path("org/<int:pk>/payments/", include((payment_urls.organization_urlpatterns, "orgpayments"))),
    path("payments/stripe/webhook/", payment_webhooks.stripe_webhook, name="stripe_webhook"),
    path("org/", include(marketplace_urls.organization_workspace)),
    path("org/<int:org_id>/milestones/", include((delivery_urls.organization_urlpatterns, "delivery_org"))),
    path("community/contracts/", include((delivery_urls.community_urlpatterns, "supervision"))),
    # The evaluator's milestone sheets, before the committee pages' /evaluate/<ref>/.
    path("evaluate/milestones/", include(evaluation_urls.evaluator_patterns)),
    path("evaluate/", include("marketplace.evaluation.urls")),
    # Resident satisfaction surveys: workers make links; residents answer by one-time link (no account).
    path("community/surveys/", include(evaluation_urls.worker_patterns)),
    path("survey/", include("contracts.milestones.survey_urls")),
    path("needs/report/", need_views.resident_report, name="resident_report"),
    path("needs/report/thanks/", need_views.resident_report_thanks, name="resident_report_thanks"),
    path("help/bid-receipts/", bid_views.receipt_help, name="bid_receipt_help"),
    # One search over every public record (issue 17: cms/search/).
    path("search/", include("cms.search.urls")),
    # One sign-in (lockout, second factor) for the admin and Wagtail's private pages too.
    path("admin/login/", security_views.AdminSignInView.as_view(), name="admin_sign_in"),
    path("_util/login/", security_views.SignInView.as_view(), name="private_page_sign_in"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("ocds/", include("cms.ocds.urls")),  # open data, OCDS 1.1.5 (issue 17)
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL + "images/", document_root=settings.MEDIA_ROOT / "images")

# Public CMS routes outside the page tree (open data: the purchase list, statistics).
urlpatterns += [path("", include("cms.public_urls"))]

# Wagtail serves the public page tree; it must stay last.
urlpatterns += [path("", include(wagtail_urls))]
