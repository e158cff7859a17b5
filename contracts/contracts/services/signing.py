"""Sending for signature, signing, asking for changes, terminating.

Sending writes the contract's PDF once (``ContractDocument``: SHA-256,
size, the clauses' revision): immutable.  Each party signs that exact
document after re-entering the password; the signature records the signer,
the side, the role, the organization or department, the server time, the
IP address and the document's digest.  When both sides have signed the
contract is in force: the project is contracted (evaluation's
``mark_contracted``), the announcement falls due two working days later and
``contract_activated`` is sent after commit.  A request for changes sends
the contract back to draft and voids the document and every signature."""

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.contracts import events, messages, permissions
from contracts.contracts import public as contracts_public
from contracts.contracts.models import Contract, ContractDocument, Signature, terms_problem
from contracts.contracts.pdfs import contract_pdf
from contracts.contracts.services.base import (
    ContractError,
    lock,
    officer_url,
    officers,
    organization_admins,
    organization_url,
    tell,
    tell_parties,
)
from marketplace.core import fsm, lockout, workdays
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.workdays import DayCount
from marketplace.evaluation.services.awards import mark_contracted

#: the contract announcement is due this many working days after signing
ANNOUNCEMENT_WORKING_DAYS = contracts_public.ANNOUNCE_WITHIN


def store_document(contract, pdf, revision, *, amendment=None, version=None):
    """Write ``pdf`` as the contract's (or amendment's) immutable document."""
    document = ContractDocument(
        contract=contract,
        amendment=amendment,
        version=version or contract.version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        clauses_revision=revision,
        created_at=timezone.now(),
    )
    document.file.save(f"{contract.number}.pdf", ContentFile(pdf), save=False)
    document.save()
    return document


def check_password(request, user, password):
    """The re-entered password, under the sign-in lockout (a wrong one
    counts), before the transaction so a refusal does not roll it back."""
    if request is not None:
        try:
            ok = lockout.check_password(request, user, password)
        except lockout.LockedOutError as exc:
            raise ContractError(exc.message, "password", "locked_out") from None
    else:
        ok = bool(password) and user.check_password(password)
    if not ok:
        raise ContractError(_("The password is not correct."), "password", "wrong_password")


def client_ip(request):
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


def send_for_signature(contract, *, by):
    """The officer sends the draft to both parties: the PDF is written now."""
    with transaction.atomic():
        contract = lock(contract)
        if contract.state == Contract.State.DRAFT:
            problem = terms_problem(contract)
            if problem:
                raise ContractError(problem, code="terms")
        fsm.require(contract.send_for_signature, by, ContractError)
        pdf, revision = contract_pdf(contract)
        document = store_document(contract, pdf, revision)
        contract.send_for_signature(by=by, reason="")
        contract.sent_at = timezone.now()
        contract.changes_requested = ""
        contract.save()
        record_event(
            "contract.document",
            actor=by,
            obj=contract,
            details={"sha256": document.sha256, "size": document.size, "version": document.version},
        )
        tell(messages.SENT_FOR_SIGNATURE, organization_admins(contract), contract, organization_url(contract))
        tell(messages.SENT_FOR_SIGNATURE, officers(exclude=[by]), contract, officer_url(contract))
    return contract


def _signature(document, party, by, request):
    membership_org = document.contract.organization if party == permissions.ORGANIZATION else None
    return Signature.objects.create(
        document=document,
        party=party,
        signer=by,
        role=str(Signature.ROLES[party]),
        organization=membership_org,
        department="" if membership_org else document.contract.purchaser,
        signed_at=timezone.now(),
        ip_address=client_ip(request),
        sha256=document.sha256,
    )


