"""Organizations' rules in one place (``marketplace.organizations.permissions``):
each ``can_*`` refuses and allows whom it should (including the separation of
duties: nobody decides on an organization they belong or belonged to), and
a review button shows exactly when the service accepts."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from marketplace.core.fsm import refusal
from marketplace.models import Membership
from marketplace.organizations import permissions
from marketplace.organizations.services import memberships
from marketplace.organizations.services import organizations as services
from tests.org_fixtures import registration_data

# A decision, the service that takes it, and the input it needs.
CALLS = {
    "return": lambda org, by: services.return_for_changes(org, by=by, reasons={"basics": "名称不完整"}),
    "approve": lambda org, by: services.approve(org, by=by),
    "suspend": lambda org, by: services.suspend(org, by=by, reason="投诉调查"),
    "reinstate": lambda org, by: services.reinstate(org, by=by, reason="调查结束"),
    "blacklist": lambda org, by: services.blacklist(
        org, by=by, reason="严重违约", until=timezone.localdate() + datetime.timedelta(days=30)
    ),
    "confirm_registration": lambda org, by: services.confirm_registration(org, by=by),
}
STATES = ("draft", "submitted", "returned", "approved", "suspended", "blacklisted")


@pytest.mark.django_db
def test_membership_rules(make_org, org_admin, make_user, officer_user):
    organization = make_org("draft", admin=org_admin)
    member = make_user("organization_member")
    Membership.objects.create(organization=organization, user=member, role=Membership.Role.MEMBER)
    assert permissions.is_member(org_admin, organization) and permissions.membership(member, organization)

    assert permissions.can_act_for(member, organization)
    assert not permissions.can_act_for(officer_user, organization)

    assert permissions.can_administer(org_admin, organization)
    refused = permissions.can_administer(member, organization)
    assert not refused and refused.reason == str(permissions.ADMINS_ONLY)
    refused = permissions.can_administer(officer_user, organization)
    assert not refused and refused.reason == str(permissions.MEMBERS_ONLY)

    assert permissions.can_upload_document(member, organization)
    assert not permissions.can_upload_document(officer_user, organization)


@pytest.mark.django_db
def test_can_start(make_user, org_admin):
    assert permissions.can_start(org_admin)
    assert not permissions.can_start(make_user("organization_member"))  # not verified
    assert not permissions.can_start(AnonymousUser())


@pytest.mark.django_db
def test_can_review_and_can_decide(make_org, officer_user, org_admin, make_user):
    organization = make_org("submitted")
    assert permissions.can_review(officer_user) and not permissions.can_review(org_admin)
    assert permissions.can_decide(officer_user, organization)
    refused = permissions.can_decide(org_admin, organization)
    assert not refused and refused.reason == str(permissions.OFFICERS_ONLY)


@pytest.mark.django_db
def test_separation_of_duties_an_officer_who_ever_belonged_may_not_decide(make_org, make_user):
    officer = make_user("procurement_officer", "organization_member", verified_at=timezone.now())
    organization = make_org("submitted", admin=officer)
    refused = permissions.can_decide(officer, organization)
    assert not refused and refused.reason == str(permissions.NOT_IMPARTIAL)
    assert "approve" not in permissions.available_actions(officer, organization)
    with pytest.raises(services.OrganizationError) as caught:
        services.approve(organization, by=officer)
    assert caught.value.code == "permission"
    Membership.objects.filter(user=officer).delete()  # leaving does not make them impartial
    assert not permissions.can_decide(officer, organization)  # they started it


@pytest.mark.django_db
def test_can_view_document(make_org, org_admin, officer_user, make_user):
    draft = make_org("draft", admin=org_admin)
    document = draft.documents.first()
    assert permissions.can_view_document(org_admin, document)
    assert not permissions.can_view_document(officer_user, document)  # not submitted yet
    assert not permissions.can_view_document(make_user("organization_member"), document)
    submitted = make_org("submitted")
    assert permissions.can_view_document(officer_user, submitted.documents.first())


@pytest.mark.django_db
def test_the_state_machine_asks_the_same_rules(make_org, officer_user, org_admin):
    organization = make_org("submitted", admin=org_admin)
    assert refusal(organization.approve, officer_user) is None
    assert refusal(organization.approve, org_admin)[1] == "permission"
    assert refusal(organization.suspend, officer_user)[1] == "state"
    draft = make_org("draft", admin=org_admin)
    assert refusal(draft.submit, org_admin) is None
    assert refusal(draft.submit, officer_user)[1] == "permission"


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_decision_is_offered_exactly_when_the_service_accepts(make_org, officer_user, state, name):
    organization = make_org(state)
    if name == "confirm_registration" and state in ("approved", "suspended"):
        # registered after approval: waiting for an officer's confirmation
        organization = make_org(state)
        services.upgrade_to_registered(organization, by=organization.created_by, data=registration_data(77))
        organization.refresh_from_db()
    offered = name in permissions.available_actions(officer_user, organization)
    try:
        CALLS[name](organization, officer_user)
        accepted = True
    except services.OrganizationError:
        accepted = False
    assert offered == accepted, (state, name)


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_members_steps_are_offered_exactly_when_the_service_accepts(make_org, org_admin, officer_user, state):
    organization = make_org(state, admin=org_admin)
    actions = permissions.available_actions(org_admin, organization)
    assert not {"return", "approve", "suspend", "blacklist", "reinstate"} & actions
    assert permissions.available_actions(officer_user, organization).isdisjoint({"submit", "edit", "upgrade"})
    try:
        services.submit(organization, by=org_admin)
        submitted = True
    except services.OrganizationError as error:
        submitted = False
        assert error.code == "state"
    assert submitted == ("submit" in actions)


@pytest.mark.django_db
def test_member_management_is_for_administrators(make_org, org_admin, make_user):
    organization = make_org("approved", admin=org_admin)
    member = make_user("organization_member", verified_at=timezone.now())
    Membership.objects.create(organization=organization, user=member, role=Membership.Role.MEMBER)
    assert "manage_members" in permissions.available_actions(org_admin, organization)
    assert "manage_members" not in permissions.available_actions(member, organization)
    with pytest.raises(services.OrganizationError) as caught:
        memberships.invite(organization, by=member, email="someone@example.test")
    assert caught.value.code == "permission"


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_review_page_buttons_show_exactly_the_available_actions(client, settings, make_org, officer_user, site, state):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer_user)
    organization = make_org(state)
    html = client.get(reverse("orgreview:detail", args=[organization.pk])).content.decode()
    actions = permissions.available_actions(officer_user, organization)
    for name in CALLS:
        assert (reverse(f"orgreview:{name}", args=[organization.pk]) in html) == (name in actions), name
