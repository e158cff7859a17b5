"""Fuzzed input on the officers' project workbench (the project form and its
rubric formset, return, cancel, addendum, answers, documents, the list's
filters) and on the organizations' bid pages (the bid form, PDF upload,
questions, submit, withdraw, the lists' filters) (harness:
``test_fuzz_support``)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from marketplace.models import Project
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import projects as project_services
from tests.project_fixtures import fill_bid
from tests.security.test_fuzz_support import WRONG_IDS, attempt, fuzz_form, sign_in


def project_post(project_data_ids, **overrides):
    """The project form as a browser posts it, rubric formset included."""
    start = timezone.localdate() + datetime.timedelta(days=60)
    deadline = timezone.localdate() + datetime.timedelta(days=40)
    data = {
        "title": "和平社区居家养老上门服务",
        "purchaser": "东城街道办事处",
        "catalogue_items": [str(project_data_ids["item"])],
        "communities": [str(project_data_ids["community"])],
        "budget": "150000.00",
        "budget_override_reason": "",
        "method": str(project_data_ids["method"]),
        "named_organization": "",
        "justification": "",
        "entry_standard": str(project_data_ids["entry_standard"]),
        "service_start": start.isoformat(),
        "service_end": (start + datetime.timedelta(days=300)).isoformat(),
        "period_justification": "",
        "deadline_date": deadline.isoformat(),
        "deadline_time": "17:00",
        "min_valid_bids": "",
        "description": "为社区60岁以上独居老人提供助洁、助浴、助餐上门服务。",
        "requirements": "服务团队至少2名持证社工。",
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
        "criteria-0-name": "价格",
        "criteria-0-weight": "20",
        "criteria-0-is_price": "on",
        "criteria-1-name": "服务方案",
        "criteria-1-weight": "50",
        "criteria-1-max_score": "50",
        "criteria-1-description": "方案完整、可行",
        "criteria-2-name": "团队与经验",
        "criteria-2-weight": "30",
        "criteria-2-max_score": "30",
    }
    data.update(overrides)
    return data


def test_fuzz_project_form_and_rubric(db, client, officer, make_project, make_org, community, other_community):
    draft = make_project("draft")
    ids = {
        "item": draft.catalogue_items.first().pk,
        "community": community.pk,
        "method": draft.method_id,
        "entry_standard": draft.entry_standard_id,
    }
    sign_in(client, officer)
    wrong = {
        "catalogue_items": [ids["item"], 10**6],
        "communities": [other_community.pk],
        "named_organization": [make_org("draft").pk],
        "method": [ids["method"] + 100],
        "entry_standard": [ids["entry_standard"] + 100],
    }
    base = project_post(ids)
    fuzz_form(client, reverse("projects:create"), base, id_fields=wrong, examples=40)
    # The rubric alone: its management form and rows.
    rubric = [key for key in base if key.startswith("criteria-")]
    fuzz_form(client, reverse("projects:create"), base, fields=rubric, examples=30)
    fuzz_form(client, reverse("projects:create"), {**base, "add_criterion": "1"}, fields=rubric, examples=10)
    fuzz_form(client, reverse("projects:edit", args=[draft.ref]), base, id_fields=wrong, examples=25)
    # The new-project page pre-filled from a need or a catalogue item (?need=<id>&item=<code>).
    fuzz_form(client, reverse("projects:create"), {"need": "1", "item": "A0101"}, method="get", examples=12)
    fuzz_form(client, reverse("projects:index"), {"state": "draft", "method": str(ids["method"]),
              "community": str(community.pk), "q": "养老", "page": "1"}, method="get", examples=15)  # fmt: skip


def test_fuzz_project_actions(db, client, officer, second_officer, make_project, bidder, org_admin):
    pending = make_project("pending_approval")
    published = make_project("published", title="已发布的项目", budget_override_reason="测试：超出社区资金")
    clarification = project_services.ask_question(
        published, organization=bidder, by=org_admin, question="服务时间是否包括周末？"
    )
    sign_in(client, second_officer)
    fuzz_form(client, reverse("projects:return", args=[pending.ref]), {"return-reason": "预算说明不足"}, examples=15)
    fuzz_form(client, reverse("projects:approve", args=[pending.ref]), {"approve-confirm": "on"}, examples=10)
    sign_in(client, officer)
    fuzz_form(
        client,
        reverse("projects:cancel", args=[published.ref]),
        {"cancel-reason": "需求变化", "cancel-confirm": "on"},
        examples=15,
    )
    later = timezone.localdate() + datetime.timedelta(days=50)
    fuzz_form(
        client,
        reverse("projects:addendum", args=[published.ref]),
        {
            "addendum-text": "补充说明",
            "addendum-new_deadline_date": later.isoformat(),
            "addendum-new_deadline_time": "17:00",
            "addendum-confirm": "on",
        },  # fmt: skip
        examples=25,
    )
    prefix = f"q{clarification.pk}"
    fuzz_form(
        client,
        reverse("projects:answer", args=[published.ref, clarification.pk]),
        {f"{prefix}-answer": "包括周末。"},
        examples=15,
    )
    draft = make_project("draft", title="草稿项目", budget_override_reason="测试：超出社区资金")
    fuzz_form(
        client,
        reverse("projects:documents", args=[draft.ref]),
        {"doc-kind": "call", "doc-title": "招标文件"},
        files=["doc-file"],
        examples=25,
    )
    for wrong in WRONG_IDS + ["%00", "P-\x00", "a" * 300]:
        attempt(client, f"/work/projects/{wrong}/", method="get")
        attempt(client, f"/work/projects/{wrong}/cancel/", {"cancel-reason": "x", "cancel-confirm": "on"})
        attempt(client, f"/work/projects/{published.ref}/questions/{wrong}/answer/", {"answer": "x"})
        attempt(client, f"/work/projects/{published.ref}/documents/{wrong}/remove/", {})


def test_fuzz_bid_pages(db, client, make_project, bidder, org_admin, make_org):
    project = make_project("published")
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    fill_bid(bid, org_admin)
    other_org = make_org("approved", name="别的组织")
    sign_in(client, org_admin)
    url = reverse("orgs:bid", args=[bidder.pk, project.ref])
    criteria = [c for c in project.criteria.all() if not c.is_price]
    base = {"action": "save", "price": "120000.00", "team": "持证社工3名", "experience": "三年居家养老服务经验"}
    base.update({f"response_{c.pk}": f"关于{c.name}的响应" for c in criteria})
    fuzz_form(client, url, base, extra_keys=("response_999999", "response_x"), examples=40)
    fuzz_form(client, url, {"action": "upload", "doc-title": "服务方案"}, files=["doc-file"], examples=30)
    fuzz_form(client, url, {"action": "start"}, examples=5)
    fuzz_form(client, reverse("orgs:ask", args=[bidder.pk, project.ref]), {"question": "服务时间是否包括周末？"},
              examples=20)  # fmt: skip
    fuzz_form(client, reverse("orgs:bid_submit", args=[bidder.pk, project.ref]), {"submit-confirm": "on"},
              examples=10)  # fmt: skip
    fuzz_form(client, reverse("orgs:bid_withdraw", args=[bidder.pk, project.ref]), {"withdraw-confirm": "on"},
              examples=10)  # fmt: skip
    fuzz_form(client, reverse("orgs:calls", args=[bidder.pk]), {"show": "eligible", "method": "1", "q": "养老"},
              method="get", examples=15)  # fmt: skip
    fuzz_form(client, reverse("orgs:bids", args=[bidder.pk]), {"state": "draft", "q": "养老"}, method="get",
              examples=10)  # fmt: skip
    for wrong in WRONG_IDS + ["%00", "a" * 300]:
        attempt(client, f"/org/{bidder.pk}/bids/{wrong}/", base)
        attempt(client, f"/org/{other_org.pk}/bids/{project.ref}/", base)
        attempt(client, f"/org/{bidder.pk}/bids/{project.ref}/documents/{wrong}/remove/", {})
        attempt(client, f"/org/{bidder.pk}/bids/{project.ref}/receipts/{wrong}/", method="get")
    assert Project.objects.filter(pk=project.pk, state=Project.State.PUBLISHED).exists()