def sign(contract, *, by, password, sha256, request=None):
    """``by`` signs the document awaiting signature for its side.  ``sha256``
    is the digest of the document the signer was shown: a signature binds
    to that exact PDF, so a changed document is refused."""
    check_password(request, by, password)
    with transaction.atomic():
        contract = lock(contract)
        permissions.require(permissions.can_sign(by, contract), ContractError)
        document = ContractDocument.objects.select_for_update().get(pk=permissions.signing_document(contract).pk)
        if sha256 != document.sha256:
            raise ContractError(
                _("The document changed since you opened it: read it again before signing."), code="document_changed"
            )
        party, _decision = permissions.party_for(by, contract)
        signature = _signature(document, party, by, request)
        record_event(
            "contract.signed",
            actor=by,
            obj=contract,
            # The IP address stays on the signature row: the audit chain can never forget it.
            details={"party": party, "sha256": document.sha256},
        )
        tell_parties(messages.SIGNED, contract, exclude=[by], party=party)
        if fsm.allowed(contract.activate, by):
            _activate(contract, by=by, document=document)
    return signature


def _activate(contract, *, by, document):
    now = timezone.now()
    contract.activate(by=by, reason="")
    contract.activated_at = now
    contract.announcement_due = workdays.add_days(timezone.localdate(now), ANNOUNCEMENT_WORKING_DAYS, DayCount.WORKING)
    # The public read functions (contracts/contracts/public.py) show an active
    # contract at once: its announcement is available from this moment.
    contract.announced_at = now
    contract.save()
    purchaser_signer = document.signatures.get(party=permissions.PURCHASER, voided_at__isnull=True).signer
    try:
        mark_contracted(contract.project, by=purchaser_signer)
    except DomainError as error:  # the project's gate (a challenge filed meanwhile): nothing is signed
        raise ContractError(error.message, code=error.code) from None
    tell_parties(messages.ACTIVATED, contract)
    transaction.on_commit(lambda: events.contract_activated.send(sender=Contract, contract=contract))


def void_documents(contract, reason, *, amendment=None):
    now = timezone.now()
    documents = contract.documents.filter(amendment=amendment, voided_at__isnull=True)
    Signature.objects.filter(document__in=documents, voided_at__isnull=True).update(voided_at=now, void_reason=reason)
    return documents.update(voided_at=now)


def request_changes(contract, *, by, reason):
    """Either party asks for changes: back to draft; the document and the
    signatures given so far are void."""
    reason = (reason or "").strip()
    if not reason:
        raise ContractError(_("Say what should change."), "reason", "reason")
    with transaction.atomic():
        contract = lock(contract)
        fsm.require(contract.request_changes, by, ContractError)
        voided = void_documents(contract, reason)
        contract.request_changes(by=by, reason=reason)
        contract.changes_requested = reason
        contract.save()
        record_event("contract.voided", actor=by, obj=contract, reason=reason, details={"documents": voided})
        tell_parties(messages.CHANGES_REQUESTED, contract, exclude=[by], reason=reason)
    return contract


def terminate(contract, *, by, reason, on, payable):
    """The officer ends an active contract early: reason, date, and the
    amount payable so far (not above the sum)."""
    reason = (reason or "").strip()
    if not reason:
        raise ContractError(_("Give the reason for terminating."), "reason", "reason")
    if payable is None or payable < 0:
        raise ContractError(_("Give the amount payable so far."), "payable", "payable")
    with transaction.atomic():
        contract = lock(contract)
        fsm.require(contract.terminate, by, ContractError)
        if payable > contract.amount:
            raise ContractError(
                _("The amount payable may not exceed the contract sum (¥%(amount)s).") % {"amount": contract.amount},
                "payable",
                "payable_over_sum",
            )
        if on is None or on < timezone.localdate(contract.activated_at or timezone.now()):
            raise ContractError(_("The termination date may not be before the contract was signed."), "on", "date")
        contract.terminate(by=by, reason=reason)
        contract.terminated_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
        contract.termination_reason = reason
        contract.payable_at_termination = payable
        contract.save()
        events.contract_closed.send(sender=Contract, contract=contract, by=by)
        tell_parties(messages.TERMINATED, contract, exclude=[by], reason=reason)
    return contract
