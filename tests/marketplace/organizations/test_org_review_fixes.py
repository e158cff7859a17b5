"""Fixes after the review of the organization onboarding: each test fails
if its fix is undone."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from marketplace.models import AuditEvent, EntryStandard, Membership, User
from marketplace.organizations.services import entry_standards, memberships
from marketplace.organizations.services import organizations as services
from tests.org_fixtures import step1_data

pytestmark = pytest.mark.django_db


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


def test_blacklisting_end_date_is_in_the_audit_chain(make_org, officer_user):
    organization = make_org("approved")
    until = timezone.localdate() + datetime.timedelta(days=90)
    services.blacklist(organization, by=officer_user, reason="虚报服务人次", until=until)
    event = AuditEvent.objects.get(action="organization.blacklist")
    assert event.details["until"] == until.isoformat()


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


@pytest.mark.parametrize("field", ["name", "description"])
def test_web_addresses_are_refused_in_public_text(org_admin, community, field):
    data = step1_data(community, **{field: "领取补贴请访问 https://evil.example.cn/x"})
    with translation.override("en"), pytest.raises(services.OrganizationError) as caught:
        services.start_organization(by=org_admin, data=data)
    assert caught.value.field == field and "Web addresses" in caught.value.message


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


def test_accounts_made_by_administrators_are_verified():
    user = User.objects.create_user(username="made-by-admin", password="x-long-password-2026")
    assert user.verified_at is not None
    signed_up = User.objects.create_user(username="self@example.test", self_signed_up=True)
    assert signed_up.verified_at is None


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


def test_refusals_show_a_page_in_the_site_language(client, make_org, make_user, site):
    organization = make_org("approved")
    client.force_login(make_user(verified_at=timezone.now()))
    response = client.get(f"/org/{organization.pk}/")
    # An outsider is answered as if the organization did not exist (issue 12: 403 vs 404
    # revealed which ids exist), in the site language.
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'lang="zh-Hans"' in page


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


def test_the_roster_cannot_change_under_review(make_org):
    organization = make_org("submitted")
    person = organization.staff.first()
    with translation.override("en"), pytest.raises(services.OrganizationError) as caught:
        services.set_qualification(person, by=organization.created_by, qualification="social_worker")
    assert "cannot change now" in caught.value.message
    person.refresh_from_db()
    assert person.qualification == ""
