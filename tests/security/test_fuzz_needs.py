"""Fuzzed input on the demand list: the residents' report form (public, no
account), the community workers' need form, triage and decline, the
officers' assessment and decision, and the public sections' filters and
page numbers (harness: ``test_fuzz_support``)."""

import time

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from marketplace.needs.forms import TOKEN_SALT
from tests.security.test_fuzz_support import WRONG_IDS, attempt, fuzz_form, sign_in

WORKER_FILTERS = ["work:needs", "work:reports", "work:assessment"]


def aged_token(seconds=30):
    """A form token issued ``seconds`` ago (a person filled the form in)."""
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(str(int(time.time()) - seconds))


def need_post(**overrides):
    year = timezone.localdate().year
    data = {
        "title": "老年人智能手机培训",
        "catalogue_item": "",
        "other_description": "老年人智能手机使用培训",
        "description": "社区老人不会用手机挂号、付款，希望开设培训班。",
        "beneficiaries_count": "60",
        "beneficiary_group": "elderly",
        "period_start": f"{year}-12-01",
        "period_end": f"{year}-12-31",
        "estimated_budget": "12000.00",
        "urgency": "normal",
    }
    data.update(overrides)
    return data


def test_fuzz_resident_report(db, client, community, other_community):
    base = {
        "community": str(community.pk),
        "title": "小区老人吃饭难",
        "description": "楼里独居老人做饭困难，希望有送餐服务。",
        "name": "欧阳秀珍",
        "phone": "13987654321",
        "website": "",
        "token": aged_token(),
    }
    fuzz_form(client, reverse("resident_report"), base, id_fields={"community": [other_community.pk]}, examples=40)
    fuzz_form(client, reverse("resident_report"), {"community": str(community.pk)}, method="get", examples=10)


def test_fuzz_need_form_triage_and_decline(db, client, worker, report, published, other_community):
    sign_in(client, worker)
    items = [item.pk for item in published.items.all()]
    fuzz_form(client, reverse("work:need_create"), need_post(), id_fields={"catalogue_item": items}, examples=35)
    fuzz_form(client, reverse("work:report_triage", args=[report.pk]), need_post(), examples=20)
    fuzz_form(
        client,
        reverse("work:report_decline", args=[report.pk]),
        {"reason": "不属于社区服务范围", "confirm": "on"},
        examples=20,
    )
    for name in WORKER_FILTERS[:2]:
        fuzz_form(client, reverse(name), {"state": "submitted", "page": "2"}, method="get", examples=10)
    for wrong in WRONG_IDS:
        attempt(client, f"/work/needs/{wrong}/", method="get")
        attempt(client, f"/work/reports/{wrong}/triage/", need_post())


def test_fuzz_assessment_and_decision(db, client, officer, make_need):
    submitted = make_need("submitted")
    assessed = make_need("assessed", title="第二个需求")
    sign_in(client, officer)
    fuzz_form(
        client,
        reverse("work:assess", args=[submitted.pk]),
        {"assessment": "需求真实，属于目录范围", "assessed_cost": "10000.00", "public_answer": "将纳入计划"},
        examples=30,
    )
    fuzz_form(
        client,
        reverse("work:decide", args=[assessed.pk]),
        {"decision": "accept", "public_answer": "同意纳入计划", "override_reason": "", "confirm": "on"},
        examples=30,
    )
    fuzz_form(client, reverse("work:assessment"), {"state": "submitted", "community": str(submitted.community_id),
              "page": "1"}, method="get", examples=10)  # fmt: skip
    for wrong in WRONG_IDS:
        attempt(client, f"/work/assessment/{wrong}/assess/", {"assessment": "x"})


def test_fuzz_public_filters_and_pages(db, client, site, published, make_need, community):
    make_need("submitted")
    filters = {
        "/needs/": {"community": str(community.pk), "category": "A", "status": "submitted", "year": "2026",
                    "page": "1"},
        "/catalogue/": {"q": "养老", "category": "A", "page": "1"},
        "/organizations/": {"q": "阳光", "track": "filed", "kind": "public_service", "community": str(community.pk),
                            "area": "A", "page": "1"},
        "/projects/": {"q": "养老", "method": "public_tender", "community": str(community.pk), "category": "A",
                       "state": "published", "page": "1"},
        "/results/": {"q": "养老", "page": "1"},
    }  # fmt: skip
    for url, base in filters.items():
        fuzz_form(client, url, base, method="get", examples=12)
    for wrong in WRONG_IDS + ["%00", "..", "a" * 300]:
        for section in filters:
            attempt(client, f"{section}{wrong}/", method="get")
