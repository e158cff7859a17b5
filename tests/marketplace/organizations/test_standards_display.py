"""Which entry standards an organization's workspace and the officers' review
page show (``entry_standards.standards_concerning``), how an unmet one reads
(what to do next, not a failure list), a member without a qualification, and
a recorded return reason read in another language (issue 14, items 6 and 10).

Pages are requested in English (the language cookie), so the assertions do
not depend on the state of the Chinese catalogue."""

import pytest
from django.urls import reverse
from django.utils import translation

from marketplace.models import AuditEvent, EntryStandard
from marketplace.organizations.services import entry_standards
from marketplace.organizations.services import organizations as services
from marketplace.organizations.views.review_page import return_reason_text

BASIC = "基本准入标准"
PROFESSIONAL = "专业社工服务准入标准"  # the migration's standard for registered organizations


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _names(standards):
    return {standard.name for standard in standards}


@pytest.mark.django_db
def test_the_standards_concerning_an_organization_follow_its_track(make_org):
    EntryStandard.objects.create(name="备案组织标准", is_standard=True, required_track="filed")
    EntryStandard.objects.create(name="非标准集", required_track="")  # not a standard set: never listed
    filed = make_org("draft")
    registered = make_org("draft", track="registered")
    assert _names(entry_standards.standards_concerning(filed)) == {BASIC, "备案组织标准"}
    assert _names(entry_standards.standards_concerning(registered)) == {BASIC, PROFESSIONAL}


@pytest.mark.django_db
def test_a_new_filed_organization_sees_what_to_do_not_a_failure_list(english, make_org, org_admin):
    organization = make_org("draft", admin=org_admin, documents=[])
    english.force_login(org_admin)
    response = english.get(reverse("orgs:workspace", args=[organization.pk]))
    html = response.content.decode()
    assert [result.standard.name for result in response.context["eligibility"]] == [BASIC]
    assert PROFESSIONAL not in html
    assert "status-ineligible" not in html and "Does not meet it yet" not in html
    assert "Not met yet" in html and "What to do next:" in html
    # Each unmet rule is a next step: submit for review, upload the charter to meet the standard.
    assert "Complete the record and submit it for review" in html
    assert f"Upload Charter to meet “{BASIC}”." in html
    assert "apply once the organization registers" in html
    # A member without a qualification is explained, with how to add one.
    assert "No professional qualification recorded" in html
    assert ">None<" not in html
    assert "choose “Set qualification” next to their name" in html


@pytest.mark.django_db
def test_a_registered_organization_is_shown_the_professional_standard_as_next_steps(english, make_org, org_admin):
    organization = make_org("approved", track="registered", admin=org_admin)
    english.force_login(org_admin)
    response = english.get(reverse("orgs:workspace", args=[organization.pk]))
    html = response.content.decode()
    assert _names(result.standard for result in response.context["eligibility"]) == {BASIC, PROFESSIONAL}
    professional = next(r for r in response.context["eligibility"] if r.standard.name == PROFESSIONAL)
    assert not professional.eligible
    assert all(rule.action for rule in professional.failures)
    assert f"qualification certificate to meet “{PROFESSIONAL}”" in html
    assert f"Upload Annual inspection result to meet “{PROFESSIONAL}”." in html


@pytest.mark.django_db
def test_the_review_page_shows_the_same_standards_and_next_steps(english, officer_user, make_org, site):
    organization = make_org("submitted")
    english.force_login(officer_user)
    response = english.get(reverse("orgreview:detail", args=[organization.pk]))
    html = response.content.decode()
    assert [result.standard.name for result in response.context["eligibility"]] == [BASIC]
    assert PROFESSIONAL not in html
    assert "Not eligible" not in html and "Not met yet" in html
    assert "Next: Wait for the review" in html
    assert "No professional qualification recorded" in html


@pytest.mark.django_db
def test_a_return_reason_recorded_in_chinese_reads_in_english(english, officer_user, make_org, site):
    organization = make_org("submitted")
    with translation.override("zh-hans"):
        services.return_for_changes(organization, by=officer_user, reasons={"documents": "章程缺少盖章页"})
    event = AuditEvent.objects.get(action="organization.return_for_changes")
    assert event.reason == "材料: 章程缺少盖章页"  # recorded in the officer's language
    with translation.override("en"):
        assert return_reason_text(event.reason) == "Documents: 章程缺少盖章页"
        assert return_reason_text("其他说明: 无前缀") == "其他说明: 无前缀"
    english.force_login(officer_user)
    html = english.get(reverse("orgreview:detail", args=[organization.pk])).content.decode()
    assert "Documents: 章程缺少盖章页" in html
    assert "材料: " not in html
