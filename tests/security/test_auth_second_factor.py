"""Issue 12, finding 4: a second factor for officers, finance, platform
administrators and superusers, on the site and in /admin/ alike; idle
sessions end.

The attacker holds a password of such an account (phished, reused) and
tries to use the session it gives: every page but enrolment, verification
and sign-out is closed until a code is typed."""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from marketplace.core import twofactor
from marketplace.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_second_factor")]

RIGHT = "pw-test-2026"
SECOND_FACTOR_ROLES = ["procurement_officer", "finance_officer", "platform_admin"]
CLOSED_PAGES = ["/work/", "/work/projects/", "/admin/", "/admin/pages/", "/admin/users/", "/accounts/", "/"]


def code_for(device, *, step_offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def password_sign_in(client, username, door="/accounts/login/"):
    response = client.post(door, {"username": username, "password": RIGHT})
    assert response.status_code == 302, response.status_code
    assert SESSION_KEY in client.session
    return response


def enrolled_device(user):
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


@pytest.mark.parametrize("role", SECOND_FACTOR_ROLES + ["superuser"])
@pytest.mark.parametrize("door", ["/accounts/login/", "/admin/login/"])
def test_password_alone_opens_nothing(client, make_user, site, role, door):
    if role == "superuser":
        make_user(username="boss", is_superuser=True, is_staff=True, verified_at=timezone.now())
        username = "boss"
    else:
        make_user(role, username="staff", verified_at=timezone.now())
        username = "staff"
    password_sign_in(client, username, door)
    for page in CLOSED_PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("second_factor_enrol")), page
    # A POST to an action is refused the same way.
    assert client.post("/admin/users/add/", {"username": "x"}).status_code == 302


def test_enrolled_officer_is_asked_for_the_code(client, make_user, site):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    enrolled_device(officer)
    password_sign_in(client, "officer")
    for page in CLOSED_PAGES:
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("second_factor_verify"))
    # Enrolling a second device of one's own choosing is not a way round.
    assert client.get(reverse("second_factor_enrol"))["Location"].startswith(reverse("second_factor_verify"))


def test_accounts_without_those_roles_are_not_asked(client, make_user, site):
    make_user("organization_member", username="member", verified_at=timezone.now())
    password_sign_in(client, "member")
    assert client.get("/accounts/").status_code == 200


