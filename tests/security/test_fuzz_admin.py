"""Fuzzed input on the catalogue and reference-data forms of the Wagtail
admin: a new catalogue version, the catalogue import (odd files), publish,
retiring an item, and the create forms of catalogue items, service
categories, community funds, entry standards, purchase methods and
evaluators; plus the admin's page-chooser search (harness:
``test_fuzz_support``)."""

from django.urls import reverse

from marketplace.models import CatalogueItem, PurchaseMethod
from tests.security.test_fuzz_support import WRONG_IDS, attempt, fuzz_form, sign_in


def test_fuzz_catalogue_admin(db, client, officer, draft, categories):
    published_item = CatalogueItem.objects.filter(version=draft).first()
    sign_in(client, officer)
    fuzz_form(client, reverse("catalogue_admin:version_create"), {"year": "2027", "name": "2027版",
              "based_on": "", "notes": "新一年的目录"}, id_fields={"based_on": [draft.pk]}, examples=25)  # fmt: skip
    fuzz_form(client, reverse("catalogue_admin:version_import", args=[draft.pk]), {}, files=["file"], examples=25)
    fuzz_form(client, reverse("catalogue_admin:publish", args=[draft.pk]), {"confirm": "on"}, examples=8)
    fuzz_form(client, reverse("catalogue_admin:retire", args=[published_item.pk]), {"reason": "服务已整合"},
              examples=10)  # fmt: skip
    for wrong in WRONG_IDS:
        attempt(client, f"/admin/catalogue/{wrong}/publish/", {"confirm": "on"})
        attempt(client, f"/admin/catalogue/items/{wrong}/retire/", {"reason": "x"})
        attempt(client, f"/admin/catalogue/imports/{wrong}/", method="get")


def test_fuzz_reference_data_in_the_admin(db, client, make_user, draft, categories, community, officer):
    admin = make_user(username="root", is_superuser=True, is_staff=True)
    sign_in(client, admin)
    item = {
        "version": str(draft.pk), "code": "A0199", "name": "新服务", "category": str(categories["A01"].pk),
        "department": "区民政局", "kind": "undertaken", "content": "上门服务", "quantity": "每月4次",
        "quality": "持证上岗", "outputs": "服务记录", "unit": "person_time", "price_min": "60.00",
        "price_max": "80.00", "eligible_filed": "on", "eligible_registered": "on",
    }  # fmt: skip
    forms = {
        "/admin/catalogue-items/new/": item,
        "/admin/service-categories/new/": {"code": "C", "name": "助残服务", "parent": "", "sort_order": "3"},
        "/admin/community-funds/new/": {"community": str(community.pk), "year": "2027", "amount": "50000.00"},
        "/admin/entry-standards/new/": {
            "name": "新准入标准", "description": "说明", "is_standard": "", "required_track": "",
            "min_years_since_founding": "1", "qualification": "", "min_qualified_staff": "0",
            "required_documents": ["charter"], "min_performance_grade": "",
        },
        "/admin/purchase-methods/new/": {
            "code": "pilot", "name": "试点", "name_en": "Pilot", "description": "说明", "position": "9",
            "min_period": "20", "period_unit": "calendar", "min_valid_bids": "3", "committee_size": "5",
            "addendum_min_days": "15", "addendum_unit": "calendar", "named_organization": "",
            "justification_required": "", "budget_cap": "", "one_bid_per_organization": "", "intention_days": "30",
            "active": "on",
        },
        "/admin/evaluators/new/": {"user": "", "kind": "expert", "name": "新专家", "affiliation": "大学",
                                   "expertise": [str(categories["A"].pk)], "active": "on"},
    }  # fmt: skip
    for url, base in forms.items():
        fuzz_form(client, url, base, examples=15)
    method = PurchaseMethod.objects.get(code="public_tender")
    edit = {key: value for key, value in forms["/admin/purchase-methods/new/"].items()}
    edit.update({"code": method.code, "name": method.name, "min_period": "20", "min_valid_bids": "3"})
    fuzz_form(client, f"/admin/purchase-methods/edit/{method.pk}/", edit, examples=15)
    fuzz_form(client, "/admin/choose-page/search/", {"q": "养老"}, method="get", examples=10)
    for wrong in WRONG_IDS:
        attempt(client, f"/admin/catalogue-items/edit/{wrong}/", item)
        attempt(client, f"/admin/purchase-methods/edit/{wrong}/", edit)
