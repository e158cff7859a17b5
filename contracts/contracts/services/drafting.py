"""Drafting a contract from a live award, and editing it while a draft.

The officer's form gives the terms, the milestones, the rubric and the
survey questions at once; the service checks them all (each refusal names
its field) and writes them in one transaction, so a refused draft leaves
nothing behind.  The contract number (HT-<year>-<sequence>) is taken under
the unique constraint and retried on a collision, so two officers drafting
at once get two numbers."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.contracts import permissions
from contracts.contracts.models import (
    RESIDENT_WEIGHT_FLOOR,
    Contract,
    ContractKind,
    EvaluationCriterion,
    Milestone,
    SurveyQuestion,
)
from contracts.contracts.services.base import ContractError, TermsError, lock
from marketplace.core.audit import record_event
from marketplace.core.privacy import describe, find_personal_data
from marketplace.evaluation.models import Award
from marketplace.procurement.models.projects import Project

#: a term over this many years is refused; over one year needs a justification
MAX_TERM_YEARS = 3
NUMBER_PREFIX = "HT"
NUMBER_ATTEMPTS = 20

TERM_FIELDS = (
    "purchaser",
    "kind",
    "level",
    "service_content",
    "service_quality",
    "service_outputs",
    "quantity",
    "place",
    "amount",
    "starts_on",
    "ends_on",
    "term_justification",
    "expert_weight",
    "resident_weight",
    "pass_mark",
    "full_payment_score",
    "min_responses",
    "min_response_share",
    "evaluation_terms",
    "breach_terms",
)

DEFAULT_CRITERIA = [
    ("服务数量完成情况", Decimal("30")),
    ("服务质量与专业性", Decimal("40")),
    ("服务档案与资金管理", Decimal("30")),
]
DEFAULT_QUESTIONS = ["服务人员的态度", "服务是否按约定时间提供", "服务对您是否有帮助"]
DEFAULT_EVALUATION_TERMS = "每个节点由第三方评估与居民满意度测评共同评定，得分达到合格线方可验收。"
DEFAULT_BREACH_TERMS = "乙方未按约定提供服务的，甲方有权要求限期整改；整改后仍不合格的，甲方可解除合同。"


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_years_exceeded(starts_on, ends_on, years):
    """True when the term from ``starts_on`` to ``ends_on`` (both included)
    is longer than ``years`` years."""
    return ends_on >= add_years(starts_on, years)


# --- what the form starts from -----------------------------------------------------------------------


def winning_organization(award):
    """The awarded organization (through the award's bid: no bid content is read)."""
    return Award.objects.select_related("bid__organization").get(pk=award.pk).bid.organization


def initial_terms(award):
    """The form's starting values, copied from the award, the project and
    its (first) catalogue item."""
    project = award.project
    item = project.catalogue_items.order_by("code").first()
    kind = ContractKind.objects.filter(active=True).order_by("order", "code").first()
    communities = list(project.communities.all())
    start = max(project.service_start, timezone.localdate())
    end = project.service_end if project.service_end >= start else start
    terms = {
        "purchaser": project.purchaser,
        "kind": kind,
        "level": Contract.Level.COMMUNITY,
        "service_content": item.content if item else project.description,
        "service_quality": item.quality if item else "",
        "service_outputs": item.outputs if item else "",
        "quantity": (item.quantity if item and item.quantity else "")[:200],
        "place": "、".join(c.name for c in communities)[:200],
        "communities": communities,
        "amount": award.price,
        "starts_on": start,
        "ends_on": end,
        "term_justification": project.period_justification,
        "expert_weight": Decimal("30"),
        "resident_weight": Decimal("70"),
        "pass_mark": Decimal("60"),
        "full_payment_score": Decimal("80"),
        "min_responses": 20,
        "min_response_share": Decimal("30"),
        "evaluation_terms": DEFAULT_EVALUATION_TERMS,
        "breach_terms": DEFAULT_BREACH_TERMS,
    }
    middle = start + (end - start) / 2
    milestones = [
        {"title": "中期", "deliverables": "中期服务报告、服务台账", "due_on": middle, "share": Decimal("40")},
        {
            "title": "结项",
            "deliverables": "结项服务报告、服务台账、居民满意度测评",
            "due_on": end,
            "share": Decimal("60"),
        },
    ]
    criteria = [{"name": name, "max_score": score} for name, score in DEFAULT_CRITERIA]
    questions = [{"text": text} for text in DEFAULT_QUESTIONS]
    return terms, milestones, criteria, questions


# --- the checks ---------------------------------------------------------------------------------------


def term_problems(terms, milestones, criteria, questions, *, budget, price):
    """Every rule the terms break, as ``ContractError``s on their fields: a
    list, so the officer sees them all at once, not one per submission."""
    problems = []

    def refuse(message, field, code):
        problems.append(ContractError(message, field, code))

    kind, amount = terms["kind"], terms["amount"]
    if amount is None or amount <= 0:
        refuse(_("The contract sum must be more than zero."), "amount", "amount")
    elif amount > budget:
        refuse(
            _("The contract sum may not exceed the project budget (¥%(budget)s).") % {"budget": budget},
            "amount",
            "over_budget",
        )
    elif amount > price:
        refuse(
            _("The contract sum may not exceed the awarded price (¥%(price)s).") % {"price": price},
            "amount",
            "over_price",
        )
    starts_on, ends_on = terms["starts_on"], terms["ends_on"]
    if ends_on < starts_on:
        refuse(_("The term must end after it starts."), "ends_on", "term_order")
    elif term_years_exceeded(starts_on, ends_on, MAX_TERM_YEARS):
        refuse(_("The term may not exceed three years."), "ends_on", "term_too_long")
    elif term_years_exceeded(starts_on, ends_on, 1) and not (terms.get("term_justification") or "").strip():
        refuse(
            _("A term over one year needs a justification (the project's, or yours)."),
            "term_justification",
            "term_justification",
        )
    expert, resident = terms["expert_weight"], terms["resident_weight"]
    floor = RESIDENT_WEIGHT_FLOOR[terms["level"]]
    if expert + resident != Decimal("100"):
        refuse(_("The expert and resident weights must add up to 100."), "resident_weight", "weights")
    elif resident < floor:
        refuse(
            _("%(level)s: the residents' satisfaction must weigh at least %(floor)s%%.")
            % {"level": Contract.Level(terms["level"]).label, "floor": floor},
            "resident_weight",
            "resident_floor",
        )
    if terms["full_payment_score"] < terms["pass_mark"]:
        refuse(_("The score for the full share may not be below the pass mark."), "full_payment_score", "full_payment")
    if not milestones:
        refuse(_("Add at least one milestone."), "milestones", "no_milestones")
    else:
        total = sum((m["share"] for m in milestones), Decimal("0"))
        if total != Decimal("100"):
            refuse(
                _("The milestones' payment shares add up to %(total)s%%, not exactly 100%%.") % {"total": total},
                "milestones",
                "shares",
            )
        if kind.schedule == ContractKind.Schedule.FINAL and len(milestones) != 1:
            refuse(
                _("This kind of contract pays once after the final evaluation: give exactly one milestone at 100%."),
                "milestones",
                "single_milestone",
            )
        for milestone in milestones:
            if not starts_on <= milestone["due_on"] <= ends_on:
                refuse(
                    _("Milestone “%(title)s” falls due outside the term.") % {"title": milestone["title"]},
                    "milestones",
                    "due_outside_term",
                )
    rubric = sum((c["max_score"] for c in criteria), Decimal("0"))
    if rubric != Decimal("100"):
        refuse(
            _("The maximum scores of the evaluation criteria add up to %(total)s, not 100.") % {"total": rubric},
            "criteria",
            "criteria",
        )
    if not 3 <= len(questions) <= 5:
        refuse(_("Give 3 to 5 survey questions."), "questions", "questions")
    if not terms.get("communities"):
        refuse(_("Choose the communities served."), "communities", "communities")
    problems += personal_data_problems(terms, milestones)
    return problems


def check_terms(terms, milestones, criteria, questions, *, budget, price):
    """Refuse what the contract may not say: a ``TermsError`` carrying
    every problem (its message and field are the first one's)."""
    problems = term_problems(terms, milestones, criteria, questions, budget=budget, price=price)
    if problems:
        raise TermsError(problems)


#: free text of the contract that goes into its PDF and its public page
PUBLIC_TEXT_FIELDS = (
    "purchaser",
    "service_content",
    "service_quality",
    "service_outputs",
    "quantity",
    "place",
    "term_justification",
    "evaluation_terms",
    "breach_terms",
)
PERSONAL_KINDS = ("phone", "id_number", "bank_account")


def personal_data_problems(terms, milestones=()):
    """The contract is a public legal record: no phone, ID or bank numbers
    in what the officer typed (DESIGN §5).  One problem per field."""
    texts = [(name, terms.get(name) or "") for name in PUBLIC_TEXT_FIELDS]
    texts += [("milestones", f"{m['title']} {m['deliverables']}") for m in milestones]
    problems = []
    for field, text in texts:
        found = [kind for kind in find_personal_data(text) if kind in PERSONAL_KINDS]
        if found:
            problems.append(
                ContractError(
                    _("The contract is published: remove %(what)s.") % {"what": describe(found)},
                    field,
                    "personal_data",
                )
            )
    return problems


def check_no_personal_data(terms, milestones=()):
    """Refuse personal data in the public text (the first field found)."""
    problems = personal_data_problems(terms, milestones)
    if problems:
        raise problems[0]


# --- writing --------------------------------------------------------------------------------------------


def _write_terms(contract, terms, milestones, criteria, questions):
    for name in TERM_FIELDS:
        setattr(contract, name, terms[name])
    # the kind's cap is part of the terms: a later change of the kind never rewrites this contract
    contract.cost_share_cap = contract.kind.cost_share_cap
    contract.save()
    contract.communities.set(terms["communities"])
    contract.milestones.all().delete()
    contract.criteria.all().delete()
    contract.survey_questions.all().delete()
    Milestone.objects.bulk_create(
        Milestone(
            contract=contract,
            number=n,
            title=m["title"],
            deliverables=m["deliverables"],
            due_on=m["due_on"],
            share=m["share"],
        )
        for n, m in enumerate(sorted(milestones, key=lambda m: m["due_on"]), start=1)
    )
    EvaluationCriterion.objects.bulk_create(
        EvaluationCriterion(contract=contract, order=n, name=c["name"], max_score=c["max_score"])
        for n, c in enumerate(criteria, start=1)
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(contract=contract, order=n, text=q["text"]) for n, q in enumerate(questions, start=1)
    )


def next_number(year):
    """The next free number of ``year`` (HT-2026-0007), from the highest taken."""
    prefix = f"{NUMBER_PREFIX}-{year}-"
    taken = Contract.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    highest = max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


def save_with_number(contract, year):
    """Insert ``contract`` with the next number; on a collision (another
    officer took it a moment ago) take the next one."""
    for _attempt in range(NUMBER_ATTEMPTS):
        contract.number = next_number(year)
        try:
            with transaction.atomic():
                contract.save()
            return contract
        except IntegrityError as error:
            if "number" not in str(error):
                raise
            contract.pk = None
    raise ContractError(_("No contract number could be taken; try again."), code="number")


def draft_contract(award, *, by, terms, milestones, criteria, questions):
    """An officer drafts the contract of ``award``'s project."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=award.project_id)
        award = Award.objects.select_for_update().select_related("project").get(pk=award.pk)
        award.project = project
        permissions.require(permissions.can_draft(by, award), ContractError)
        check_terms(terms, milestones, criteria, questions, budget=project.budget, price=award.price)
        item = project.catalogue_items.order_by("code").first()
        contract = Contract(
            project=project,
            award=award,
            organization=winning_organization(award),
            catalogue_item=item,
            budget=project.budget,
            drafted_by=by,
            **{name: terms[name] for name in TERM_FIELDS},
        )
        save_with_number(contract, timezone.localdate().year)
        _write_terms(contract, terms, milestones, criteria, questions)
        record_event(
            "contract.drafted",
            actor=by,
            obj=contract,
            to_state=contract.state,
            details={"number": contract.number, "project": project.ref, "amount": str(contract.amount)},
        )
    return contract


def update_draft(contract, *, by, terms, milestones, criteria, questions):
    """The officer edits the draft (before sending it, or after changes were asked)."""
    with transaction.atomic():
        contract = lock(contract)
        permissions.require(permissions.can_edit(by, contract), ContractError)
        check_terms(terms, milestones, criteria, questions, budget=contract.budget, price=contract.award.price)
        _write_terms(contract, terms, milestones, criteria, questions)
        record_event("contract.edited", actor=by, obj=contract, details={"number": contract.number})
    return contract


def current_terms(contract):
    """A draft's terms in the shape of ``initial_terms``, for the edit form."""
    terms = {name: getattr(contract, name) for name in TERM_FIELDS}
    terms["communities"] = list(contract.communities.all())
    milestones = [
        {"title": m.title, "deliverables": m.deliverables, "due_on": m.due_on, "share": m.share}
        for m in contract.milestones.order_by("number")
    ]
    criteria = [{"name": c.name, "max_score": c.max_score} for c in contract.criteria.order_by("order")]
    questions = [{"text": q.text} for q in contract.survey_questions.order_by("order")]
    return terms, milestones, criteria, questions


__all__ = [
    "MAX_TERM_YEARS",
    "add_years",
    "check_terms",
    "current_terms",
    "draft_contract",
    "initial_terms",
    "next_number",
    "update_draft",
]
