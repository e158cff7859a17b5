"""Issue 12, review of the lockout work - written from the attacker's side.

1. Flooding the audit chain: every wrong password (even one refused by the
   lock, at no hashing cost) was an event kept for ever, each taking the
   chain head's lock ahead of bids.  Now only the start of a lockout is.
2. The lockout page threw the typed form away on the password re-entry
   pages (re-authentication, report confirmation): now the lock is an error
   on the same page, everything else typed is kept, and the form stays
   refused while locked.
3. X-Forwarded-For: garbage in it reached the lockout's address column (a
   500 on PostgreSQL), and a client could choose its own address per
   request.  Now it is read only behind a configured proxy, only the hop
   the proxy wrote, and only if it parses as an address.
"""

import re
import time

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from marketplace.core import account_audit, lockout, reauth
from marketplace.core.network import client_ip, parse_address
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import AuditEvent, Project, ReportConfirmation
from tests.auth_fixtures import mark_second_factor_done
from tests.evaluation_fixtures import PASSWORD, declare_all, form, qualify_all, score_all, serving
from tests.security.test_auth_second_factor import code_for

pytestmark = pytest.mark.django_db

RIGHT = "pw-test-2026"
LOGIN = "/accounts/login/"


def sign_in(client, username, password, ip="203.0.113.7", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def locked_message_in(response):
    """The lockout's own words, in the page's language (Chinese by default)."""
    with translation.override("zh-hans"):
        message = lockout.locked_out_message()
    return message in response.content.decode()


# --- 1. the audit chain is not a free, anonymous write ------------------------------------


def test_a_hundred_wrong_passwords_write_one_event(client, make_user, site, settings):
    user = make_user(username="zhao")
    before = AuditEvent.objects.count()
    statuses = [sign_in(client, "zhao", f"guess-{n}").status_code for n in range(100)]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}
    new = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_id) for e in new] == [("user.locked_out", str(user.pk))]
    assert not AuditEvent.objects.filter(action="user.sign_in_failed").exists()
    # Every one is still counted where the lockout (and the admin page) reads them.
    assert AccessAttempt.objects.get(username="zhao").failures_since_start == settings.AXES_FAILURE_LIMIT
    # Refused attempts are no new lockout, even when the cache forgot the last one.
    cache.clear()
    for n in range(10):
        assert sign_in(client, "zhao", f"again-{n}").status_code == 429
    assert AuditEvent.objects.count() == before + 1


def test_guessing_many_names_from_one_address_writes_one_event(client, make_user, site, settings):
    make_user(username="victim")
    before = AuditEvent.objects.count()
    for n in range(100):
        sign_in(client, f"nobody{n}@example.test", "wrong", ip="203.0.113.66")
    new = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in new] == ["security.address_locked_out"]
    assert new[0].details["limit"] == "address" and "203.0.113.66" not in str(new[0].details)
    assert sign_in(client, "victim", RIGHT, ip="203.0.113.66").status_code == 429


def test_a_lockout_is_recorded_once_even_when_reported_twice(client, make_user, site, settings):
    """Concurrent wrong passwords can reach the limit together: one event."""
    user = make_user(username="zhao")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "zhao", f"guess-{n}")
    assert AuditEvent.objects.filter(action="user.locked_out", object_id=str(user.pk)).count() == 1
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="203.0.113.7")
    AxesProxyHandler.update_request(request)
    request.axes_failures_since_start = settings.AXES_FAILURE_LIMIT  # "this failure was counted"
    account_audit.lockout_started("axes", request=request, username="zhao", ip_address="203.0.113.7")
    assert AuditEvent.objects.filter(action="user.locked_out", object_id=str(user.pk)).count() == 1


def test_successful_sign_in_is_still_an_event(client, make_user, site):
    user = make_user(username="zhao")
    assert sign_in(client, "zhao", RIGHT).status_code == 302
    assert AuditEvent.objects.filter(action="user.sign_in", object_id=str(user.pk)).count() == 1


# --- 2. on the password re-entry pages the lock is a form error; nothing typed is lost ----


def verified_but_stale(client, user, settings):
    client.force_login(user)
    device = mark_second_factor_done(client, user)
    session = client.session
    session[reauth.SESSION_KEY] = int(time.time()) - settings.REAUTH_MINUTES * 60 - 5
    session.save()
    return device


def hidden_fields(response):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.content.decode()))


@pytest.mark.usefixtures("real_second_factor")
def test_confirm_identity_page_keeps_its_form_when_the_lock_starts(client, officer, settings):
    device = verified_but_stale(client, officer, settings)
    url = reverse("reauthenticate")
    data = {"reauth-password": "wrong", "reauth-code": "000000", "next": "/work/projects/"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, data).status_code == 200
    tripped = client.post(url, data)
    assert tripped.status_code == 200  # not the bare 429 lockout page
    assert "marketplace/core/reauth.html" in [t.name for t in tripped.templates]
    assert "marketplace/core/locked_out.html" not in [t.name for t in tripped.templates]
    assert tripped.context["form"].errors["__all__"] and locked_message_in(tripped)
    assert hidden_fields(tripped)["next"] == "/work/projects/"
    # Still refused while locked, even with the right password and code.
    right = {"reauth-password": RIGHT, "reauth-code": code_for(device), "next": "/work/projects/"}
    refused = client.post(url, right)
    assert refused.status_code == 200 and refused.context["form"].errors["__all__"]
    assert not reauth.is_fresh(type("R", (), {"session": client.session})())


