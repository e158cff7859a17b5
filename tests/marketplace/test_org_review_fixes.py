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
from marketplace.services import entry_standards, memberships
from marketplace.services import organizations as services
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
