"""Issue 14 on the organization pages: every button keeps what was typed
(the wizard's “save and go back”, the qualification's “save and upload”),
what is still to do is computed from the record as it is now (the documents
held, a return not yet answered), the contact phone is prefilled with the
verified mobile, and a tick's error is said without its label glued on."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import AuditEvent, Organization, OrganizationDocument, StaffMember
from marketplace.organizations.services import organizations as services
from tests.org_fixtures import pdf_bytes, step2_data


def text_of(response):
    return html.unescape(response.content.decode())


def translated(text, **values):
    with translation.override("zh-hans"):
        message = translation.gettext(text)
    return message % values if values else message


def input_value(response, name):
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode())
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


@pytest.fixture
def org(make_org, org_admin):
    return make_org("draft", admin=org_admin)


@pytest.mark.django_db
def test_save_and_go_back_saves_the_step_then_opens_the_previous_one(client, org, org_admin):
    client.force_login(org_admin)
    data = step2_data(contact_name="李四", then="back")
    response = client.post(reverse("orgs:step", args=[org.pk, 2]), data)
    assert response.status_code == 302 and response["Location"] == reverse("orgs:step", args=[org.pk, 1])
    org.refresh_from_db()
    assert org.contact_name == "李四"


@pytest.mark.django_db
def test_save_and_go_back_with_an_error_keeps_everything_typed(client, org, org_admin):
    client.force_login(org_admin)
    before = (list(Organization.objects.values()), AuditEvent.objects.count())
    data = step2_data(contact_name="李四", staff="周八\n吴九", then="back")
    response = client.post(reverse("orgs:step", args=[org.pk, 2]), data)
    assert response.status_code == 200
    assert input_value(response, "contact_name") == "李四"
    assert (list(Organization.objects.values()), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_save_and_upload_a_qualification_saves_it_first(client, org, org_admin):
    person = org.staff.first()
    client.force_login(org_admin)
    url = reverse("orgs:staff", args=[org.pk, person.pk])
    response = client.post(url, {"qualification": "social_worker", "then": "upload"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:documents", args=[org.pk]) + f"?staff={person.pk}#upload"
    person.refresh_from_db()
    assert person.qualification == "social_worker"
    # With an error: the page again, the choice kept, nothing changed.
    response = client.post(url, {"qualification": "doctor", "then": "upload"})
    assert response.status_code == 200
    assert StaffMember.objects.get(pk=person.pk).qualification == "social_worker"


@pytest.mark.django_db
def test_documents_page_says_what_is_needed_from_the_documents_held(client, make_org, org_admin):
    org = make_org("draft", admin=org_admin, documents=[])
    client.force_login(org_admin)
    url = reverse("orgs:documents", args=[org.pk])
    with translation.override("zh-hans"):
        charter = str(OrganizationDocument.Kind.CHARTER.label)
    needed = translated("Needed before submitting: %(kinds)s.", kinds=charter)
    assert needed in text_of(client.get(url))
    response = client.post(
        url,
        {
            "kind": "charter",
            "title": "章程",
            "file": SimpleUploadedFile("章程.pdf", pdf_bytes("章程"), "application/pdf"),
        },
    )
    assert response.status_code == 302, text_of(response)[:3000]
    text = text_of(client.get(url))
    assert needed not in text
    assert translated("Every document needed before submitting is here.") in text


@pytest.mark.django_db
def test_a_returned_organization_sees_the_reasons_as_still_to_do_until_it_changes_something(
    client, make_org, org_admin, officer_user
):
    org = make_org("submitted", admin=org_admin)
    services.return_for_changes(org, by=officer_user, reasons={"basics": "名称请与章程一致"})
    client.force_login(org_admin)
    workspace = reverse("orgs:workspace", args=[org.pk])
    text = text_of(client.get(workspace))
    assert "名称请与章程一致" in text
    assert translated("Nothing is missing. Check the information once more, then submit it for review.") not in text
    assert 'name="confirm"' not in text  # no submit box yet
    # A member saves a step: the reasons are no longer listed as missing.
    org.refresh_from_db()
    client.post(reverse("orgs:step", args=[org.pk, 2]), step2_data())
    text = text_of(client.get(workspace))
    assert translated("Nothing is missing. Check the information once more, then submit it for review.") in text


@pytest.mark.django_db
def test_contact_phone_is_prefilled_with_the_verified_mobile(client, make_org, make_user):
    user = make_user("organization_member", phone="13912345678", verified_at=timezone.now())
    org = make_org("draft", admin=user, contact_phone="")
    client.force_login(user)
    response = client.get(reverse("orgs:step", args=[org.pk, 2]))
    assert input_value(response, "contact_phone") == "13912345678"
    Organization.objects.filter(pk=org.pk).update(contact_phone="010-12345678")
    response = client.get(reverse("orgs:step", args=[org.pk, 2]))
    assert input_value(response, "contact_phone") == "010-12345678"  # an entered number stays


@pytest.mark.django_db
def test_the_submit_ticks_error_is_said_without_its_label(client, make_org, org_admin):
    org = make_org("draft", admin=org_admin)
    client.force_login(org_admin)
    response = client.post(reverse("orgs:submit", args=[org.pk]), {})
    assert response.status_code == 200
    text = text_of(response)
    assert "请勾选确认。" in text
    assert "。：请勾选确认。" not in text
