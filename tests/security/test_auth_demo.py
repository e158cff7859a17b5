"""Issue 12, finding 4 in the demo: the demo accounts that need a second
factor get authenticators with published secrets (printed by make run), and
``demo_totp`` prints the current code only in development."""

import base64
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo import seed as demo
from demo.management.commands.seed_demo import Command as SeedDemo
from marketplace.core import twofactor
from marketplace.core.roles import sync_roles
from marketplace.models import User

pytestmark = pytest.mark.django_db


def test_demo_accounts_needing_it_get_fixed_totp_secrets_printed(site):
    sync_roles()
    SeedDemo()._accounts()
    SeedDemo()._accounts()  # idempotent
    table = SeedDemo.accounts_table()
    for username, _name, _roles, _community, _su in demo.ACCOUNTS:
        user = User.objects.get(username=username)
        if username in demo.TOTP_ACCOUNTS:
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            secret = base64.b32encode(device.bin_key).decode()
            assert secret in table
            assert twofactor.requires_second_factor(user)
        else:
            assert not TOTPDevice.objects.filter(user=user).exists()
    # Every demo account that needs a second factor has one, except officer (enrols on first sign-in).
    needing = {u.username for u in User.objects.all() if twofactor.requires_second_factor(u)}
    assert needing - set(demo.TOTP_ACCOUNTS) == {"officer"}
    assert "manage.py demo_totp" in table


def test_demo_totp_prints_a_code_that_verifies(site, settings, rf):
    sync_roles()
    SeedDemo()._accounts()
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_totp", "officer2", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert code.isdigit() and len(code) == 6
    assert twofactor.match_code(User.objects.get(username="officer2"), code) is not None


def test_demo_totp_refuses_without_debug(site, settings):
    sync_roles()
    SeedDemo()._accounts()
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", "officer2", stdout=io.StringIO())
