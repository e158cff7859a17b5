"""The demo purchase projects: every state this issue reaches, bids from
the demo organizations, a call closing minutes after seeding, idempotent."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.projects import CLOSING_SOON_TITLE
from marketplace.core.audit import verify_chain
from marketplace.models import Bid, Need, OpeningRecord, Project
from marketplace.procurement.services import opening


@pytest.mark.django_db
def test_demo_projects(settings, seeded_demo):
    settings.DEBUG = True
    states = set(Project.objects.values_list("state", flat=True))
    assert {"draft", "pending_approval", "published", "closed", "failed", "cancelled"} <= states
    assert Need.objects.filter(state="planned", project__isnull=False).count() >= 3
    closing = Project.objects.get(title=CLOSING_SOON_TITLE, state="published")
    minutes = (closing.deadline - timezone.now()).total_seconds() / 60
    assert 0 < minutes <= settings.DEMO_CLOSING_MINUTES
    assert f"/projects/{closing.ref}/" in seeded_demo.output
    assert Bid.objects.filter(project=closing, state="submitted").count() == 2
    closed = Project.objects.get(state="closed")
    assert OpeningRecord.objects.get(project=closed).valid_count == 3
    assert Project.objects.filter(method__code="commission", named_organization__isnull=False).exists()
    assert Project.objects.filter(clarifications__answered_at__isnull=False).exists()
    assert Project.objects.filter(addenda__isnull=False).exists()
    assert verify_chain().ok

    counts = (Project.objects.count(), Bid.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Project.objects.count(), Bid.objects.count()) == counts

    # Once the closing-soon call has opened, seeding again publishes a fresh one.
    Project.objects.filter(pk=closing.pk).update(
        deadline=timezone.now() - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)
    )
    closing.refresh_from_db()
    assert opening.ensure_opened(closing).state == "closed"
    call_command("seed_demo", stdout=io.StringIO())
    assert Project.objects.filter(title=CLOSING_SOON_TITLE, state="published").count() == 1