def test_enrolment_shows_qr_and_secret_confirms_and_is_audited(client, make_user, site):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    password_sign_in(client, "officer")
    page = client.get(reverse("second_factor_enrol") + "?next=/work/")
    assert page.status_code == 200
    content = page.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    figure = re.search(r'<figure class="qr-code".*?</figure>', content, re.S).group(0)
    assert "<svg" in figure and "<script" not in figure and "<img" not in figure and "http" not in figure
    assert twofactor.secret_base32(device) in content
    assert "no-store" in page["Cache-Control"]
    wrong = client.post(reverse("second_factor_enrol"), {"code": "000000", "next": "/work/"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    device.refresh_from_db()
    done = client.post(reverse("second_factor_enrol"), {"code": code_for(device), "next": "/work/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == twofactor.BACKUP_CODE_COUNT
    assert all(code in done.content.decode() for code in codes)
    assert "no-store" in done["Cache-Control"]
    assert TOTPDevice.objects.get(user=officer).confirmed
    event = AuditEvent.objects.get(action="user.second_factor_enrolled")
    assert event.actor_id == officer.pk
    assert client.get("/work/projects/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_totp_code_after_password_opens_the_work_pages(client, make_user, site):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    device = enrolled_device(officer)
    password_sign_in(client, "officer")
    assert client.post(reverse("second_factor_verify"), {"code": "123456"}).status_code == 200
    assert client.get("/work/projects/").status_code == 302
    # A wrong code slows the device down (django-otp throttling); the wait has passed.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = client.post(reverse("second_factor_verify") + "?next=/work/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/work/"
    assert client.get("/work/projects/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_works_once(client, make_user, site):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    enrolled_device(officer)
    codes = twofactor.new_backup_codes(officer)
    password_sign_in(client, "officer")
    assert client.post(reverse("second_factor_verify"), {"code": codes[0]}).status_code == 302
    assert client.get("/work/projects/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    other = client.__class__()
    password_sign_in(other, "officer")
    assert other.post(reverse("second_factor_verify"), {"code": codes[0]}).status_code == 200
    assert other.get("/work/projects/").status_code == 302


def test_a_code_is_not_accepted_twice(client, make_user, site):
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    device = enrolled_device(officer)
    code = code_for(device)
    password_sign_in(client, "officer")
    assert client.post(reverse("second_factor_verify"), {"code": code}).status_code == 302
    other = client.__class__()
    password_sign_in(other, "officer")
    assert other.post(reverse("second_factor_verify"), {"code": code}).status_code == 200
    assert other.get("/work/projects/").status_code == 302


def test_role_granted_later_is_asked_to_enrol_on_next_request(client, make_user, site):
    from django.contrib.auth.models import Group

    user = make_user(username="later", verified_at=timezone.now())
    password_sign_in(client, "later")
    assert client.get("/accounts/").status_code == 200
    user.groups.add(Group.objects.get(name="finance_officer"))
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("second_factor_enrol"))


def test_idle_session_is_signed_out(client, make_user, site, settings):
    settings.SESSION_IDLE_MINUTES = 30
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    device = enrolled_device(officer)
    password_sign_in(client, "officer")
    client.post(reverse("second_factor_verify"), {"code": code_for(device)})
    assert client.get("/work/projects/").status_code == 200
    session = client.session
    session[twofactor.LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/work/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    # Active sessions stay.
    password_sign_in(client, "officer")
    client.post(reverse("second_factor_verify"), {"code": code_for(device, step_offset=1)})
    session = client.session
    session[twofactor.LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/work/projects/").status_code == 200


def test_superuser_resets_a_lost_second_factor_but_not_their_own_and_platform_admins_cannot(client, make_user, site):
    """Resetting a second factor is a superuser's (fixA: a platform admin who
    could also reset passwords took officers' accounts over this way; see
    tests/security/test_admin_takeover.py)."""
    officer = make_user("procurement_officer", username="officer", verified_at=timezone.now())
    enrolled_device(officer)
    twofactor.new_backup_codes(officer)
    boss = make_user(username="boss", is_superuser=True, verified_at=timezone.now())
    boss_device = enrolled_device(boss)
    admin = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    admin_device = enrolled_device(admin)
    password_sign_in(client, "padmin")
    client.post(reverse("second_factor_verify"), {"code": code_for(admin_device)})
    from marketplace.core import reauth

    session = client.session
    session[reauth.SESSION_KEY] = int(time.time())  # re-authenticated just now: refused for the role
    session.save()
    url = reverse("sign_in_attempts")
    for username in ("padmin", "boss", "officer"):
        client.post(url, {"reset": "second_factor", "value": username})
    assert TOTPDevice.objects.filter(user__in=[admin, boss, officer]).count() == 3
    client.post(reverse("logout"))
    password_sign_in(client, "boss")
    client.post(reverse("second_factor_verify"), {"code": code_for(boss_device)})
    session = client.session
    session[reauth.SESSION_KEY] = int(time.time())  # re-authenticated just now
    session.save()
    client.post(url, {"reset": "second_factor", "value": "boss"})
    assert TOTPDevice.objects.filter(user=boss).exists()
    assert client.post(url, {"reset": "second_factor", "value": "officer"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEvent.objects.filter(action="user.second_factor_reset", actor=boss).count() == 1
    other = client.__class__()
    password_sign_in(other, "officer")
    assert other.get("/work/projects/")["Location"].startswith(reverse("second_factor_enrol"))
