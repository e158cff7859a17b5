"""Issue 12, finding 3: one sign-in lockout on every way to authenticate.

Written from the attacker's side: guess passwords at one door, then try the
right one at another; spread guesses over spellings of the same account;
guess from one address over many accounts; use the password re-entry and
password-change forms as a guessing oracle; flood the reset mails."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, authenticate
from django.urls import reverse
from django.utils import timezone

from marketplace.core import lockout
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import AuditEvent, ReportConfirmation
from tests.evaluation_fixtures import PASSWORD, declare_all, form, qualify_all, score_all, serving

pytestmark = pytest.mark.django_db

RIGHT = "pw-test-2026"
NEW = "Another-pw-2026!"
RESET = "/accounts/password-reset/"
DOORS = ["/accounts/login/", "/admin/login/", "/_util/login/"]


def sign_in(client, username, password, door="/accounts/login/", ip="203.0.113.7"):
    return client.post(door, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client):
    return SESSION_KEY in client.session


def exhaust_account(client, username, settings, door="/accounts/login/", ip="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username, "wrong-guess", door=door, ip=ip)


@pytest.mark.parametrize("door", DOORS)
def test_every_door_locks_after_the_threshold(client, make_user, site, settings, door):
    make_user("procurement_officer", username="zhao")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "zhao", f"guess-{attempt}", door=door)
        assert response.status_code == 200, attempt
    assert sign_in(client, "zhao", "guess-last", door=door).status_code == 429
    response = sign_in(client, "zhao", RIGHT, door=door)
    assert response.status_code == 429
    assert not signed_in(client)
    assert AccessAttempt.objects.filter(username="zhao").exists()


@pytest.mark.parametrize("other_door", ["/admin/login/", "/_util/login/"])
def test_refused_at_accounts_login_means_refused_at_the_other_doors(client, make_user, site, settings, other_door):
    make_user("procurement_officer", username="zhao")
    exhaust_account(client, "zhao", settings)
    # The right password, from the same address and from another one.
    for ip in ("203.0.113.7", "198.51.100.9"):
        response = sign_in(client, "zhao", RIGHT, door=other_door, ip=ip)
        assert response.status_code == 429
        assert not signed_in(client)


def test_the_admin_login_is_the_sites_sign_in(client, site):
    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert "registration/login.html" in [t.name for t in page.templates]


def test_spellings_of_one_account_count_together(client, make_user, site, settings):
    make_user(username="li@example.cn", email="li@example.cn")
    spellings = ["LI@Example.cn", " li@example.cn ", "Li@EXAMPLE.CN", "li@example.cn"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, spellings[attempt % len(spellings)], "wrong", ip=f"198.51.100.{attempt + 1}")
    assert sign_in(client, "li@example.cn", RIGHT, ip="192.0.2.50").status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"li@example.cn"}


def test_mobile_number_spellings_count_for_the_account(client, make_user, site, settings):
    make_user(username="13800138000", email="")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        typed = ["+86 138 0013 8000", "138-0013-8000", "008613800138000"][attempt % 3]
        sign_in(client, typed, "wrong", ip=f"198.51.100.{attempt + 1}")
    assert sign_in(client, "13800138000", RIGHT, ip="192.0.2.50").status_code == 429


def test_one_address_guessing_many_accounts_is_locked(client, make_user, site, settings):
    make_user(username="victim")
    for attempt in range(settings.LOCKOUT_ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"nobody{attempt}", "wrong", ip="203.0.113.66")
    assert sign_in(client, "victim", RIGHT, ip="203.0.113.66").status_code == 429
    assert not signed_in(client)
    # The account itself is not locked: from another address it signs in.
    assert sign_in(client, "victim", RIGHT, ip="192.0.2.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, make_user, site, settings):
    make_user(username="zhao")
    exhaust_account(client, "zhao", settings)
    assert sign_in(client, "zhao", RIGHT).status_code == 429
    long_ago = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=long_ago)
    assert sign_in(client, "zhao", RIGHT).status_code == 302
    assert signed_in(client)


def test_the_lockout_page_speaks_chinese_by_default(client, make_user, site, settings):
    make_user(username="zhao")
    exhaust_account(client, "zhao", settings)
    page = sign_in(client, "zhao", RIGHT)
    assert page.status_code == 429
    assert '<html lang="zh-Hans">' in page.content.decode()
    assert "marketplace/core/locked_out.html" in [t.name for t in page.templates]


def test_password_change_form_is_under_the_lockout(client, make_user, site, settings):
    user = make_user(username="zhao")
    client.force_login(user)
    url = reverse("password_change")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url,
            {"old_password": f"guess-{attempt}", "new_password1": NEW, "new_password2": NEW},
            REMOTE_ADDR="203.0.113.7",
        )
    response = client.post(url, {"old_password": RIGHT, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code in (200, 429)
    user.refresh_from_db()
    assert user.check_password(RIGHT)  # not changed
    assert sign_in(client.__class__(), "zhao", RIGHT).status_code == 429


@pytest.fixture
def report_to_confirm(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    score_all(opened)
    chair = next(m for m in serving(opened) if m.is_chair)
    report = evaluation.generate_report(opened, by=chair.evaluator.user)
    member = next(m for m in serving(opened) if not m.is_chair)
    return opened, report, member


def test_report_confirmation_password_is_under_the_lockout(client, report_to_confirm, settings):
    project, report, member = report_to_confirm
    user = member.evaluator.user
    client.force_login(user)
    url = reverse("evaluate:confirm_report", args=[project.ref])
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"confirm-report-password": f"guess-{attempt}", "confirm-report-confirm": "on"})
    # Locked: even the right password does not confirm, and sign-in is refused too.
    client.post(url, {"confirm-report-password": PASSWORD, "confirm-report-confirm": "on"})
    assert not ReportConfirmation.objects.filter(report=report, member=member).exists()
    assert sign_in(client.__class__(), user.username, PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username=user.username, path_info=url).exists()


def test_password_reset_mails_are_limited_per_account(client, make_user, site, mailoutbox):
    make_user(username="zhao", email="zhao@example.cn")
    for attempt in range(8):
        response = client.post(RESET, {"email": "zhao@example.cn"}, REMOTE_ADDR=f"198.51.100.{attempt}")
        assert response.status_code == 302  # the page reads the same either way
    assert len(mailoutbox) == 3


def test_password_reset_mails_are_limited_per_address(client, make_user, site, mailoutbox):
    for n in range(12):
        make_user(username=f"user{n}", email=f"user{n}@example.cn")
    statuses = [
        client.post(RESET, {"email": f"user{n}@example.cn"}, REMOTE_ADDR="203.0.113.9").status_code for n in range(12)
    ]
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429]
    assert len(mailoutbox) == 10


def test_wagtail_admin_password_reset_and_change_are_off(client, make_user, site):
    assert client.get("/admin/password_reset/").status_code in (302, 404)
    user = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    client.force_login(user)
    page = client.get("/admin/account/")
    assert 'name="password-old_password"' not in page.content.decode()


def test_platform_admin_sees_and_resets_lockouts_in_the_admin(client, make_user, site, settings):
    make_user("procurement_officer", username="zhao")
    exhaust_account(client, "zhao", settings)
    admin = make_user("platform_admin", username="padmin", verified_at=timezone.now())
    client.force_login(admin)
    url = reverse("sign_in_attempts")
    page = client.get(url)
    assert page.status_code == 200 and "zhao" in page.content.decode()
    response = client.post(url, {"reset": "account", "value": "zhao"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="zhao").exists()
    assert AuditEvent.objects.filter(action="security.lockout_reset").exists()
    assert sign_in(client.__class__(), "zhao", RIGHT).status_code == 302


def test_others_cannot_see_or_reset_lockouts(client, make_user, site, settings):
    make_user("procurement_officer", username="zhao")
    exhaust_account(client, "zhao", settings)
    for role in ("procurement_officer", "editor", "finance_officer"):
        other = make_user(role)
        client.force_login(other)
        assert client.get(reverse("sign_in_attempts")).status_code in (302, 403)
        assert client.post(reverse("sign_in_attempts"), {"reset": "account", "value": "zhao"}).status_code in (302, 403)
    assert AccessAttempt.objects.filter(username="zhao").exists()


def test_authentication_without_a_request_is_refused_in_production(make_user, settings):
    make_user(username="zhao")
    settings.LOCKOUT_ALLOW_REQUESTLESS = False
    with pytest.raises(ValueError):
        authenticate(username="zhao", password=RIGHT)


def test_check_password_counts_and_refuses(rf, make_user, settings):
    from django.contrib.sessions.backends.db import SessionStore

    user = make_user(username="zhao")

    def request():
        req = rf.post("/x/", REMOTE_ADDR="203.0.113.7")
        req.session = SessionStore()
        return req

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert lockout.check_password(request(), user, "wrong") is False
    with pytest.raises(lockout.LockedOutError):
        lockout.check_password(request(), user, "wrong")
    with pytest.raises(lockout.LockedOutError):
        lockout.check_password(request(), user, RIGHT)


def test_attempt_records_keep_no_typed_secret(client, report_to_confirm, settings):
    project, report, member = report_to_confirm
    client.force_login(member.evaluator.user)
    url = reverse("evaluate:confirm_report", args=[project.ref])
    client.post(url, {"confirm-report-password": "my-Secret-typo-2026", "confirm-report-confirm": "on"})
    sign_in(client.__class__(), member.evaluator.user.username, "other-Secret-typo")
    rows = list(AccessAttempt.objects.values_list("post_data", "get_data"))
    assert rows and not any("Secret-typo" in post + get for post, get in rows)
