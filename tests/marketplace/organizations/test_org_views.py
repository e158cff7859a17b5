"""The organization workspace pages (/org/): who may open them (every page
from the refused user's side), and that every form shows its error next to
the field, keeps what was typed and changes nothing."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import uscc

from marketplace.models import (
    AuditEvent,
    EntryStandard,
    Membership,
    Organization,
    OrganizationDocument,
    StaffMember,
    User,
)
from marketplace.organizations.services import entry_standards, memberships
from marketplace.organizations.services import organizations as services
from tests.org_fixtures import VALID_ID_NUMBER, credit_code, pdf_bytes, step1_data

TICK_TO_CONFIRM = "请勾选确认。"  # "Tick the box to confirm." (already translated)


# --- helpers --------------------------------------------------------------------------------


def field_errors(response, name):
    """The error text shown next to the form field ``name`` ("" if none)."""
    content = response.content.decode()
    found = re.search(rf'<div id="id_{name}_error">(.*?)</div>', content, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def input_value(response, name):
    content = response.content.decode()
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', content)
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def textarea_value(response, name):
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S)
    assert found, f"no textarea {name}"
    return html.unescape(found.group(1)).strip()


def checked_value(response, name):
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode()):
        if " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def service_message(call, *args, **kwargs):
    """The message a validation function gives, in the site's language."""
    with translation.override("zh-hans"):
        with pytest.raises(services.OrganizationError) as caught:
            call(*args, **kwargs)
    return caught.value.message


