"""Fuzzed input on the organization workspace (the three wizard steps, the
upgrade to the registered track, a staff member's qualification, document
upload, submission) and on the officers' review (queue filters and every
decision form) (harness: ``test_fuzz_support``)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from tests.org_fixtures import STAFF, VALID_ID_NUMBER, credit_code
from tests.security.test_fuzz_support import WRONG_IDS, attempt, fuzz_form, sign_in


def registration_post(n=7):
    return {
        "founded_on": "2020-05-01",
        "credit_code": credit_code(n, prefix="52430104"),
        "registration_authority": "长沙市岳麓区民政局",
        "legal_type": "social_service",
        "legal_representative": "张三",
        "legal_representative_id_number": VALID_ID_NUMBER,
        "registered_capital": "30000",
    }


def test_fuzz_organization_wizard(db, client, org_admin, make_org, community, categories, other_community):
    draft = make_org("draft", admin=org_admin)
    filed = make_org("approved", admin=org_admin, name="已备案组织")
    stranger = make_org("draft")
    sign_in(client, org_admin)
    step1 = {
        "name": "阳光助老服务队",
        "track": "filed",
        "kind": "public_service",
        "community": str(community.pk),
        "service_areas": [str(categories["A"].pk)],
        "description": "为社区老人提供探访和陪伴服务。",
    }
    ids = {"community": [other_community.pk, 10**6], "service_areas": [categories["A01"].pk, 10**6]}
    fuzz_form(client, reverse("orgs:start"), step1, id_fields=ids, examples=25)
    fuzz_form(client, reverse("orgs:step", args=[draft.pk, 1]), step1, id_fields=ids, examples=20)
    step2 = {
        "contact_name": "张三",
        "contact_phone": "13800138000",
        "contact_email": "contact@example.test",
        "office": "own",
        "office_address": "东城街道1号",
        "staff": "\n".join(STAFF),
    }
    fuzz_form(client, reverse("orgs:step", args=[draft.pk, 2]), step2, examples=30)
    fuzz_form(client, reverse("orgs:step", args=[draft.pk, 3]), {"founded_on": "2020-05-01"}, examples=15)
    fuzz_form(client, reverse("orgs:upgrade", args=[filed.pk]), registration_post(), examples=35)
    staff = draft.staff.first()
    fuzz_form(client, reverse("orgs:staff", args=[draft.pk, staff.pk]), {"qualification": "social_worker"},
              examples=10)  # fmt: skip
    expires = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()
    fuzz_form(
        client,
        reverse("orgs:documents", args=[draft.pk]),
        {"kind": "qualification", "title": "社工证", "expires_on": expires, "staff_member": str(staff.pk)},
        id_fields={"staff_member": [stranger.staff.first().pk]},
        files=["file"],
        examples=30,
    )
    fuzz_form(client, reverse("orgs:documents", args=[draft.pk]), {"kind": "qualification", "staff": str(staff.pk)},
              method="get", examples=10)  # fmt: skip
    fuzz_form(client, reverse("orgs:submit", args=[draft.pk]), {"confirm": "on"}, examples=10)
    for wrong in WRONG_IDS:
        attempt(client, f"/org/{draft.pk}/step/{wrong}/", step2)
        attempt(client, f"/org/{draft.pk}/staff/{wrong}/", {"qualification": "other"})
        attempt(client, f"/org/{draft.pk}/documents/{wrong}/", method="get")
    for step in (1, 2, 3, 4, 0, 99999999999999999999):
        attempt(client, f"/org/{stranger.pk}/step/{step}/", step2)


def test_fuzz_organization_review(db, client, officer_user, make_org, community):
    submitted = make_org("submitted")
    approved = make_org("approved")
    suspended = make_org("suspended")
    registered = make_org("submitted", track="registered")
    sign_in(client, officer_user)
    fuzz_form(client, reverse("orgreview:queue"), {"state": "submitted", "track": "filed", "kind": "public_service",
              "community": str(community.pk), "q": "组织", "page": "1"}, method="get", examples=15)  # fmt: skip
    later = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    decisions = [
        ("return", submitted, {"return-basics": "名称不完整", "return-staff": "", "return-confirm": "on"}),
        ("approve", submitted, {"approve-note": "材料齐全", "approve-confirm": "on"}),
        ("suspend", approved, {"suspend-reason": "年检未通过", "suspend-confirm": "on"}),
        (
            "blacklist",
            approved,
            {"blacklist-reason": "提供虚假材料", "blacklist-until": later, "blacklist-confirm": "on"},
        ),  # fmt: skip
        ("reinstate", suspended, {"reinstate-reason": "已整改", "reinstate-confirm": "on"}),
        ("confirm_registration", registered, {"confirm_registration-note": "", "confirm_registration-confirm": "on"}),
    ]
    for name, organization, base in decisions:
        fuzz_form(client, reverse(f"orgreview:{name}", args=[organization.pk]), {**base, "back": "state=submitted"},
                  examples=12)  # fmt: skip
    fuzz_form(client, reverse("orgreview:detail", args=[submitted.pk]), {"doc": "1", "back": "state=submitted"},
              method="get", examples=10)  # fmt: skip
    for wrong in WRONG_IDS:
        attempt(client, f"/work/organizations/{wrong}/approve/", {"approve-confirm": "on"})
        attempt(client, f"/work/organizations/{submitted.pk}/documents/{wrong}/", method="get")
        attempt(client, f"/work/organizations/{submitted.pk}/", {"doc": wrong, "back": wrong}, method="get")