@pytest.mark.usefixtures("real_second_factor")
def test_reauth_required_step_keeps_the_carried_post_when_the_lock_starts(
    client, make_project, second_officer, settings
):
    project = make_project("pending_approval")
    device = verified_but_stale(client, second_officer, settings)
    url = reverse("projects:approve", args=[project.ref])
    wrong = {"approve-confirm": "on", "reauth-password": "wrong", "reauth-code": "000000"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, wrong)
    assert response.status_code == 403
    assert "marketplace/core/reauth.html" in [t.name for t in response.templates]
    assert hidden_fields(response)["approve-confirm"] == "on" and locked_message_in(response)
    right = {"approve-confirm": "on", "reauth-password": RIGHT, "reauth-code": code_for(device)}
    refused = client.post(url, right)
    assert refused.status_code == 403 and hidden_fields(refused)["approve-confirm"] == "on"
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL


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


def test_report_confirmation_keeps_its_form_when_the_lock_starts(client, report_to_confirm, settings):
    project, report, member = report_to_confirm
    client.force_login(member.evaluator.user)
    url = reverse("evaluate:confirm_report", args=[project.ref])
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"confirm-report-password": f"guess-{attempt}", "confirm-report-confirm": "on"})
    assert response.status_code == 200
    assert "marketplace/core/locked_out.html" not in [t.name for t in response.templates]
    kept = response.context["confirm_report_form"]
    assert kept.errors and kept.data.get("confirm-report-confirm") == "on" and locked_message_in(response)
    assert re.search(r'name="confirm-report-confirm"[^>]*checked', response.content.decode())
    refused = client.post(url, {"confirm-report-password": PASSWORD, "confirm-report-confirm": "on"})
    assert refused.status_code == 200 and refused.context["confirm_report_form"].errors
    assert not ReportConfirmation.objects.filter(report=report, member=member).exists()


def test_password_change_shows_the_lock_on_its_form(client, make_user, site, settings):
    user = make_user(username="zhao")
    client.force_login(user)
    url = reverse("password_change")
    new = "Another-pw-2026!"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"old_password": f"guess-{attempt}", "new_password1": new, "new_password2": new})
    assert response.status_code == 200 and response.context["form"].errors["old_password"]
    assert locked_message_in(response)
    user.refresh_from_db()
    assert user.check_password(RIGHT)


def test_the_sign_in_page_still_answers_with_the_lockout_page(client, make_user, site, settings):
    make_user(username="zhao")
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "zhao", f"guess-{n}")
    assert response.status_code == 429
    assert "marketplace/core/locked_out.html" in [t.name for t in response.templates]


# --- 3. the client address: X-Forwarded-For only behind a proxy, only valid addresses -----


def behind_a_proxy(settings):
    """As with DJANGO_BEHIND_TLS_PROXY=true (one proxy)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_HOPS = 1


GARBAGE = [
    "not-an-address",
    "'; DROP TABLE axes_accessattempt; --",
    "203.0.113.999",
    "unknown",
    "x" * 300,
    "1.2.3.4\x00",
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_forwarded_for_is_no_500_and_counts_for_the_real_address(client, make_user, site, settings, garbage):
    """Also run on PostgreSQL, whose inet column refused such values with a 500."""
    behind_a_proxy(settings)
    make_user(username="zhao")
    response = sign_in(client, "zhao", "wrong", ip="198.51.100.20", HTTP_X_FORWARDED_FOR=garbage)
    assert response.status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}


def test_rotating_forwarded_for_without_a_proxy_is_still_locked_by_address(client, make_user, site, settings):
    assert settings.TRUSTED_PROXY_HOPS == 0  # the default without DJANGO_BEHIND_TLS_PROXY
    make_user(username="victim")
    for n in range(settings.LOCKOUT_ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"nobody{n}", "wrong", ip="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    response = sign_in(client, "victim", RIGHT, ip="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429 and SESSION_KEY not in client.session


def test_behind_a_proxy_the_client_cannot_choose_its_address(client, make_user, site, settings):
    """The proxy appends the address it saw; what the client sent stays to the left."""
    behind_a_proxy(settings)
    make_user(username="victim")
    for n in range(settings.LOCKOUT_ADDRESS_FAILURE_LIMIT):
        forged = f"192.0.2.{n + 1}, 203.0.113.66"
        sign_in(client, f"nobody{n}", "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR=forged)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    response = sign_in(client, "victim", RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.66")
    assert response.status_code == 429
    # Another real client behind the same proxy is not affected.
    assert sign_in(client, "victim", RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.5").status_code == 302


def test_client_ip_reads_the_configured_hop(settings):
    rf = RequestFactory()
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1")) == "10.0.0.2"
    settings.TRUSTED_PROXY_HOPS = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5, 10.0.0.2")
    assert client_ip(request) == "203.0.113.5"
    # Fewer hops than proxies configured: the header is not what the proxies wrote.
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="192.0.2.1")) == "10.0.0.3"
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(rf.get("/", REMOTE_ADDR="bogus", HTTP_X_FORWARDED_FOR="nonsense")) == ""


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:51234 ", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", ""),
        ("203.0.113.7, 10.0.0.1", ""),
        ("", ""),
    ],
)
def test_parse_address(raw, parsed):
    assert parse_address(raw) == parsed
