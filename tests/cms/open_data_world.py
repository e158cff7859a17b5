"""A small world for the purchase list and statistics tests (issue 17, 3
and 5), written by the factories: a contracted project with its signed
contract (a ledger with a commitment and a payment, its first milestone
accepted), an open call with a sealed bid, a failed tender (one bid opened),
a draft and a project of the year before; a challenge; and personal data
planted everywhere a person's name, e-mail or phone could leak from."""

import datetime
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from contracts.payments.models import LedgerEntry
from marketplace.core.models.places import Community
from marketplace.evaluation.models import Award, Challenge
from marketplace.models import Bid, Organization, Project, User
from tests.evaluation_fixtures import PRICES, bids_of
from tests.factories import BidFactory, OrganizationFactory, ProjectFactory

DISBURSED = Decimal("1000.00")
#: planted on every person and organization contact: none may reach a public list, file or figure
MARKERS = ("隐私标记", "marker-person", "1399876", "联系人标记", "质疑理由标记")


@pytest.fixture
def opened(officer, second_officer, published, community, org_admin):
    """The evaluation fixtures' ``opened`` (the factories' project with three
    opened bids): these pages need no Wagtail page of the call."""
    project = ProjectFactory(
        closed=True,
        method_code="consultation",
        created_by=officer,
        submitted_by=officer,
        approved_by=second_officer,
        items=list(published.items.all()[:1]),
        communities=[community],
        bidders=list(PRICES),
        bidders__admins=[org_admin, None, None],
    )
    project.admins = [bid.organization.created_by for bid in bids_of(project)]
    return project


@dataclass
class World:
    year: int
    contract: Contract
    contracted: Project
    open_call: Project
    failed: Project
    draft: Project
    other_year: Project
    west: Community


def build(contract, community):
    """The world around ``contract`` (signed, from the ``active_contract`` fixture)."""
    contracted = contract.project
    year = contracted.year
    items = list(contracted.catalogue_items.all())
    west = Community.objects.create(district=community.district, street="西城街道", code="T01-09", name="光明社区")
    open_call = ProjectFactory(published=True, year=year, items=items, communities=[west], title="光明社区助餐服务")
    BidFactory(project=open_call, organization=OrganizationFactory(approved=True, community=west), submitted=True)
    failed = ProjectFactory(
        closed=True, year=year, items=items, communities=[west], title="光明社区助浴服务", bidders=["90000.00"]
    )
    assert failed.state == Project.State.FAILED
    draft = ProjectFactory(year=year, items=items, communities=[community], title="草稿项目不公开")
    other_year = ProjectFactory(
        published=True, year=year - 1, items=items, communities=[community], title="上一年度的项目"
    )

    now = timezone.now()
    LedgerEntry.objects.create(
        contract=contract, kind="commitment", debit="committed", credit="budget", amount=contract.amount, created_at=now
    )
    LedgerEntry.objects.create(
        contract=contract, kind="disbursement", debit="disbursed", credit="committed", amount=DISBURSED, created_at=now
    )
    Milestone.objects.filter(contract=contract, number=1).update(
        state=Milestone.State.ACCEPTED,
        expert_score=Decimal("88.00"),
        satisfaction_score=Decimal("80.00"),
        score=Decimal("85.00"),
        decided_at=now,
    )
    award = Award.objects.get(pk=contract.award_id)
    loser = Bid.objects.filter(project=contracted).exclude(pk=award.bid_id).select_related("organization").first()
    challenge = Challenge.objects.create(
        project=contracted,
        award=award,
        bid=loser,
        organization=loser.organization,
        reasons="质疑理由标记：评分不公",
        filed_by=loser.organization.created_by,
        filed_at=now - datetime.timedelta(days=3),
        answer_due=now + datetime.timedelta(days=4),
    )
    Challenge.objects.filter(pk=challenge.pk).update(state=Challenge.State.DISMISSED, decision_reason="隐私标记理由")
    plant_markers()
    return World(year, contract, contracted, open_call, failed, draft, other_year, west)


def plant_markers():
    for user in User.objects.all():
        User.objects.filter(pk=user.pk).update(
            full_name=f"隐私标记{user.pk}", email=f"marker-person{user.pk}@example.test", phone=f"1399876{user.pk:04d}"
        )
    Organization.objects.update(
        contact_name="联系人标记", contact_phone="13998760000", contact_email="marker-person-org@example.test"
    )


def assert_no_personal_data(text):
    for marker in MARKERS:
        assert marker not in text, marker


def pdf_text(body):
    """The text of a PDF (pdftotext, installed by .ci/run), or None without it."""
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True)  # noqa: S603, S607
    return done.stdout.decode()
