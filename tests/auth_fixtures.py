"""Accounts security in tests (issue 12): the second factor and the
re-authentication before irreversible steps.

Most tests sign in with ``client.login`` / ``client.force_login`` and test
something else.  For them the session is marked as having typed its
second-factor code and re-authenticated (a confirmed TOTP device is made for
the user), and the idle sign-out and re-authentication windows are long, so
time travel in a test does not sign anyone out.  Tests of the second factor
itself ask for the ``real_second_factor`` fixture and get none of this.
"""

import time

import pytest


def mark_second_factor_done(client, user):
    """Make ``client``'s session one that typed a code (and re-authenticated) now."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from marketplace.core import reauth, twofactor

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[reauth.SESSION_KEY] = int(time.time())
    session[twofactor.LAST_SEEN_KEY] = int(time.time())
    session.save()
    return device


@pytest.fixture
def real_second_factor():
    """Ask for this fixture to test with the second factor as in production."""
    return True


@pytest.fixture(autouse=True)
def _second_factor_done_on_login(request, monkeypatch):
    if "real_second_factor" in request.fixturenames:
        yield
        return
    from django.test import Client

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        mark_second_factor_done(self, user)

    monkeypatch.setattr(Client, "_login", _login)
    settings = request.getfixturevalue("settings")
    settings.SESSION_IDLE_MINUTES = 60 * 24 * 3650
    settings.REAUTH_MINUTES = 60 * 24 * 3650
    yield
