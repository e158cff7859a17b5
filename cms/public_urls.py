"""Public routes of the CMS app that are not Wagtail pages (included by
``config/urls.py`` before Wagtail's catch-all): open data (issue 17)."""

from django.urls import path

from cms.views import audit, purchase_list, statistics

urlpatterns = [
    # The annual purchase list (政府购买服务项目清单) and its downloads.
    path("purchase-list/", purchase_list.current, name="purchase_list"),
    path("purchase-list/<int:year>/", purchase_list.year_list, name="purchase_list_year"),
    path("purchase-list/<int:year>/download.<str:fmt>", purchase_list.download, name="purchase_list_download"),
    # Public statistics: figures, charts and their CSV.
    path("statistics/", statistics.index, name="statistics"),
    path("statistics/<int:year>.csv", statistics.csv_download, name="statistics_csv"),
    # The public audit head: the signed daily heads, each day's JSON document and their feed.
    path("audit/", audit.index, name="audit_heads"),
    path("audit/feed/", audit.HeadFeed(), name="audit_heads_feed"),
    path("audit/<str:day>.json", audit.head_document, name="audit_head_document"),
]
