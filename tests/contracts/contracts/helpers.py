"""Shared by the contract tests: the drafting form's POST, the service's
arguments, and a walk to a contract awaiting signatures or in force."""

import datetime
from decimal import Decimal

from django.utils import timezone, translation

from contracts.contracts import services
from contracts.contracts.models import ContractKind
from marketplace.models import Membership, User

PASSWORD = "pw-test-2026"


def zh(message, **values):
    with translation.override("zh-hans"):
        text = translation.gettext(message) if isinstance(message, str) else str(message)
    return text % values if values else text


def page(response):
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def service_terms(award, **overrides):
    """The service's arguments for a valid draft of ``award``'s contract."""
    terms, milestones, criteria, questions = services.initial_terms(award)
    terms.update(overrides.pop("terms", {}))
    return {
        "terms": terms,
        "milestones": overrides.pop("milestones", milestones),
        "criteria": overrides.pop("criteria", criteria),
        "questions": overrides.pop("questions", questions),
    }


def _rows(prefix, rows, fields, total):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "24",
    }
    for n, row in enumerate(rows):
        for name in fields:
            value = row.get(name, "")
            data[f"{prefix}-{n}-{name}"] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return data


def draft_post(award, *, terms=None, milestones=None, criteria=None, questions=None):
    """The drafting page's POST for a valid contract, with changes."""
    initial, default_milestones, default_criteria, default_questions = services.initial_terms(award)
    initial.update(terms or {})
    data = {}
    for name, value in initial.items():
        key = f"contract-{name}"
        if name == "communities":
            data[key] = [str(c.pk) for c in value]
        elif name == "kind":
            data[key] = str(value.pk)
        elif isinstance(value, datetime.date):
            data[key] = value.isoformat()
        elif value is None:
            data[key] = ""
        else:
            data[key] = str(value)
    milestones = default_milestones if milestones is None else milestones
    criteria = default_criteria if criteria is None else criteria
    questions = default_questions if questions is None else questions
    data.update(_rows("milestones", milestones, ("title", "deliverables", "due_on", "share"), len(milestones) + 1))
    data.update(_rows("criteria", criteria, ("name", "max_score"), len(criteria) + 1))
    data.update(_rows("questions", questions, ("text",), 5))
    return data


def drafted(award, officer, **overrides):
    return services.draft_contract(award, by=officer, **service_terms(award, **overrides))


def sent(award, officer, **overrides):
    contract = drafted(award, officer, **overrides)
    return services.send_for_signature(contract, by=officer)


def document_of(contract):
    return contract.documents.filter(amendment=None, voided_at__isnull=True).get()


def sign_as(contract, user, document=None):
    document = document or document_of(contract)
    return services.sign(contract, by=user, password=PASSWORD, sha256=document.sha256)


def signed(award, officer, second_officer):
    contract = sent(award, officer)
    sign_as(contract, second_officer)
    sign_as(contract, award.org_admin)
    contract.refresh_from_db()
    return contract


def org_member(make_user, organization, role=Membership.Role.MEMBER, username="orgmember"):
    user = make_user("organization_member", username=username, verified_at=timezone.now())
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


def kind(code):
    return ContractKind.objects.get(code=code)


__all__ = ["Decimal", "User"]
