"""Fuzzed input on the account forms: sign-up, the sign-in pages (site and
admin), password reset and change, the phone code, and an organization's
member invitations and roles (harness: ``test_fuzz_support``)."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Invitation, Membership
from tests.security.test_fuzz_support import SIGN_IN_RECORDS, WRONG_IDS, attempt, fuzz_form, sign_in


def test_fuzz_signup(db, client, make_user):
    make_user(username="taken", email="taken@example.test")
    fuzz_form(
        client,
        reverse("signup"),
        {
            "identifier": "new-person@example.test",
            "password1": "Tr0ub4dor&3x",
            "password2": "Tr0ub4dor&3x",
            "website": "",
        },  # fmt: skip
        extra_keys=("next",),
        examples=40,
    )


def test_fuzz_sign_in_on_the_site_and_in_the_admin(db, make_user):
    make_user("procurement_officer", username="officer", password="pw-test-2026", verified_at=timezone.now())
    base = {"username": "officer", "password": "wrong-password"}
    for url in (reverse("login"), "/admin/login/"):
        fuzz_form(Client(), url, base, ignore=SIGN_IN_RECORDS, extra_keys=("next",), examples=25)


def test_fuzz_password_reset(db, client, make_user):
    make_user(username="resetme", email="resetme@example.test", verified_at=timezone.now())
    fuzz_form(client, reverse("password_reset"), {"email": "resetme@example.test"}, ignore=SIGN_IN_RECORDS,
              examples=20)  # fmt: skip


def test_fuzz_password_change(db, client, make_user):
    user = make_user(username="changer", verified_at=timezone.now())
    sign_in(client, user)
    fuzz_form(
        client,
        reverse("password_change"),
        {"old_password": "pw-test-2026", "new_password1": "N3w-pass-2026!", "new_password2": "N3w-pass-2026!"},
        ignore=SIGN_IN_RECORDS,
        examples=25,
    )


def test_fuzz_phone_code(db, client, make_user):
    user = make_user(username="phoneuser", email="", phone="13800138000")
    sign_in(client, user)
    fuzz_form(client, reverse("verify_pending"), {"code": "123456"}, ignore=SIGN_IN_RECORDS, examples=20)


def test_fuzz_verification_and_invitation_links(db, client):
    for wrong in WRONG_IDS + ["a" * 500, "%00", "x:y:z"]:
        attempt(client, f"/accounts/verify/email/{wrong}/", method="get")
        attempt(client, f"/org/invitations/{wrong}/", {"accept": "1"})


def test_fuzz_member_invitation_and_roles(db, client, make_org, org_admin, make_user):
    organization = make_org("approved", admin=org_admin)
    other = make_org("approved")
    colleague = make_user("organization_member", username="colleague", verified_at=timezone.now())
    membership = Membership.objects.create(organization=organization, user=colleague, role=Membership.Role.MEMBER)
    foreign = other.memberships.get()
    invitation = Invitation.objects.create(
        organization=organization,
        email="invited@example.test",
        role=Membership.Role.MEMBER,
        invited_by=org_admin,
        token_hash="f" * 64,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    sign_in(client, org_admin)
    fuzz_form(client, reverse("orgs:invite", args=[organization.pk]), {"email": "x@example.test", "role": "member"},
              examples=25)  # fmt: skip
    prefix = f"m{membership.pk}"
    fuzz_form(
        client,
        reverse("orgs:member", args=[organization.pk, membership.pk]),
        {"action": "role", f"{prefix}-role": "admin"},
        examples=20,
    )
    # Somebody else's membership, invitation and organization: never a 500, never a change.
    for url in (
        reverse("orgs:member", args=[organization.pk, foreign.pk]),
        reverse("orgs:member", args=[other.pk, foreign.pk]),
        reverse("orgs:revoke", args=[other.pk, invitation.pk]),
    ):
        response = attempt(client, url, {"action": "remove"})
        assert response.status_code == 404, url
    for wrong in WRONG_IDS:
        attempt(client, f"/org/{organization.pk}/members/{wrong}/", {"action": "remove"})
        attempt(client, f"/org/{wrong}/members/invite/", {"email": "x@example.test", "role": "member"})
        attempt(client, f"/org/invitations/{wrong}/", method="get")
