"""A new user's whole way through the organization workspace, with the test
client: three wizard steps (filed track), a charter upload, submission with
confirmation; the officer's return (through the service: the review pages
are tested elsewhere) shown on the workspace and the step page; the fix and
resubmission; approval; then the upgrade to the registered track, refused
with an invalid code and accepted with a valid one, keeping the record."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import Membership, Organization, OrganizationDocument
from marketplace.organizations.services import organizations as services
from tests.org_fixtures import VALID_ID_NUMBER, credit_code, pdf_bytes

PASSWORD = "pw-test-2026"


def _text(response):
    return html.unescape(response.content.decode())


def _field_error(response, name):
    found = re.search(rf'<div id="id_{name}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


@pytest.mark.django_db
def test_sign_in_build_submit_return_fix_approve_and_upgrade(client, make_user, community, categories):
    user = make_user(username="bookkeeper", verified_at=timezone.now())
    officer = make_user("procurement_officer", username="reviewer")
    assert client.login(username="bookkeeper", password=PASSWORD)

    # My organizations: none yet, a start button.
    mine = client.get(reverse("orgs:mine"))
    assert mine.status_code == 200 and 'id="start-organization"' in mine.content.decode()

    # Step 1 (a new draft) → step 2.
    page = client.get(reverse("orgs:start"))
    assert page.status_code == 200
    assert 'aria-current="step"' in page.content.decode()
    assert community.street in _text(page)  # communities are listed under their street
    response = client.post(
        reverse("orgs:start"),
        {
            "name": "阳光助老服务队",
            "track": "filed",
            "kind": "public_service",
            "community": community.pk,
            "service_areas": [categories["A"].pk],
            "description": "为社区老人提供探访和陪伴服务。",
        },
    )
    organization = Organization.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:step", args=[organization.pk, 2])
    assert organization.state == "draft" and organization.wizard_step == 1
    assert Membership.objects.get(organization=organization).user == user
    assert list(organization.service_areas.all()) == [categories["A"]]

    # Step 2 → step 3.
    response = client.post(
        reverse("orgs:step", args=[organization.pk, 2]),
        {
            "contact_name": "张三",
            "contact_phone": "13800138000",
            "contact_email": "",
            "office": "community",
            "office_address": "",
            "staff": "张三\n李四\n王五\n赵六\n钱七",
        },
    )
    assert response["Location"] == reverse("orgs:step", args=[organization.pk, 3])
    assert organization.staff.count() == 5

    # Step 3 (filed: only the founding date) → the workspace.
    step3 = client.get(reverse("orgs:step", args=[organization.pk, 3]))
    assert 'name="credit_code"' not in step3.content.decode()
    response = client.post(reverse("orgs:step", args=[organization.pk, 3]), {"founded_on": "2021-03-15"})
    workspace_url = reverse("orgs:workspace", args=[organization.pk])
    assert response["Location"] == workspace_url
    organization.refresh_from_db()
    assert organization.wizard_step == 3 and str(organization.founded_on) == "2021-03-15"

    # The workspace says the charter is missing and links to the documents page; no submit yet.
    workspace = client.get(workspace_url)
    submit_url = reverse("orgs:submit", args=[organization.pk])
    assert len(workspace.context["missing"]) == 1
    assert workspace.context["missing"][0]["url"] == reverse("orgs:documents", args=[organization.pk])
    assert f'action="{submit_url}"' not in workspace.content.decode()

    # Upload the charter (a real PDF).
    response = client.post(
        reverse("orgs:documents", args=[organization.pk]),
        {
            "kind": "charter",
            "title": "章程",
            "expires_on": "",
            "file": SimpleUploadedFile("章程.pdf", pdf_bytes("charter"), content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    charter = OrganizationDocument.objects.get(organization=organization)
    assert charter.kind == "charter" and charter.content_type == "application/pdf"

    # Nothing missing: the confirmation checkbox and the submit button.
    workspace = client.get(workspace_url)
    assert workspace.context["missing"] == []
    assert f'action="{submit_url}"' in workspace.content.decode()
    assert 'name="confirm"' in workspace.content.decode()
    # Without ticking the box nothing happens; with it, the organization is submitted.
    assert client.post(submit_url, {}).status_code == 200
    organization.refresh_from_db()
    assert organization.state == "draft"
    response = client.post(submit_url, {"confirm": "on"})
    assert response["Location"] == workspace_url
    organization.refresh_from_db()
    assert organization.state == "submitted"
    # Under review: the steps are closed.
    assert client.get(reverse("orgs:step", args=[organization.pk, 1]))["Location"] == workspace_url

    # The officer returns it with reasons (the review pages are another module's).
    services.return_for_changes(
        organization,
        by=officer,
        reasons={"basics": "名称请与社区推荐函一致：阳光助老志愿服务队", "staff": "请补充第六名成员"},
    )
    workspace = client.get(workspace_url)
    text = _text(workspace)
    assert "名称请与社区推荐函一致：阳光助老志愿服务队" in text and "请补充第六名成员" in text
    assert 'class="status status-returned"' in text
    step1 = client.get(reverse("orgs:step", args=[organization.pk, 1]))
    assert "名称请与社区推荐函一致：阳光助老志愿服务队" in _text(step1)
    assert "请补充第六名成员" not in _text(step1)  # that one belongs to step 2
    assert "请补充第六名成员" in _text(client.get(reverse("orgs:step", args=[organization.pk, 2])))
    assert "名称请与社区推荐函一致" not in _text(client.get(reverse("orgs:step", args=[organization.pk, 3])))

    # Fix both and resubmit.
    response = client.post(
        reverse("orgs:step", args=[organization.pk, 1]),
        {
            "name": "阳光助老志愿服务队",
            "track": "filed",
            "kind": "public_service",
            "community": community.pk,
            "service_areas": [categories["A"].pk, categories["B"].pk],
            "description": "为社区老人提供探访和陪伴服务。",
        },
    )
    assert response["Location"] == reverse("orgs:step", args=[organization.pk, 2])
    response = client.post(
        reverse("orgs:step", args=[organization.pk, 2]),
        {
            "contact_name": "张三",
            "contact_phone": "13800138000",
            "contact_email": "",
            "office": "community",
            "office_address": "",
            "staff": "张三\n李四\n王五\n赵六\n钱七\n孙八",
        },
    )
    assert response.status_code == 302
    assert client.post(submit_url, {"confirm": "on"})["Location"] == workspace_url
    organization.refresh_from_db()
    assert organization.state == "submitted" and organization.name == "阳光助老志愿服务队"
    assert organization.staff.count() == 6

    # Approved by the officer.
    services.approve(organization, by=officer)
    workspace = client.get(workspace_url)
    assert 'class="status status-approved"' in workspace.content.decode()
    upgrade_url = reverse("orgs:upgrade", args=[organization.pk])
    assert upgrade_url in workspace.content.decode()

    # Upgrade: an invalid code is refused with the exact message, the typed values kept.
    good = credit_code(4242)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = {
        "founded_on": "2021-03-15",
        "credit_code": bad,
        "registration_authority": "长沙市岳麓区民政局",
        "legal_type": "social_group",
        "legal_representative": "张三",
        "legal_representative_id_number": VALID_ID_NUMBER,
        "registered_capital": "5000",
    }
    response = client.post(upgrade_url, data)
    assert response.status_code == 200
    with translation.override("zh-hans"):
        with pytest.raises(services.OrganizationError) as refused:
            services.validate_credit_code(bad)
    assert _field_error(response, "credit_code") == refused.value.message
    assert f'value="{bad}"' in response.content.decode()
    organization.refresh_from_db()
    assert organization.track == "filed" and organization.credit_code is None

    # A valid one: registered, same record, still approved.
    response = client.post(upgrade_url, {**data, "credit_code": good})
    assert response["Location"] == workspace_url
    upgraded = Organization.objects.get(pk=organization.pk)
    assert upgraded.track == "registered" and upgraded.credit_code == good
    assert upgraded.state == "approved" and upgraded.upgraded_at is not None
    assert upgraded.documents.filter(pk=charter.pk).exists() and upgraded.staff.count() == 6
    workspace = client.get(workspace_url)
    assert good in workspace.content.decode()
    assert upgrade_url not in workspace.content.decode()
