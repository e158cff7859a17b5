from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cms.setup import ensure_site
from demo import seed as demo
from demo.catalogue import seed_catalogue
from demo.contracts import seed_contracts
from demo.evaluation import accounts_lines as evaluator_accounts
from demo.evaluation import committee_lines, seed_evaluation
from demo.needs import seed_needs
from demo.organizations import accounts_lines as organization_accounts
from demo.organizations import seed_organizations
from demo.payments import seed_payments
from demo.projects import seed_projects
from marketplace.core.audit import AuditChainBrokenError, publish_head
from marketplace.core.models.places import Community, District
from marketplace.core.models.users import User
from marketplace.core.roles import role_label, sync_roles


class Command(BaseCommand):
    help = (
        "Load the demo district (communities, one account per role, public pages). "
        "Idempotent: running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DJANGO_DEBUG off (the demo accounts have published passwords).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates accounts whose passwords are published in the README; "
                "it refuses to run with DJANGO_DEBUG off. Pass --allow-production to insist."
            )
        with transaction.atomic():
            sync_roles()
            ensure_site()
            created = self._places() + self._accounts()
            created += seed_catalogue(User.objects.get(username="officer"))
            created += seed_needs(District.objects.get(code=demo.DISTRICT[0]))
            created += seed_organizations(stdout=self.stdout)
            created += seed_projects(stdout=self.stdout)
            created += seed_evaluation(stdout=self.stdout)
            created += seed_contracts(stdout=self.stdout)
            created += seed_payments(stdout=self.stdout)
        # The site search's documents, from everything public now (issue 17).
        call_command("rebuild_search_index", stdout=self.stdout)
        # Today's audit head, as the scheduler publishes it each night, so
        # /audit/ shows one from the start (issue 17, 8).
        try:
            publication, _path, _created = publish_head()
        except AuditChainBrokenError as exc:  # the server starts all the same; the admins check the chain
            self.stderr.write(f"Audit head not published: {exc}")
        else:
            self.stdout.write(f"Audit head of {publication.day}: {publication.event_count} events.")
        self.stdout.write(self.style.SUCCESS(f"Demo district ready ({created} new rows)."))
        self.stdout.write(self.accounts_table())

    def _places(self):
        code, name = demo.DISTRICT
        district, created = District.objects.get_or_create(code=code, defaults={"name": name})
        count = int(created)
        for c_code, street, c_name in demo.COMMUNITIES:
            _obj, made = Community.objects.get_or_create(
                code=c_code, defaults={"district": district, "street": street, "name": c_name}
            )
            count += int(made)
        return count

    def _accounts(self):
        count = 0
        for username, full_name, roles, community_code, superuser in demo.ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                full_name=full_name,
                email=f"{username}@demo.platform.localhost",
                is_superuser=superuser,
                is_staff=superuser,
                community=Community.objects.filter(code=community_code).first() if community_code else None,
            )
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
            user.groups.set(Group.objects.filter(name__in=roles))
            count += 1
        return count + self._demo_totp_devices()

    @staticmethod
    def _demo_totp_devices():
        """Authenticator devices with the fixed demo secrets (second factor)."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        count = 0
        for username in demo.TOTP_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                continue
            TOTPDevice.objects.create(user=user, name="authenticator", key=demo.demo_totp_key(username), confirmed=True)
            count += 1
        return count

    @staticmethod
    def accounts_table():
        lines = ["", f"Demo accounts (password for all: {demo.DEMO_PASSWORD})"]
        for username, full_name, roles, _community, _su in demo.ACCOUNTS:
            labels = ", ".join(str(role_label(r)) for r in roles)
            lines.append(f"  {username:<10} {full_name:<14} {labels}")
        lines += organization_accounts()
        lines += evaluator_accounts()
        lines += committee_lines()
        lines += second_factor_lines()
        return "\n".join(lines)


def second_factor_lines():
    """The demo TOTP secrets (issue 12), for an authenticator app."""
    import base64

    lines = [
        "",
        "Second factor (TOTP, 6 digits, 30 s) for officers, finance and administrators:",
        "  add the secret to an authenticator app, or print the current code with",
        "  .venv/bin/python manage.py demo_totp <username>",
    ]
    for username in demo.TOTP_ACCOUNTS:
        secret = base64.b32encode(bytes.fromhex(demo.demo_totp_key(username))).decode()
        lines.append(f"  {username:<10} {secret}")
    lines.append("  officer    (none yet: sets up an authenticator on first sign-in, QR code shown)")
    return lines
