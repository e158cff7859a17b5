"""An organization's members: invitations by e-mail with expiring tokens,
accepting them, roles, leaving, and who may do what."""

import datetime
import hashlib
import re

import pytest
from django.utils import timezone, translation

from marketplace.core import sms
from marketplace.models import AuditEvent, Invitation, Membership, User
from marketplace.organizations.services import memberships
from marketplace.organizations.services.organizations import OrganizationError

GOOD_PASSWORD = "Tianxin-Lu-2026!"


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message) if isinstance(message, str) else str(message)


def text(response):
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def members_url(org):
    return f"/org/{org.pk}/members/"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def org(make_org, org_admin):
    return make_org("approved", admin=org_admin, name="阳光助老服务队")


@pytest.fixture
def plain_member(make_user, org):
    user = make_user("organization_member", username="plain", verified_at=timezone.now())
    Membership.objects.create(organization=org, user=user, role=Membership.Role.MEMBER)
    return user


def invite(org, by, email="new.person@example.cn", role="member"):
    return memberships.invite(org, by=by, email=email, role=role)


def accept_path(token):
    return f"/org/invitations/{token}/"


# --- the whole way, as people do it ------------------------------------------------------


@pytest.mark.django_db
def test_admin_invites_and_a_new_person_signs_up_verifies_and_accepts(
    client, site, org, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/org/{org.pk}/members/invite/", {"email": "New.Person@Example.CN", "role": "member"})
    assert response.status_code == 302 and response["Location"] == members_url(org)
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.cn" and invitation.role == "member"
    assert invitation.invited_by == org_admin
    days = (invitation.expires_at - timezone.now()).total_seconds() / 86400
    assert 6.99 < days <= 7
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.person@example.cn"]
    assert "阳光助老服务队" in mailoutbox[0].subject
    path = re.search(r"http://[^/\s]+(/org/invitations/\S+/)", mailoutbox[0].body).group(1)
    token = path.split("/")[-2]
    # Only the hash is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values_list()) and len(token) >= 40
    event = AuditEvent.objects.get(action="organization.invite")
    assert event.details == {"invitation": invitation.pk, "role": "member"}
    # The admin sees the open invitation.
    assert "new.person@example.cn" in text(client.get(members_url(org)))

    # The invited person, without an account, opens the link.
    visitor = client.__class__()
    page = visitor.get(path)
    assert page.status_code == 200
    html = text(page)
    assert "阳光助老服务队" in html and zh("Member") in html
    assert f"/accounts/signup/?next={path.replace('/', '%2F')}" in html
    assert f"/accounts/login/?next={path.replace('/', '%2F')}" in html

    # Signs up with a mobile number (the token is the proof, not the address) and verifies.
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(
            f"/accounts/signup/?next={path}",
            {"identifier": "13912345678", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, "next": path},
        )
    # Issue 12: sign-up signs nobody in and answers "check your messages"; the newcomer signs in to enter the code.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/signup/sent/?next=")
    sent = text(visitor.get(response["Location"]))
    assert "/accounts/login/?next=%2Faccounts%2Fverify%2F%3Fnext%3D" in sent
    assert visitor.login(username="13912345678", password=GOOD_PASSWORD)
    code = re.search(r"\d{6}", sms.outbox[-1]["text"]).group(0)
    done = visitor.post("/accounts/verify/", {"code": code, "next": path})
    assert done.status_code == 200 and f'href="{path}"' in text(done)

    # Accepts.
    page = visitor.get(path)
    assert zh("Accept the invitation") in text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(path)
    assert response.status_code == 302 and response["Location"] == f"/org/{org.pk}/"
    newcomer = User.objects.get(username="13912345678")
    membership = Membership.objects.get(organization=org, user=newcomer)
    assert membership.role == "member"
    assert newcomer.groups.filter(name="organization_member").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer and invitation.accepted_at is not None
    event = AuditEvent.objects.get(action="organization.invitation_accept")
    assert event.details == {"invitation": invitation.pk, "membership": membership.pk, "role": "member"}
    assert "@" not in str(event.details) and "139" not in str(event.details)
    # The admin hears of it in the site.
    assert org_admin.notices.filter(subject__contains="阳光助老服务队").exists()
    # The newcomer now sees the member list (no management forms).
    listing = visitor.get(members_url(org))
    assert listing.status_code == 200 and 'name="email"' not in text(listing)


@pytest.mark.django_db
def test_an_admin_invitation_makes_an_admin(org, org_admin, make_user):
    _invitation, token = invite(org, org_admin, role="admin")
    person = make_user(username="second", verified_at=timezone.now())
    joined = memberships.accept_invitation(token, by=person)
    assert joined.role == Membership.Role.ADMIN


# --- invitations that cannot be accepted --------------------------------------------------


@pytest.mark.django_db
def test_an_expired_invitation_is_refused(client, site, org, org_admin, make_user, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _invitation, token = invite(org, org_admin)
    person = make_user(username="late", verified_at=timezone.now())
    time_machine.shift(datetime.timedelta(days=7, seconds=1))
    client.force_login(person)
    response = client.post(accept_path(token))
    assert response.status_code == 400
    assert "This invitation expired on" in text(response) or "邀请已于" in text(response)
    assert not Membership.objects.filter(user=person).exists()
    assert Invitation.objects.get().accepted_at is None
    with pytest.raises(OrganizationError, match="expired|过期"):
        memberships.accept_invitation(token, by=person)


@pytest.mark.django_db
def test_an_invitation_within_its_time_is_fine(org, org_admin, make_user, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _invitation, token = invite(org, org_admin)
    time_machine.shift(datetime.timedelta(days=6, hours=23))
    person = make_user(username="intime", verified_at=timezone.now())
    assert memberships.accept_invitation(token, by=person).organization_id == org.pk


@pytest.mark.django_db
def test_a_withdrawn_invitation_is_refused(client, site, org, org_admin, make_user):
    invitation, token = invite(org, org_admin)
    client.force_login(org_admin)
    response = client.post(f"/org/{org.pk}/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="organization.invitation_revoke").exists()
    person = make_user(username="revoked", verified_at=timezone.now())
    client.force_login(person)
    page = client.get(accept_path(token))
    expected = zh("This invitation was withdrawn by the organization. Ask its administrator for a new one.")
    assert expected in text(page) and zh("Accept the invitation") not in text(page)
    response = client.post(accept_path(token))
    assert response.status_code == 400 and expected in text(response)
    assert not Membership.objects.filter(user=person).exists()
    # Withdrawing twice says so.
    with pytest.raises(OrganizationError):
        memberships.revoke_invitation(invitation, by=org_admin)


@pytest.mark.django_db
def test_a_used_invitation_cannot_be_used_again(client, site, org, org_admin, make_user):
    _invitation, token = invite(org, org_admin)
    first = make_user(username="first", verified_at=timezone.now())
    memberships.accept_invitation(token, by=first)
    second = make_user(username="second", verified_at=timezone.now())
    client.force_login(second)
    response = client.post(accept_path(token))
    assert response.status_code == 400
    assert zh("This invitation has already been used. Each invitation can be accepted only once.") in text(response)
    assert not Membership.objects.filter(user=second).exists()
    # And an accepted invitation cannot be withdrawn.
    with pytest.raises(OrganizationError):
        memberships.revoke_invitation(Invitation.objects.get(), by=org_admin)


@pytest.mark.django_db
def test_an_unknown_token_is_refused(client, site, make_user):
    person = make_user(username="guess", verified_at=timezone.now())
    client.force_login(person)
    response = client.get(accept_path("made-up-token"))
    assert response.status_code == 404
    message = zh("This invitation link is not valid. Check that you copied the whole link from the e-mail.")
    assert message in text(response)
    response = client.post(accept_path("made-up-token"))
    assert response.status_code == 400 and message in text(response)
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_an_unverified_account_cannot_accept(client, site, org, org_admin, make_user):
    _invitation, token = invite(org, org_admin)
    person = make_user(username="unverified", verified_at=None)
    client.force_login(person)
    page = client.get(accept_path(token))
    assert zh("Confirm your e-mail address or mobile number first, then come back to accept.") in text(page)
    response = client.post(accept_path(token))
    assert response.status_code == 400
    assert not Membership.objects.filter(user=person).exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_anonymous_accept_is_sent_to_sign_in(client, site, org, org_admin):
    _invitation, token = invite(org, org_admin)
    response = client.post(accept_path(token))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_a_member_cannot_accept_into_their_own_organization_twice(client, site, org, org_admin, plain_member):
    _invitation, token = invite(org, org_admin)
    client.force_login(plain_member)
    assert zh("Accept the invitation") not in text(client.get(accept_path(token)))
    response = client.post(accept_path(token))
    assert response.status_code == 400
    assert zh("You are already a member of %(name)s.") % {"name": org.name} in text(response)
    assert Membership.objects.get(user=plain_member).role == "member"
    assert Invitation.objects.get().accepted_at is None


# --- sending invitations: bad input and abuse --------------------------------------------------


@pytest.mark.django_db
def test_a_plain_member_cannot_invite(client, site, org, plain_member, mailoutbox):
    client.force_login(plain_member)
    response = client.post(f"/org/{org.pk}/members/invite/", {"email": "x@example.cn", "role": "member"})
    assert response.status_code == 403
    with pytest.raises(OrganizationError):
        invite(org, plain_member)
    assert not Invitation.objects.exists() and mailoutbox == []
    page = client.get(members_url(org))
    assert page.status_code == 200 and 'name="email"' not in text(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email, message",
    [
        ("not-an-address", "This is not a valid e-mail address."),
        ("", "Enter the e-mail address to invite."),
    ],
)
def test_a_bad_address_is_refused(client, site, org, org_admin, email, message):
    client.force_login(org_admin)
    response = client.post(f"/org/{org.pk}/members/invite/", {"email": email, "role": "member"})
    assert response.status_code == 400 and zh(message) in text(response)
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_bad_role_is_refused(client, site, org, org_admin):
    client.force_login(org_admin)
    response = client.post(f"/org/{org.pk}/members/invite/", {"email": "x@example.cn", "role": "owner"})
    assert response.status_code == 400 and not Invitation.objects.exists()
    with pytest.raises(OrganizationError):
        invite(org, org_admin, role="owner")


@pytest.mark.django_db
def test_members_and_open_invitations_are_not_invited_twice(client, site, org, org_admin, plain_member):
    client.force_login(org_admin)
    response = client.post(f"/org/{org.pk}/members/invite/", {"email": plain_member.email.upper(), "role": "member"})
    assert response.status_code == 400
    assert zh("The account with this e-mail address is already a member.") in text(response)
    invite(org, org_admin, email="once@example.cn")
    response = client.post(f"/org/{org.pk}/members/invite/", {"email": "ONCE@example.cn", "role": "member"})
    assert response.status_code == 400
    assert zh("This address already has an open invitation. Withdraw it first to send a new one.") in text(response)
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_invitation_does_not_block_a_new_one(org, org_admin, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    invite(org, org_admin, email="again@example.cn")
    time_machine.shift(datetime.timedelta(days=8))
    invite(org, org_admin, email="again@example.cn")
    assert Invitation.objects.count() == 2


@pytest.mark.django_db
def test_a_blacklisted_organization_cannot_invite(make_org, org_admin, make_user):
    blacklisted = make_org("blacklisted", admin=org_admin)
    with pytest.raises(OrganizationError):
        invite(blacklisted, org_admin)
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invitations_are_limited_per_organization_per_day(org, org_admin, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for n in range(20):
        invite(org, org_admin, email=f"p{n}@example.cn")
    with pytest.raises(OrganizationError, match="20"):
        invite(org, org_admin, email="p20@example.cn")
    assert Invitation.objects.count() == 20


# --- one organization's members are not another's business -----------------------------------


@pytest.mark.django_db
def test_a_member_of_x_cannot_see_or_manage_y(client, site, make_org, org, org_admin, make_user):
    other_admin = make_user("organization_member", username="yadmin", verified_at=timezone.now())
    other = make_org("approved", admin=other_admin, name="另一家组织")
    other_membership = Membership.objects.get(organization=other, user=other_admin)
    invitation, _token = invite(other, other_admin)
    client.force_login(org_admin)  # administrator of X, nothing in Y: 404, as for a missing id (issue 12)
    assert client.get(members_url(other)).status_code == 404
    assert client.post(f"/org/{other.pk}/members/invite/", {"email": "x@example.cn"}).status_code == 404
    assert client.post(f"/org/{other.pk}/members/invitations/{invitation.pk}/revoke/").status_code == 404
    for action in ({"action": "remove"}, {"action": "role", f"m{other_membership.pk}-role": "member"}):
        assert client.post(f"/org/{other.pk}/members/{other_membership.pk}/", action).status_code == 404
    # X's pages cannot reach Y's rows either.
    assert client.post(f"/org/{org.pk}/members/invitations/{invitation.pk}/revoke/").status_code == 404
    assert client.post(f"/org/{org.pk}/members/{other_membership.pk}/", {"action": "remove"}).status_code == 404
    assert Invitation.objects.filter(organization=other).count() == 1
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    other_membership.refresh_from_db()
    assert other_membership.role == "admin"
    with pytest.raises(OrganizationError):
        memberships.invite(other, by=org_admin, email="x@example.cn")


@pytest.mark.django_db
def test_officers_and_strangers_get_404_and_anonymous_sign_in(client, site, org, officer_user, make_user):
    # 404, not 403: the answer for an id that does not exist (issue 12).
    assert client.get(members_url(org)).status_code == 302
    client.force_login(officer_user)
    assert client.get(members_url(org)).status_code == 404
    client.force_login(make_user(username="stranger"))
    assert client.get(members_url(org)).status_code == 404


@pytest.mark.django_db
def test_members_page_for_admin_and_member(client, site, org, org_admin, plain_member):
    invite(org, org_admin, email="pending@example.cn")
    client.force_login(org_admin)
    html = text(client.get(members_url(org)))
    assert "pending@example.cn" in html and 'name="email"' in html and "plain" in html
    client.force_login(plain_member)
    html = text(client.get(members_url(org)))
    assert "pending@example.cn" not in html and 'name="email"' not in html
    assert zh("Leave the organization") in html
    # A member sees the others' user names (their e-mail or number) masked.
    main = html.split("<main", 1)[1]
    assert "orgadmin" not in main and "org*dmin" in main


@pytest.mark.django_db
def test_a_plain_member_cannot_change_roles_or_remove_others(client, site, org, org_admin, plain_member):
    admin_membership = Membership.objects.get(organization=org, user=org_admin)
    client.force_login(plain_member)
    url = f"/org/{org.pk}/members/{admin_membership.pk}/"
    assert client.post(url, {"action": "remove"}).status_code == 403
    assert client.post(url, {"action": "role", f"m{admin_membership.pk}-role": "member"}).status_code == 403
    mine = Membership.objects.get(user=plain_member)
    assert (
        client.post(f"/org/{org.pk}/members/{mine.pk}/", {"action": "role", f"m{mine.pk}-role": "admin"}).status_code
        == 403
    )
    assert Membership.objects.get(pk=mine.pk).role == "member"
    assert Membership.objects.get(pk=admin_membership.pk).role == "admin"
    with pytest.raises(OrganizationError):
        memberships.set_member_role(mine, by=plain_member, role="admin")
    with pytest.raises(OrganizationError):
        memberships.remove_member(admin_membership, by=plain_member)


# --- roles, removing, leaving, and the last administrator -------------------------------------------


@pytest.mark.django_db
def test_the_last_admin_can_neither_leave_nor_be_demoted(client, site, org, org_admin, plain_member):
    mine = Membership.objects.get(organization=org, user=org_admin)
    client.force_login(org_admin)
    response = client.post(f"/org/{org.pk}/members/{mine.pk}/", {"action": "remove"}, follow=True)
    assert zh("You are the organization's only administrator. Make another member administrator first.") in text(
        response
    )
    response = client.post(
        f"/org/{org.pk}/members/{mine.pk}/", {"action": "role", f"m{mine.pk}-role": "member"}, follow=True
    )
    assert "last administrator" in text(response) or "最后" in text(response)
    mine.refresh_from_db()
    assert mine.role == "admin"
    with pytest.raises(OrganizationError):
        memberships.remove_member(mine, by=org_admin)
    with pytest.raises(OrganizationError):
        memberships.set_member_role(mine, by=org_admin, role="member")
    assert not AuditEvent.objects.filter(action__startswith="organization.member_").exists()


@pytest.mark.django_db
def test_admin_promotes_then_steps_down_and_leaves(client, site, org, org_admin, plain_member):
    theirs = Membership.objects.get(user=plain_member)
    mine = Membership.objects.get(organization=org, user=org_admin)
    client.force_login(org_admin)
    client.post(f"/org/{org.pk}/members/{theirs.pk}/", {"action": "role", f"m{theirs.pk}-role": "admin"})
    assert Membership.objects.get(pk=theirs.pk).role == "admin"
    event = AuditEvent.objects.get(action="organization.member_role")
    assert event.details == {"user": plain_member.pk, "from": "member", "to": "admin"}
    assert plain_member.notices.exists()
    client.post(f"/org/{org.pk}/members/{mine.pk}/", {"action": "role", f"m{mine.pk}-role": "member"})
    assert Membership.objects.get(pk=mine.pk).role == "member"
    response = client.post(f"/org/{org.pk}/members/{mine.pk}/", {"action": "remove"})
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert not Membership.objects.filter(pk=mine.pk).exists()
    assert AuditEvent.objects.get(action="organization.member_remove").details == {
        "user": org_admin.pk,
        "role": "member",
        "left": True,
    }
    # Without any organization left, the member role goes too.
    assert not org_admin.groups.filter(name="organization_member").exists()


@pytest.mark.django_db
def test_admin_removes_a_member_who_is_told(client, site, org, org_admin, plain_member):
    theirs = Membership.objects.get(user=plain_member)
    client.force_login(org_admin)
    response = client.post(f"/org/{org.pk}/members/{theirs.pk}/", {"action": "remove"})
    assert response.status_code == 302 and response["Location"] == members_url(org)
    assert not Membership.objects.filter(pk=theirs.pk).exists()
    assert plain_member.notices.filter(subject__contains=org.name).exists()
    client.force_login(plain_member)
    assert client.get(members_url(org)).status_code == 404  # no longer a member: as for a missing id


@pytest.mark.django_db
def test_a_plain_member_may_leave(client, site, org, plain_member):
    mine = Membership.objects.get(user=plain_member)
    client.force_login(plain_member)
    response = client.post(f"/org/{org.pk}/members/{mine.pk}/", {"action": "remove"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()


@pytest.mark.django_db
def test_member_actions_are_posts_with_a_known_action(client, site, org, org_admin, plain_member):
    theirs = Membership.objects.get(user=plain_member)
    client.force_login(org_admin)
    assert client.get(f"/org/{org.pk}/members/{theirs.pk}/").status_code == 405
    assert client.get(f"/org/{org.pk}/members/invite/").status_code == 405
    client.post(f"/org/{org.pk}/members/{theirs.pk}/", {"action": "explode"})
    client.post(f"/org/{org.pk}/members/{theirs.pk}/", {"action": "role", f"m{theirs.pk}-role": "owner"})
    assert Membership.objects.get(pk=theirs.pk).role == "member"
