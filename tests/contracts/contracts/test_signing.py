"""Sending, signing, asking for changes, activation, termination (issue 15,
3-4, 6, 8): the PDF is immutable and its digest is what a signature binds
to; four eyes; only an organization administrator signs for it; changes
void the signatures; both signatures make the contract active and the
project contracted; each message is sent once."""

import hashlib
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.contracts import events, messages, permissions, public, services
from contracts.contracts.models import Contract, ContractClauses, ContractDocument, Signature
from contracts.contracts.services import ContractError
from marketplace.core import workdays
from marketplace.core.privacy import find_personal_data
from marketplace.models import Notice, Project
from tests.contracts.contracts.helpers import (
    PASSWORD,
    document_of,
    drafted,
    org_member,
    sent,
    sign_as,
    signed,
    zh,
)

pytestmark = pytest.mark.django_db


def pdf_text(body):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True, timeout=60)
    return done.stdout.decode()


def notices(user, message_type, contract):
    from marketplace.core.languages import languages_of
    from marketplace.core.notifications import render

    subject, _body = render(
        message_type,
        services.base.context_of(contract, party="purchaser", reason="", amendment=1),
        languages_of([user])[user.pk],
    )
    return Notice.objects.filter(user=user, subject=subject).count()


def test_sending_writes_one_immutable_pdf_from_the_data_and_the_published_clauses(award_over, officer):
    organization = award_over.bid.organization
    organization.contact_phone = "13912345678"
    organization.contact_name = "联系人王小明"
    organization.save()
    award_over.org_admin.phone = "13887654321"
    award_over.org_admin.save()
    with pytest.raises(ContractError) as refused:
        drafted(award_over, officer, terms={"place": "和平社区，联系电话 13912345678"})
    assert refused.value.code == "personal_data" and refused.value.field == "place"
    contract = drafted(award_over, officer)
    contract = services.send_for_signature(contract, by=officer)
    assert contract.state == Contract.State.AWAITING_SIGNATURES and contract.sent_at
    document = document_of(contract)
    body = document.file.open("rb").read()
    assert hashlib.sha256(body).hexdigest() == document.sha256 and len(body) == document.size
    clauses = ContractClauses.objects.get(kind__isnull=True)
    assert document.clauses_revision == clauses.live_revision
    text = pdf_text(body)
    assert contract.number in text and award_over.project.title in text
    assert "转包" in text  # a general clause of the published revision
    # A legal record without personal data: no phone or ID numbers, no contact person.
    assert find_personal_data(text) == []
    assert "13912345678" not in text and "13887654321" not in text and "王小明" not in text
    with pytest.raises(ContractError):
        services.send_for_signature(contract, by=officer)  # not from this state
    assert ContractDocument.objects.count() == 1


def test_the_drafter_cannot_sign_for_the_purchaser(award_over, officer, second_officer):
    contract = sent(award_over, officer)
    decision = permissions.can_sign(officer, contract)
    assert not decision and decision.reason == zh(permissions.FOUR_EYES)
    with pytest.raises(ContractError) as refused:
        sign_as(contract, officer)
    assert refused.value.code == "permission"
    assert not Signature.objects.exists()
    sign_as(contract, second_officer)
    assert Signature.objects.get().party == Signature.Party.PURCHASER


def test_an_organization_member_who_is_not_its_administrator_cannot_sign(award_over, officer, make_user):
    contract = sent(award_over, officer)
    member = org_member(make_user, contract.organization)
    assert not permissions.can_sign(member, contract)
    with pytest.raises(ContractError):
        sign_as(contract, member)
    outsider = make_user("organization_member", username="outsider", verified_at=timezone.now())
    with pytest.raises(ContractError):
        sign_as(contract, outsider)
    assert not Signature.objects.exists()


def test_a_signature_binds_to_the_digest_of_the_exact_pdf(award_over, officer, second_officer):
    contract = sent(award_over, officer)
    document = document_of(contract)
    with pytest.raises(ContractError) as refused:
        services.sign(contract, by=award_over.org_admin, password=PASSWORD, sha256="0" * 64)
    assert refused.value.code == "document_changed"
    with pytest.raises(ContractError) as refused:
        services.sign(contract, by=award_over.org_admin, password="wrong", sha256=document.sha256)
    assert refused.value.code == "wrong_password"
    assert not Signature.objects.exists()
    signature = sign_as(contract, award_over.org_admin)
    assert signature.document == document and signature.sha256 == document.sha256
    assert signature.party == "organization" and signature.organization == contract.organization
    assert signature.signer == award_over.org_admin and signature.role
    assert abs((timezone.now() - signature.signed_at).total_seconds()) < 60
    with pytest.raises(ContractError):
        sign_as(contract, award_over.org_admin)  # once per side
    purchaser = sign_as(contract, second_officer)
    assert purchaser.department == contract.purchaser and purchaser.sha256 == document.sha256


