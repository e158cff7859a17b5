"""The contract's PDF (a legal record: Simplified Chinese), built from the
contract's data and the latest published revision of the clauses for its
kind (or the general clauses).  Also the PDF of an amendment.

``contract_pdf`` returns ``(bytes, revision)``; the services store it as an
immutable ``ContractDocument`` with its SHA-256."""

from decimal import Decimal

from django.db.models import Q

from contracts.contracts.models import ContractClauses
from marketplace.core.pdf import render_pdf


def clauses_for(kind):
    """The live clauses for ``kind`` (its own, else the general ones), or None."""
    found = ContractClauses.objects.filter(live=True).filter(Q(kind=kind) | Q(kind__isnull=True))
    found = sorted(found, key=lambda clauses: (clauses.kind_id is None, clauses.pk))
    return found[0] if found else None


def published_revision(kind):
    """``(revision, clauses as of that revision)``: the latest published
    revision of the clauses for ``kind``; ``(None, None)`` when there are none."""
    clauses = clauses_for(kind)
    if clauses is None:
        return None, None
    revision = clauses.live_revision or clauses.latest_revision
    if revision is None:
        return None, clauses
    return revision, revision.as_object()


def paragraphs(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def milestone_rows(contract):
    """The milestones with ``part``: the share of the sum in CNY."""
    rows = list(contract.milestones.order_by("number"))
    for milestone in rows:
        milestone.part = (contract.amount * milestone.share / Decimal("100")).quantize(Decimal("0.01"))
    return rows


def _context(contract, revision_object):
    return {
        "contract": contract,
        "milestones": milestone_rows(contract),
        "criteria": list(contract.criteria.order_by("order")),
        "questions": list(contract.survey_questions.order_by("order")),
        "communities": list(contract.communities.order_by("code")),
        "general": paragraphs(getattr(revision_object, "general", "")),
        "breach": paragraphs(getattr(revision_object, "breach", "")),
        "disputes": paragraphs(getattr(revision_object, "disputes", "")),
        "evaluation_terms": paragraphs(contract.evaluation_terms),
        "breach_terms": paragraphs(contract.breach_terms),
    }


def contract_pdf(contract):
    revision, clauses = published_revision(contract.kind)
    return render_pdf("pdf/contract.html", _context(contract, clauses)), revision


def amendment_pdf(contract, amendment, changes_display):
    revision, clauses = published_revision(contract.kind)
    context = _context(contract, clauses)
    context.update({"amendment": amendment, "changes": changes_display})
    return render_pdf("pdf/contract.html", context), revision
