"""The public disclosure section (issue 15, 6 and 13-14): contract
announcements, acceptance results and the organization's performance
history, without personal data."""

from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from tests.contract_fixtures import ContractFactory


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_a_signed_contract_is_announced_and_a_draft_is_not(client, site, active_contract, award_over):
    html = _html(client, "/disclosure/contracts/")
    assert active_contract.number in html and active_contract.organization.name in html
    page = _html(client, f"/disclosure/{active_contract.number}/")
    assert "¥" in page and active_contract.project.ref in page
    for milestone in active_contract.milestones.all():
        assert milestone.title in page
    # No person: not the administrator who will sign, nor their contact.
    admin = award_over.org_admin
    for private in filter(None, (admin.username, admin.email, getattr(admin, "phone", ""))):
        assert private not in page

    Contract.objects.filter(pk=active_contract.pk).update(state=Contract.State.DRAFT, activated_at=None)
    assert active_contract.number not in _html(client, "/disclosure/contracts/")
    assert client.get(f"/disclosure/{active_contract.number}/").status_code == 404


@pytest.mark.django_db
def test_the_list_is_searchable_and_a_bad_search_changes_nothing(client, site, active_contract):
    assert active_contract.number in _html(client, f"/disclosure/contracts/?q={active_contract.number}")
    assert active_contract.number not in _html(client, "/disclosure/contracts/?q=没有这样的合同")
    assert active_contract.number in _html(client, "/disclosure/contracts/?state=active")
    assert active_contract.number not in _html(client, "/disclosure/contracts/?state=completed")
    # An unknown status or a control character is refused by the form: the list is shown unfiltered.
    assert active_contract.number in _html(client, "/disclosure/contracts/?state=nonsense&q=%01")
    assert client.get("/disclosure/" + "x" * 40 + "/").status_code == 404


@pytest.mark.django_db
def test_acceptance_results_and_the_grade_reach_the_public(client, site, active_contract):
    first = active_contract.milestones.get(number=1)
    Milestone.objects.filter(pk=first.pk).update(
        state=Milestone.State.ACCEPTED,
        expert_score=Decimal("88.00"),
        satisfaction_score=Decimal("91.25"),
        score=Decimal("90.28"),
        payable=Decimal("100.00"),
        decided_at=timezone.now(),
    )
    page = _html(client, f"/disclosure/{active_contract.number}/")
    assert "90.28" in page and "91.25" in page and "例外验收" not in page
    # An acceptance below the pass mark, by exception, says so in public.
    Milestone.objects.filter(pk=first.pk).update(override_approved_by=active_contract.drafted_by)
    assert "例外验收" in _html(client, f"/disclosure/{active_contract.number}/")

    Contract.objects.filter(pk=active_contract.pk).update(
        state=Contract.State.COMPLETED, completed_at=timezone.now(), final_score=Decimal("90.28"), grade="A"
    )
    directory = _html(client, f"/organizations/{active_contract.organization_id}/")
    assert active_contract.number in directory and "90.28" in directory
    assert "优秀" in directory


@pytest.mark.django_db
def test_an_organization_without_contracts_says_so(client, site, award_over):
    draft = ContractFactory(award=award_over)
    directory = _html(client, f"/organizations/{draft.organization_id}/")
    assert draft.number not in directory


@pytest.mark.django_db
def test_the_call_and_result_pages_link_to_the_contract_once_signed(client, site, active_contract):
    link = f'href="/disclosure/{active_contract.number}/"'
    call = f"/projects/{active_contract.project.ref}/"
    assert link in _html(client, call)
    Contract.objects.filter(pk=active_contract.pk).update(state=Contract.State.AWAITING_SIGNATURES)
    assert link not in _html(client, call)
