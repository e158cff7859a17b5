"""Issue 12, security review of the fix: a platform administrator (not a
superuser) with a verified second factor tries to take over an officer's, a
finance officer's or another platform administrator's account:

1. set the target's password (or e-mail address, for a reset mail) in the
   Wagtail user edit form,
2. reset the target's second factor on the sign-in attempts page,
3. sign in as the target and enrol their own authenticator.

Each step is closed; the second-factor reset is a superuser's, ends the
target's sessions and, like every account change in the admin, needs a
fresh password + code.  And the site history does not show a platform
administrator the entries about superusers' accounts (as the user history
view does not)."""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from marketplace.core import reauth
from marketplace.models import AuditEvent, User
from tests.auth_fixtures import mark_second_factor_done
from tests.security.test_auth_second_factor import code_for

RIGHT = "pw-test-2026"
OWNED = "an-Attacker-pw-2026"
ATTEMPTS = "/admin/sign-in-attempts/"
TARGET_ROLES = ["procurement_officer", "finance_officer", "platform_admin"]

pytestmark = pytest.mark.django_db


def refused(response):
    """Wagtail answers PermissionDenied with a redirect to the dashboard (or 403)."""
    return response.status_code in (403, 404) or (response.status_code == 302 and response["Location"] == "/admin/")


def edit_post(user, **changes):
    """The user edit form as a browser posts it (every field Wagtail shows)."""
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name or "名",
        "last_name": user.last_name or "姓",
        "is_active": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


@pytest.fixture
def padmin(client, make_user, site):
    admin = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    client.force_login(admin)  # verified second factor, fresh re-authentication (tests.auth_fixtures)
    return admin


@pytest.fixture
def boss(make_user):
    return make_user(username="boss", is_superuser=True, is_staff=True, verified_at=timezone.now())


def enrolled(user):
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


# --- step 1: the edit form sets no one's password or e-mail --------------------------


@pytest.mark.parametrize("role", TARGET_ROLES)
def test_platform_admin_cannot_set_a_second_factor_accounts_password(client, padmin, make_user, role):
    target = make_user(role, username="target", verified_at=timezone.now())
    form = client.get(f"/admin/users/edit/{target.pk}/").content.decode()
    assert 'name="password1"' not in form and 'name="password2"' not in form
    client.post(f"/admin/users/edit/{target.pk}/", edit_post(target, password1=OWNED, password2=OWNED))
    target.refresh_from_db()
    assert target.check_password(RIGHT) and not target.check_password(OWNED)


@pytest.mark.parametrize("role", TARGET_ROLES)
@pytest.mark.parametrize("active", [True, False])
def test_platform_admin_cannot_redirect_a_second_factor_accounts_mail(client, padmin, make_user, role, active):
    """A new e-mail address would receive the password-reset link; a new user
    name would make the account sign in under another name.  Deactivating the
    account first (``has_perm`` is false for inactive users) does not help."""
    target = make_user(role, username="target", is_active=active, verified_at=timezone.now())
    client.post(
        f"/admin/users/edit/{target.pk}/",
        edit_post(target, email="attacker@example.test", username="target2", is_active="on" if active else ""),
    )
    target.refresh_from_db()
    assert (target.email, target.username) == ("target@example.test", "target")


@pytest.mark.parametrize("who", ["padmin", "boss"])
def test_nobody_sets_their_own_password_in_the_user_admin(client, padmin, boss, who):
    me = padmin if who == "padmin" else boss
    client.force_login(me)
    form = client.get(f"/admin/users/edit/{me.pk}/").content.decode()
    assert 'name="password1"' not in form
    client.post(f"/admin/users/edit/{me.pk}/", edit_post(me, password1=OWNED, password2=OWNED))
    me.refresh_from_db()
    assert me.check_password(RIGHT)


def test_platform_admin_sets_no_password_on_ordinary_accounts_either(client, padmin, make_user):
    target = make_user("community_worker", username="worker")
    client.post(f"/admin/users/edit/{target.pk}/", edit_post(target, password1=OWNED, password2=OWNED))
    target.refresh_from_db()
    assert target.check_password(RIGHT)


