"""Print the current second-factor code of an account (development only).

    .venv/bin/python manage.py demo_totp officer2

For walking through the demo without an authenticator app.  Refuses to run
unless DJANGO_DEBUG is on."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from marketplace.core.models.users import User


class Command(BaseCommand):
    help = "Print the current TOTP code of an account's authenticator (only with DJANGO_DEBUG=true)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp runs only with DJANGO_DEBUG=true (development).")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username!r}.")
        device = (
            TOTPDevice.objects.filter(user=user, confirmed=True).first()
            or TOTPDevice.objects.filter(user=user).order_by("-pk").first()
        )
        if device is None:
            raise CommandError(f"{username} has no authenticator yet: sign in once to set one up.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(valid for about {left} more seconds)")