def test_asking_for_changes_voids_the_document_and_the_signatures(award_over, officer, second_officer):
    contract = sent(award_over, officer)
    first = document_of(contract)
    sign_as(contract, second_officer)
    with pytest.raises(ContractError) as refused:
        services.request_changes(contract, by=award_over.org_admin, reason="  ")
    assert refused.value.field == "reason"
    contract = services.request_changes(contract, by=award_over.org_admin, reason="服务户数应为 45 户。")
    assert contract.state == Contract.State.DRAFT and contract.changes_requested == "服务户数应为 45 户。"
    first.refresh_from_db()
    signature = Signature.objects.get()
    assert first.voided_at and signature.voided_at and signature.void_reason == "服务户数应为 45 户。"
    contract = services.send_for_signature(contract, by=officer)
    second = document_of(contract)
    assert second.pk != first.pk
    sign_as(contract, award_over.org_admin)
    contract.refresh_from_db()
    assert contract.state == Contract.State.AWAITING_SIGNATURES  # the voided purchaser signature does not count
    assert Signature.objects.filter(voided_at__isnull=True).get().document == second


def test_both_signatures_activate_the_contract_and_contract_the_project(
    award_over, officer, second_officer, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, contract, **kwargs):
        received.append(contract.number)

    events.contract_activated.connect(listener)
    try:
        contract = sent(award_over, officer)
        with django_capture_on_commit_callbacks(execute=True):
            sign_as(contract, award_over.org_admin)
        assert received == []
        with django_capture_on_commit_callbacks(execute=True):
            sign_as(contract, second_officer)
    finally:
        events.contract_activated.disconnect(listener)
    contract.refresh_from_db()
    assert received == [contract.number]
    assert contract.state == Contract.State.ACTIVE and contract.activated_at
    today = timezone.localdate(contract.activated_at)
    assert contract.announcement_due == workdays.add_days(today, 2, "working")
    assert contract.announced_at is not None
    project = Project.objects.get(pk=contract.project_id)
    assert project.state == Project.State.CONTRACTED
    shown = public.public_contract(contract.number)
    assert shown.number == contract.number and shown.organization == contract.organization.name
    assert not hasattr(shown, "signer") and not hasattr(shown, "ip_address")
    assert [c.number for c in public.public_contracts()] == [contract.number]


def test_a_draft_or_awaiting_contract_is_not_public(award_over, officer):
    contract = sent(award_over, officer)
    assert public.public_contract(contract.number) is None and public.public_contracts() == []


def test_each_message_is_sent_once_to_the_people_concerned(
    award_over, officer, second_officer, django_capture_on_commit_callbacks
):
    admin = award_over.org_admin
    with django_capture_on_commit_callbacks(execute=True):
        contract = sent(award_over, officer)
    assert notices(admin, messages.SENT_FOR_SIGNATURE, contract) == 1
    assert notices(second_officer, messages.SENT_FOR_SIGNATURE, contract) == 1
    assert notices(officer, messages.SENT_FOR_SIGNATURE, contract) == 0  # the sender knows
    with django_capture_on_commit_callbacks(execute=True):
        sign_as(contract, admin)
        sign_as(contract, second_officer)
    assert notices(admin, messages.ACTIVATED, contract) == 1
    assert notices(officer, messages.ACTIVATED, contract) == 1
    assert notices(second_officer, messages.ACTIVATED, contract) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.terminate(
            contract, by=officer, reason="乙方无法继续提供服务。", on=timezone.localdate(), payable=Decimal("1000")
        )
    assert notices(admin, messages.TERMINATED, contract) == 1


def test_termination_needs_a_reason_and_at_most_the_sum(award_over, officer, second_officer):
    contract = sent(award_over, officer)
    sign_as(contract, second_officer)
    sign_as(contract, award_over.org_admin)
    contract.refresh_from_db()
    with pytest.raises(ContractError) as refused:
        services.terminate(contract, by=officer, reason="", on=timezone.localdate(), payable=Decimal("0"))
    assert refused.value.field == "reason"
    with pytest.raises(ContractError) as refused:
        services.terminate(
            contract, by=officer, reason="违约", on=timezone.localdate(), payable=contract.amount + Decimal("0.01")
        )
    assert refused.value.code == "payable_over_sum"
    with pytest.raises(ContractError):
        services.terminate(contract, by=award_over.org_admin, reason="违约", on=timezone.localdate(), payable=0)
    contract.refresh_from_db()
    assert contract.state == Contract.State.ACTIVE
    contract = services.terminate(
        contract, by=officer, reason="违约", on=timezone.localdate(), payable=Decimal("12000.50")
    )
    assert contract.state == Contract.State.TERMINATED
    assert contract.payable_at_termination == Decimal("12000.50") and contract.termination_reason == "违约"


def test_an_officer_who_acted_for_the_organization_may_not_sign_for_the_purchaser(award_over, officer, make_user):
    """Review finding: the purchaser's signer is impartial, like the officer who decides on an organization."""
    from contracts.contracts import permissions as contract_permissions
    from marketplace.models import Membership

    contract = sent(award_over, officer)
    insider = make_user("procurement_officer", username="insider", verified_at=timezone.now())
    Membership.objects.create(organization=contract.organization, user=insider, role=Membership.Role.ADMIN)
    party, decision = contract_permissions.party_for(insider, contract)
    assert party == contract_permissions.PURCHASER and not decision


def test_the_audit_chain_keeps_no_ip_address_of_a_signer(award_over, officer, second_officer):
    from marketplace.models import AuditEvent

    contract = signed(award_over, officer, second_officer)
    for event in AuditEvent.objects.filter(action="contract.signed", object_id=str(contract.pk)):
        assert "ip" not in (event.details or {})