def test_superuser_still_sets_passwords_and_addresses(client, boss, make_user):
    target = make_user("procurement_officer", username="target", verified_at=timezone.now())
    client.force_login(boss)
    assert 'name="password1"' in client.get(f"/admin/users/edit/{target.pk}/").content.decode()
    response = client.post(
        f"/admin/users/edit/{target.pk}/",
        edit_post(target, email="new@example.test", password1=OWNED, password2=OWNED),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(OWNED) and target.email == "new@example.test"


def test_platform_admin_still_corrects_an_ordinary_accounts_address(client, padmin, make_user):
    target = make_user("community_worker", username="worker")
    response = client.post(f"/admin/users/edit/{target.pk}/", edit_post(target, email="fixed@example.test"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.email == "fixed@example.test"


# --- step 2: the second-factor reset ----------------------------------------------------


@pytest.mark.parametrize("role", TARGET_ROLES)
def test_platform_admin_cannot_reset_a_second_factor(client, padmin, make_user, role):
    target = make_user(role, username="target", verified_at=timezone.now())
    enrolled(target)
    assert "reset-second-factor" not in client.get(ATTEMPTS).content.decode()
    assert refused(client.post(ATTEMPTS, {"reset": "second_factor", "value": "target"}))
    assert TOTPDevice.objects.filter(user=target, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="user.second_factor_reset").exists()


def test_the_whole_takeover_chain_fails(client, padmin, make_user, real_second_factor):
    """As the review did it: set the password, reset the factor, sign in as the
    officer, enrol one's own authenticator.  (``real_second_factor``: the admin's
    session is verified and re-authenticated by hand.)"""
    mark_second_factor_done(client, padmin)
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    device = enrolled(officer)
    client.post(f"/admin/users/edit/{officer.pk}/", edit_post(officer, password1=OWNED, password2=OWNED))
    client.post(ATTEMPTS, {"reset": "second_factor", "value": "officer"})
    attacker = client.__class__()
    assert attacker.post("/accounts/login/", {"username": "officer", "password": OWNED}).status_code == 200
    assert SESSION_KEY not in attacker.session
    assert list(TOTPDevice.objects.filter(user=officer)) == [device]


def test_superuser_reset_ends_the_targets_sessions_and_is_audited(client, boss, make_user, real_second_factor):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    device = enrolled(officer)
    # The officer (or whoever stole the session) is signed in and verified elsewhere.
    elsewhere = client.__class__()
    elsewhere.post("/accounts/login/", {"username": "officer", "password": RIGHT})
    elsewhere.post(reverse("second_factor_verify"), {"code": code_for(device)})
    assert elsewhere.get("/work/projects/").status_code == 200
    bystander = make_user("procurement_officer", username="bystander", verified_at=timezone.now())
    other = client.__class__()
    other.force_login(bystander)
    mark_second_factor_done(other, bystander)

    client.force_login(boss)
    mark_second_factor_done(client, boss)
    assert "reset-second-factor" in client.get(ATTEMPTS).content.decode()
    assert client.post(ATTEMPTS, {"reset": "second_factor", "value": "officer"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    # The session that was verified is gone: no enrolling a new device in it.
    response = elsewhere.get("/work/projects/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not any(s.get_decoded().get(SESSION_KEY) == str(officer.pk) for s in Session.objects.all())
    # Other people's sessions stay.
    assert other.get("/work/projects/").status_code == 200
    event = AuditEvent.objects.get(action="user.second_factor_reset")
    assert event.actor == boss and event.object_id == str(officer.pk)
    assert event.details["sessions"] == "sessions_deleted" and event.details["sessions_ended"] == 1


# --- fresh password + code before the resets and account changes ---------------------------


def stale(client, user, settings):
    client.force_login(user)
    device = mark_second_factor_done(client, user)
    session = client.session
    session[reauth.SESSION_KEY] = int(time.time()) - settings.REAUTH_MINUTES * 60 - 5
    session.save()
    return device


def hidden_fields(response):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.content.decode()))


def test_second_factor_reset_needs_a_fresh_reauthentication(client, boss, make_user, settings, real_second_factor):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    enrolled(officer)
    device = stale(client, boss, settings)
    refused_page = client.post(ATTEMPTS, {"reset": "second_factor", "value": "officer"})
    assert refused_page.status_code == 403
    kept = hidden_fields(refused_page)
    assert (kept["reset"], kept["value"]) == ("second_factor", "officer")
    assert TOTPDevice.objects.filter(user=officer).exists()
    done = client.post(
        ATTEMPTS,
        {"reset": "second_factor", "value": "officer", "reauth-password": RIGHT, "reauth-code": code_for(device)},
    )
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()


def test_lockout_reset_needs_a_fresh_reauthentication(client, make_user, site, settings, real_second_factor):
    from axes.models import AccessAttempt

    admin = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    AccessAttempt.objects.create(
        username="zhao", ip_address="198.51.100.7", user_agent="x", failures_since_start=9, attempt_time=timezone.now()
    )
    stale(client, admin, settings)
    assert client.post(ATTEMPTS, {"reset": "account", "value": "zhao"}).status_code == 403
    assert AccessAttempt.objects.filter(username="zhao").exists()
    assert not AuditEvent.objects.filter(action="security.lockout_reset").exists()


def test_user_admin_changes_need_a_fresh_reauthentication(client, make_user, site, settings, real_second_factor):
    admin = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    target = make_user(username="plain", verified_at=timezone.now())
    device = stale(client, admin, settings)
    finance = Group.objects.get(name="finance_officer")
    data = edit_post(target, groups=[finance.pk])
    page = client.post(f"/admin/users/edit/{target.pk}/", data)
    assert page.status_code == 403
    assert "marketplace/core/reauth.html" in [t.name for t in page.templates]
    assert not target.groups.exists()
    created = client.post(
        "/admin/users/new/",
        {**edit_post(target, username="newbie", email="newbie@example.test"), "password1": OWNED, "password2": OWNED},
    )
    assert created.status_code == 403
    assert not User.objects.filter(username="newbie").exists()
    # With the password and code, the edit goes through with what was typed.
    done = client.post(
        f"/admin/users/edit/{target.pk}/", {**data, "reauth-password": RIGHT, "reauth-code": code_for(device)}
    )
    assert done.status_code == 302
    assert set(target.groups.values_list("name", flat=True)) == {"finance_officer"}


# --- finding 2 (low): the site history and superusers' accounts ----------------------------


def test_site_history_hides_superuser_account_entries_from_platform_admins(client, boss, make_user, site):
    client.force_login(boss)
    for username, extra in (("deputyboss", {"is_superuser": "on"}), ("plainnew", {})):
        response = client.post(
            "/admin/users/new/",
            {
                "username": username,
                "email": f"{username}@example.test",
                "first_name": username,
                "last_name": "姓",
                "password1": OWNED,
                "password2": OWNED,
                **extra,
            },
        )
        assert response.status_code == 302
    deputy = User.objects.get(username="deputyboss")
    assert deputy.is_superuser
    assert ModelLogEntry.objects.filter(object_id=str(deputy.pk)).exists()
    assert "deputyboss" in client.get("/admin/reports/site-history/").content.decode()

    padmin = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    client.force_login(padmin)
    assert refused(client.get(f"/admin/users/history/{deputy.pk}/"))
    for url in (
        "/admin/reports/site-history/",
        "/admin/reports/site-history/results/",
        "/admin/reports/site-history/?export=csv",
    ):
        response = client.get(url)
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        assert "deputyboss" not in body, url
        assert "plainnew" in body, url
    assert not ModelLogEntry.objects.viewable_by_user(padmin).filter(object_id=str(deputy.pk)).exists()


def test_sessions_that_cannot_be_listed_end_by_disabling_the_password(make_user, settings):
    from marketplace.core import sessions

    officer = make_user("procurement_officer", username="officer")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert sessions.end_sessions(officer) == (sessions.PASSWORD_DISABLED, 0)
    officer.refresh_from_db()
    assert not officer.has_usable_password()