def translated(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


def snapshot():
    return (
        list(Organization.objects.order_by("pk").values()),
        list(StaffMember.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(OrganizationDocument.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def lettered_credit_code(body="51430104MA4L12345"):
    """A valid code with letters in it (the organization-code part)."""
    return body + uscc.calc_check_digit(body)


def registration_post(n=1, **overrides):
    data = {
        "founded_on": "2020-05-01",
        "credit_code": credit_code(n),
        "registration_authority": "长沙市岳麓区民政局",
        "legal_type": "social_service",
        "legal_representative": "张三",
        "legal_representative_id_number": VALID_ID_NUMBER,
        "registered_capital": "30000",
    }
    data.update(overrides)
    return data


def step2_post(**overrides):
    data = {
        "contact_name": "周八",
        "contact_phone": "13900139000",
        "contact_email": "",
        "office": "community",
        "office_address": "",
        "staff": "周八\n吴九\n郑十\n王十一",
    }
    data.update(overrides)
    return data


@pytest.fixture
def verified(make_user):
    def make(*roles, **fields):
        return make_user(*roles, verified_at=timezone.now(), **fields)

    return make


@pytest.fixture
def org(make_org, org_admin):
    return make_org("draft", admin=org_admin)


# --- access -----------------------------------------------------------------------------------


def org_urls(organization):
    staff = organization.staff.first()
    pk = organization.pk
    return [
        reverse("orgs:workspace", args=[pk]),
        reverse("orgs:step", args=[pk, 1]),
        reverse("orgs:step", args=[pk, 2]),
        reverse("orgs:step", args=[pk, 3]),
        reverse("orgs:submit", args=[pk]),
        reverse("orgs:upgrade", args=[pk]),
        reverse("orgs:staff", args=[pk, staff.pk]),
        reverse("orgs:documents", args=[pk]),
    ]


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_from_every_page(client, org):
    document = org.documents.first()
    urls = [
        reverse("orgs:mine"),
        reverse("orgs:start"),
        *org_urls(org),
        reverse("orgs:document", args=[org.pk, document.pk]),
    ]
    before = snapshot()
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert snapshot() == before


@pytest.fixture(params=["stranger", "other_member", "officer", "worker"])
def outsider(request, verified, make_org, community):
    """Someone who is not a member of the organization under test."""
    if request.param == "stranger":
        return verified()
    if request.param == "other_member":
        user = verified("organization_member")
        make_org("approved", admin=user)
        return user
    if request.param == "officer":
        return verified("procurement_officer")
    return verified("community_worker", community=community)


@pytest.mark.django_db
def test_non_members_are_refused_every_page_and_change_nothing(client, org, outsider):
    client.force_login(outsider)
    before = snapshot()
    urls = org_urls(org)
    for url in urls:
        assert client.get(url).status_code == 404, url  # as for a missing id (issue 12)
    posts = {
        urls[1]: {"name": "篡改的名称", "track": "filed", "kind": "public_service", "community": org.community_id},
        urls[2]: step2_post(staff="甲\n乙\n丙\n丁\n戊"),
        urls[3]: {"founded_on": "2019-01-01"},
        urls[4]: {"confirm": "on"},
        urls[5]: registration_post(7),
        urls[6]: {"qualification": "social_worker"},
        urls[7]: {"kind": "charter", "file": SimpleUploadedFile("c.pdf", pdf_bytes(), "application/pdf")},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before


@pytest.mark.django_db
def test_document_file_is_refused_to_others(client, org, verified, make_org, community):
    document = org.documents.first()
    url = reverse("orgs:document", args=[org.pk, document.pk])
    other_member = verified("organization_member")
    make_org("approved", admin=other_member)
    for user in (verified(), other_member, verified("community_worker", community=community)):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()


@pytest.mark.django_db
def test_document_file_served_to_members_and_only_under_its_own_organization(client, org, org_admin, make_org):
    document = org.documents.first()
    client.force_login(org_admin)
    response = client.get(reverse("orgs:document", args=[org.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # The same document under another organization's address: not found.
    other = make_org("draft", admin=org_admin)
    assert client.get(reverse("orgs:document", args=[other.pk, document.pk])).status_code == 404


@pytest.mark.django_db
def test_plain_member_cannot_upgrade(client, make_org, verified):
    organization = make_org("approved")
    member = verified("organization_member")
    Membership.objects.create(organization=organization, user=member, role=Membership.Role.MEMBER)
    client.force_login(member)
    before = snapshot()
    assert client.get(reverse("orgs:workspace", args=[organization.pk])).status_code == 200
    assert client.get(reverse("orgs:upgrade", args=[organization.pk])).status_code == 403
    assert client.post(reverse("orgs:upgrade", args=[organization.pk]), registration_post(3)).status_code == 403
    assert snapshot() == before
    workspace = client.get(reverse("orgs:workspace", args=[organization.pk])).content.decode()
    assert reverse("orgs:upgrade", args=[organization.pk]) not in workspace


@pytest.mark.django_db
def test_unverified_user_sees_the_notice_and_cannot_start(client, make_user, community):
    user = make_user()  # verified_at is None: signed up, contact not confirmed
    client.force_login(user)
    mine = client.get(reverse("orgs:mine"))
    assert mine.status_code == 200
    assert 'id="verify-notice"' in mine.content.decode()
    assert 'id="start-organization"' not in mine.content.decode()
    response = client.get(reverse("orgs:start"))
    assert response.status_code == 403 and 'id="verify-notice"' in response.content.decode()
    before = snapshot()
    data = {"name": "新组织", "track": "filed", "kind": "public_service", "community": community.pk}
    assert client.post(reverse("orgs:start"), data).status_code == 403
    assert snapshot() == before


@pytest.mark.django_db
def test_my_organizations_lists_only_mine_with_status(client, org, org_admin, make_org):
    make_org("approved", name="别人的组织")
    client.force_login(org_admin)
    content = client.get(reverse("orgs:mine")).content.decode()
    assert org.name in content and "别人的组织" not in content
    assert 'class="status status-draft"' in content
    assert 'id="start-organization"' in content


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["submitted", "approved", "suspended", "blacklisted"])
def test_steps_of_an_organization_under_review_or_decided_redirect_to_the_workspace(client, make_org, org_admin, state):
    organization = make_org(state, admin=org_admin)
    client.force_login(org_admin)
    before = snapshot()
    for step in (1, 2, 3):
        url = reverse("orgs:step", args=[organization.pk, step])
        for response in (client.get(url), client.post(url, step2_post())):
            assert response.status_code == 302
            assert response["Location"] == reverse("orgs:workspace", args=[organization.pk])
    assert snapshot() == before


@pytest.mark.django_db
def test_unknown_step_is_not_found(client, org, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("orgs:step", args=[org.pk, 4])).status_code == 404


# --- the wizard's bad input ------------------------------------------------------------------


@pytest.mark.django_db
def test_start_without_name_or_community_keeps_the_typed_values(client, verified):
    client.force_login(verified())
    before = snapshot()
    response = client.post(
        reverse("orgs:start"), {"name": "", "track": "registered", "kind": "rights", "description": "维护居民权益"}
    )
    assert response.status_code == 200
    assert field_errors(response, "name") and field_errors(response, "community")
    assert checked_value(response, "track") == "registered"
    assert checked_value(response, "kind") == "rights"
    assert textarea_value(response, "description") == "维护居民权益"
    assert snapshot() == before


@pytest.mark.django_db
def test_start_refuses_a_phone_number_in_the_published_name(client, verified, community):
    client.force_login(verified())
    before = snapshot()
    name = "张阿姨互助队 13800138000"
    response = client.post(
        reverse("orgs:start"),
        {"name": name, "track": "filed", "kind": "public_service", "community": community.pk},
    )
    assert response.status_code == 200
    assert field_errors(response, "name")  # the service's refusal, next to the name
    assert input_value(response, "name") == name
    assert snapshot() == before


@pytest.mark.django_db
def test_step2_with_four_names_shows_the_error_and_keeps_the_values(client, org, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    url = reverse("orgs:step", args=[org.pk, 2])
    response = client.post(url, step2_post())
    assert response.status_code == 200
    expected = service_message(services.clean_staff_names, ["周八", "吴九", "郑十", "王十一"])
    assert field_errors(response, "staff") == expected
    assert textarea_value(response, "staff") == "周八\n吴九\n郑十\n王十一"
    assert input_value(response, "contact_name") == "周八"
    assert input_value(response, "contact_phone") == "13900139000"
    assert snapshot() == before


@pytest.mark.django_db
def test_step2_own_office_needs_an_address_and_a_contact(client, org, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    response = client.post(
        reverse("orgs:step", args=[org.pk, 2]),
        step2_post(office="own", contact_phone="", contact_email="", staff="甲\n乙\n丙\n丁\n戊"),
    )
    assert response.status_code == 200
    assert field_errors(response, "office_address") and field_errors(response, "contact_phone")
    assert checked_value(response, "office") == "own"
    assert snapshot() == before


@pytest.mark.django_db
def test_step3_registered_with_a_bad_credit_code(client, make_org, org_admin):
    organization = make_org("draft", admin=org_admin, track="registered")
    client.force_login(org_admin)
    before = snapshot()
    good = credit_code(55)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    response = client.post(
        reverse("orgs:step", args=[organization.pk, 3]), registration_post(credit_code=bad, registered_capital="2999")
    )
    assert response.status_code == 200
    assert field_errors(response, "credit_code") == service_message(services.validate_credit_code, bad)
    # Every error at once: the capital below the minimum is shown too.
    assert field_errors(response, "registered_capital") == service_message(
        services.validate_capital, "social_service", Decimal("2999")
    )
    assert input_value(response, "credit_code") == bad
    assert input_value(response, "registration_authority") == "长沙市岳麓区民政局"
    assert input_value(response, "legal_representative_id_number") == VALID_ID_NUMBER
    assert snapshot() == before


@pytest.mark.django_db
def test_step3_filed_shows_only_the_founding_date_and_refuses_the_future(client, org, org_admin):
    client.force_login(org_admin)
    url = reverse("orgs:step", args=[org.pk, 3])
    page = client.get(url)
    assert 'name="founded_on"' in page.content.decode()
    assert 'name="credit_code"' not in page.content.decode()
    before = snapshot()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"founded_on": tomorrow})
    assert response.status_code == 200 and field_errors(response, "founded_on")
    assert input_value(response, "founded_on") == tomorrow
    assert snapshot() == before


@pytest.mark.django_db
def test_step_indicator_marks_the_current_step(client, org, org_admin):
    client.force_login(org_admin)
    content = client.get(reverse("orgs:step", args=[org.pk, 2])).content.decode()
    current = re.findall(r'<li class="wizard-step[^"]*" aria-current="step">', content)
    assert len(current) == 1
    assert re.search(r'aria-current="step"><span class="wizard-number" aria-hidden="true">2</span>', content)
    assert "第 2 步，共 3 步" in content or "Step 2 of 3" in content


@pytest.mark.django_db
def test_step_pages_are_prefilled(client, org, org_admin):
    client.force_login(org_admin)
    step1 = client.get(reverse("orgs:step", args=[org.pk, 1]))
    assert input_value(step1, "name") == org.name
    assert checked_value(step1, "kind") == org.kind
    step2 = client.get(reverse("orgs:step", args=[org.pk, 2]))
    assert textarea_value(step2, "staff") == "\n".join(org.staff.values_list("name", flat=True))
    assert input_value(step2, "contact_name") == org.contact_name


# --- submission -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_without_the_confirmation_changes_nothing(client, org, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    response = client.post(reverse("orgs:submit", args=[org.pk]), {})
    assert response.status_code == 200
    assert field_errors(response, "confirm") == TICK_TO_CONFIRM
    assert snapshot() == before


@pytest.mark.django_db
def test_submit_with_something_missing_shows_it_as_a_message(client, make_org, org_admin):
    organization = make_org("draft", admin=org_admin, documents=[])
    client.force_login(org_admin)
    before = snapshot()
    response = client.post(reverse("orgs:submit", args=[organization.pk]), {"confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("orgs:workspace", args=[organization.pk])
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0].startswith(translated("Still missing: %(items)s").split("%")[0])
    assert snapshot() == before
    # The workspace lists what is missing with a link to the documents page, and offers no submit button.
    content = response.content.decode()
    assert reverse("orgs:documents", args=[organization.pk]) in content
    assert f'action="{reverse("orgs:submit", args=[organization.pk])}"' not in content


# --- upgrade ------------------------------------------------------------------------------------


@pytest.fixture
def approved_filed(make_org, org_admin):
    return make_org("approved", admin=org_admin)


@pytest.mark.django_db
def test_upgrade_with_a_lower_case_code_shows_the_exact_message(client, approved_filed, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    lower = lettered_credit_code().lower()
    response = client.post(reverse("orgs:upgrade", args=[approved_filed.pk]), registration_post(credit_code=lower))
    assert response.status_code == 200
    assert field_errors(response, "credit_code") == service_message(services.validate_credit_code, lower)
    assert input_value(response, "credit_code") == lower
    assert input_value(response, "legal_representative") == "张三"
    assert input_value(response, "registered_capital") == "30000"
    assert snapshot() == before


@pytest.mark.django_db
def test_upgrade_with_a_duplicate_code_is_refused_on_the_field(client, approved_filed, org_admin, make_org):
    taken = make_org("approved", track="registered")
    client.force_login(org_admin)
    before = snapshot()
    response = client.post(
        reverse("orgs:upgrade", args=[approved_filed.pk]), registration_post(credit_code=taken.credit_code)
    )
    assert response.status_code == 200
    assert field_errors(response, "credit_code") == translated(
        "Another organization on the platform already uses this unified social credit code."
    )
    assert input_value(response, "credit_code") == taken.credit_code
    assert snapshot() == before


@pytest.mark.django_db
def test_upgrade_with_capital_below_the_threshold(client, approved_filed, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    response = client.post(
        reverse("orgs:upgrade", args=[approved_filed.pk]),
        registration_post(legal_type="foundation", registered_capital="500000"),
    )
    assert response.status_code == 200
    assert field_errors(response, "registered_capital") == service_message(
        services.validate_capital, "foundation", Decimal("500000")
    )
    assert checked_value(response, "legal_type") == "foundation"
    assert input_value(response, "registered_capital") == "500000"
    assert snapshot() == before


@pytest.mark.django_db
def test_registered_organization_has_no_upgrade(client, make_org, org_admin):
    organization = make_org("approved", admin=org_admin, track="registered")
    client.force_login(org_admin)
    before = snapshot()
    response = client.post(reverse("orgs:upgrade", args=[organization.pk]), registration_post(31))
    assert response.status_code == 302 and response["Location"] == reverse("orgs:workspace", args=[organization.pk])
    assert snapshot() == before


# --- qualification ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_set_qualification(client, org, org_admin):
    person = org.staff.first()
    client.force_login(org_admin)
    url = reverse("orgs:staff", args=[org.pk, person.pk])
    before = snapshot()
    response = client.post(url, {"qualification": "doctor"})
    assert response.status_code == 200 and field_errors(response, "qualification")
    assert snapshot() == before
    response = client.post(url, {"qualification": "social_worker"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.qualification == "social_worker"


@pytest.mark.django_db
def test_staff_of_another_organization_is_not_found(client, org, org_admin, make_org):
    other = make_org("draft")
    client.force_login(org_admin)
    url = reverse("orgs:staff", args=[org.pk, other.staff.first().pk])
    assert client.post(url, {"qualification": "social_worker"}).status_code == 404
    assert not StaffMember.objects.filter(qualification="social_worker").exists()


# --- documents ------------------------------------------------------------------------------------


def upload(client, organization, content, name="charter.pdf", content_type="application/pdf", **fields):
    data = {"kind": "charter", "title": "组织章程", "expires_on": "", **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(reverse("orgs:documents", args=[organization.pk]), data)


@pytest.mark.django_db
def test_upload_of_html_named_pdf_is_refused(client, org, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    response = upload(client, org, b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    assert response.status_code == 200
    assert field_errors(response, "file")
    assert input_value(response, "title") == "组织章程"
    assert snapshot() == before


@pytest.mark.django_db
def test_upload_of_an_oversize_file_is_refused(client, org, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    with override_settings(ORGANIZATION_DOCUMENT_MAX_BYTES=1024):
        response = upload(client, org, pdf_bytes("x" * 4000), expires_on="2031-12-31")
    assert response.status_code == 200
    assert field_errors(response, "file")
    assert input_value(response, "expires_on") == "2031-12-31"
    assert snapshot() == before


@pytest.mark.django_db
def test_upload_of_a_qualification_needs_the_person(client, org, org_admin):
    client.force_login(org_admin)
    before = snapshot()
    response = upload(client, org, pdf_bytes(), kind="qualification")
    assert response.status_code == 200 and field_errors(response, "staff_member")
    assert snapshot() == before


@pytest.mark.django_db
def test_upload_form_and_listing(client, org, org_admin):
    today = timezone.localdate()
    OrganizationDocument.objects.filter(organization=org).update(expires_on=today + datetime.timedelta(days=10))
    client.force_login(org_admin)
    response = client.get(reverse("orgs:documents", args=[org.pk]))
    content = response.content.decode()
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in content
    assert 'class="status status-expiring"' in content
    assert "charter.pdf" in content
    response = upload(client, org, pdf_bytes("new charter"), name="新章程.pdf")
    assert response.status_code == 302
    current = OrganizationDocument.objects.filter(organization=org, kind="charter", replaced_by__isnull=True)
    assert [d.original_name for d in current] == ["新章程.pdf"]
    content = client.get(reverse("orgs:documents", args=[org.pk])).content.decode()
    assert "新章程.pdf" in content and 'id="history-title"' in content


# --- workspace ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_workspace_shows_reasons_and_eligibility(client, make_org, org_admin):
    organization = make_org("returned", admin=org_admin)
    Organization.objects.filter(pk=organization.pk).update(return_reasons={"staff": "名单中有重复的人"})
    client.force_login(org_admin)
    content = client.get(reverse("orgs:workspace", args=[organization.pk])).content.decode()
    assert "名单中有重复的人" in content
    assert reverse("orgs:step", args=[organization.pk, 2]) in content
    # A filed organization sees the standards open to its track, unmet ones as next steps.
    assert "基本准入标准" in content and "专业社工服务准入标准" not in content
    assert "status-todo" in content and "status-ineligible" not in content  # a returned organization is not eligible


@pytest.mark.django_db
def test_workspace_of_a_blacklisted_organization_shows_reason_and_end(client, make_org, org_admin):
    organization = make_org("blacklisted", admin=org_admin)
    Organization.objects.filter(pk=organization.pk).update(blacklist_reason="虚报服务人次")
    client.force_login(org_admin)
    content = client.get(reverse("orgs:workspace", args=[organization.pk])).content.decode()
    assert "虚报服务人次" in content
    assert organization.blacklisted_until.strftime("%Y-%m-%d") in content
    assert reverse("orgs:upgrade", args=[organization.pk]) not in content


# --- found in review ------------------------------------------------------------


@pytest.mark.django_db
def test_each_member_gets_their_own_email(make_org, make_user, officer_user, django_capture_on_commit_callbacks):
    """A group message must not show one member's address to another."""
    organization = make_org("submitted")
    other = make_user("organization_member", verified_at=timezone.now(), email="second@example.test")
    Membership.objects.create(organization=organization, user=other)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(organization, by=officer_user)
    assert len(mail.outbox) == 2
    assert all(len(message.to) == 1 for message in mail.outbox)


@pytest.mark.django_db
def test_telling_officers_does_not_cost_a_query_per_user(make_org, make_user):
    make_user("procurement_officer", verified_at=timezone.now())

    def queries_for_submit():
        organization = make_org("draft")
        with CaptureQueriesContext(connection) as captured:
            services.submit(organization, by=organization.created_by)
        return len(captured)

    few = queries_for_submit()
    for n in range(25):
        make_user(username=f"bystander{n}")
    assert queries_for_submit() == few


@pytest.mark.django_db
def test_blacklisting_end_date_is_in_the_audit_chain(make_org, officer_user):
    organization = make_org("approved")
    until = timezone.localdate() + datetime.timedelta(days=90)
    services.blacklist(organization, by=officer_user, reason="虚报服务人次", until=until)
    event = AuditEvent.objects.get(action="organization.blacklist")
    assert event.details["until"] == until.isoformat()


@pytest.mark.django_db
def test_blacklisting_ends_on_its_date_even_before_the_nightly_job(make_org, officer_user):
    organization = make_org("approved")
    until = timezone.localdate() + datetime.timedelta(days=10)
    services.blacklist(organization, by=officer_user, reason="违规", until=until)
    organization.refresh_from_db()
    standard = EntryStandard.objects.create(name="任意")
    assert not entry_standards.check(standard, organization).eligible
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10), tick=False):
        assert organization.state == "blacklisted"  # the job has not run
        assert entry_standards.check(standard, organization).eligible


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "description"])
def test_web_addresses_are_refused_in_public_text(org_admin, community, field):
    data = step1_data(community, **{field: "领取补贴请访问 https://evil.example.cn/x"})
    with translation.override("en"), pytest.raises(services.OrganizationError) as caught:
        services.start_organization(by=org_admin, data=data)
    assert caught.value.field == field and "Web addresses" in caught.value.message


@pytest.mark.django_db
def test_one_person_cannot_mail_strangers_through_many_organizations(make_org, org_admin):
    limit = memberships.INVITES_PER_USER.limit
    sent = 0
    organizations = [make_org("draft", admin=org_admin) for _ in range(limit // memberships.INVITES_PER_ORG.limit + 1)]
    for organization in organizations:
        for _ in range(memberships.INVITES_PER_ORG.limit):
            if sent == limit:
                break
            memberships.invite(organization, by=org_admin, email=f"p{sent}@example.test")
            sent += 1
    with pytest.raises(services.OrganizationError):
        memberships.invite(organizations[-1], by=org_admin, email="one-more@example.test")


@pytest.mark.django_db
def test_accounts_made_by_administrators_are_verified():
    user = User.objects.create_user(username="made-by-admin", password="x-long-password-2026")
    assert user.verified_at is not None
    signed_up = User.objects.create_user(username="self@example.test", self_signed_up=True)
    assert signed_up.verified_at is None


@pytest.mark.django_db
def test_documents_cannot_change_under_review(make_org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from marketplace.organizations.services import documents
    from tests.org_fixtures import pdf_bytes

    organization = make_org("submitted")
    before = organization.documents.count()
    upload = SimpleUploadedFile("charter.pdf", pdf_bytes("new"), content_type="application/pdf")
    with translation.override("en"), pytest.raises(services.OrganizationError) as caught:
        documents.upload_document(organization, by=organization.created_by, kind="charter", file=upload)
    assert "under review" in caught.value.message
    assert organization.documents.count() == before


@pytest.mark.django_db
def test_refusals_show_a_page_in_the_site_language(client, make_org, make_user, site):
    organization = make_org("approved")
    client.force_login(make_user(verified_at=timezone.now()))
    response = client.get(f"/org/{organization.pk}/")
    # An outsider is answered as if the organization did not exist (issue 12: 403 vs 404
    # revealed which ids exist), in the site language.
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'lang="zh-Hans"' in page


@pytest.mark.django_db
def test_officer_confirms_an_upgraded_registration_on_the_review_page(client, make_org, officer_user, site):
    from django.urls import reverse

    from tests.org_fixtures import registration_data

    organization = make_org("approved")
    services.upgrade_to_registered(organization, by=organization.created_by, data=registration_data(40))
    client.force_login(officer_user)
    page = client.get(reverse("orgreview:detail", args=[organization.pk]))
    assert "confirm_registration" in [item["decision"].name for item in page.context["decisions"]]
    url = reverse("orgreview:confirm_registration", args=[organization.pk])
    refused = client.post(url, {"confirm_registration-note": "看过"})  # not ticked
    assert refused.status_code == 200
    organization.refresh_from_db()
    assert organization.registration_verified_at is None
    done = client.post(url, {"confirm_registration-note": "看过", "confirm_registration-confirm": "on"})
    assert done.status_code == 302
    organization.refresh_from_db()
    assert organization.registration_verified_by == officer_user
    page = client.get(reverse("orgreview:detail", args=[organization.pk]))
    assert "confirm_registration" not in [item["decision"].name for item in page.context["decisions"]]


@pytest.mark.django_db
def test_officer_who_left_the_organization_sees_no_decisions(client, make_org, officer_user, site):
    from django.urls import reverse

    organization = make_org("submitted", admin=officer_user)
    Membership.objects.filter(organization=organization, user=officer_user).delete()
    client.force_login(officer_user)
    page = client.get(reverse("orgreview:detail", args=[organization.pk]))
    assert page.context["decisions"] == [] or page.context["is_member"]
    response = client.post(reverse("orgreview:approve", args=[organization.pk]), {"approve-confirm": "on"})
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.state == "submitted"


@pytest.mark.django_db
def test_an_upload_beyond_the_platform_ceiling_is_cut_off_while_read(client, make_org, settings):
    """The body is parsed before any view runs: the ceiling stops it there."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.org_fixtures import pdf_bytes

    settings.UPLOAD_MAX_BYTES = 10_000
    organization = make_org("draft")
    client.force_login(organization.created_by)
    before = organization.documents.count()
    big = SimpleUploadedFile("big.pdf", pdf_bytes("x" * 50_000), content_type="application/pdf")
    response = client.post(f"/org/{organization.pk}/documents/", {"kind": "other", "file": big})
    assert response.status_code == 200  # the form again, without a file
    assert organization.documents.count() == before


@pytest.mark.django_db
def test_a_refused_step_lists_its_errors_at_the_top(client, make_org, site):
    from tests.org_fixtures import STAFF, step2_data

    organization = make_org("draft")
    client.force_login(organization.created_by)
    data = step2_data(staff="\n".join(STAFF[:4]))
    response = client.post(f"/org/{organization.pk}/step/2/", data)
    page = response.content.decode()
    assert response.status_code == 200
    summary = page[page.index('id="form-errors"') : page.index("</div>", page.index('id="form-errors"'))]
    assert "未保存" in summary and 'href="#field-staff"' in summary


@pytest.mark.django_db
def test_the_roster_cannot_change_under_review(make_org):
    organization = make_org("submitted")
    person = organization.staff.first()
    with translation.override("en"), pytest.raises(services.OrganizationError) as caught:
        services.set_qualification(person, by=organization.created_by, qualification="social_worker")
    assert "cannot change now" in caught.value.message
    person.refresh_from_db()
    assert person.qualification == ""
