"""Demo contracts (issue 15): contracts in every state, so every contract,
milestone, supervision, survey and evaluation page has something to show on
``make run``.

Each contract is made from an awarded demo project (``demo.evaluation``'s
road: publication, bids, opening, committee, scores, report, award) and then
walked through the contract services with the services' clock set to the
day each step happened:

* ``awaiting``: drafted by ``officer``, signed by the organization, awaiting
  the purchaser's second signature (``officer2`` may sign it);
* ``lights``: active, won by ``org``'s 和平社区夕阳红志愿服务队: milestone 1
  accepted (expert sheet, resident survey), milestone 2 due within three
  working days (yellow), milestone 3 later (green); a supervision visit by
  ``worker``;
* ``rectified``: active: milestone 1 rejected and its rectified report
  submitted again; milestone 2 overdue (red);
* ``survey``: active: milestone 1 under evaluation, the assigned evaluator
  (``evaluator``) has declared no conflict and not scored yet; survey links
  printed by ``worker``, some residents have answered (fewer than needed);
* ``grade_a`` … ``grade_d``: completed one-payment contracts (奖励) graded
  优秀, 良好, 合格 and 不合格 (the last accepted below the pass mark with a
  second officer's approval);
* ``terminated``: ended early by the purchaser with the amount payable so far.

The existing ``over`` project of ``demo.evaluation`` is left without a
contract: the README's walkthrough drafts it.  Idempotent: a project whose
title exists is left alone."""

import datetime
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from contracts.contracts.models import Contract, ContractKind
from contracts.contracts.services import drafting, signing
from contracts.milestones.services import acceptance, evaluation, reports, supervision, surveys
from demo import evaluation as demo_evaluation
from demo import projects as demo_projects
from demo import seed as demo
from demo.evaluation import _clock, _day
from demo.organizations import demo_pdf
from marketplace.core import workdays
from marketplace.core.models.users import User
from marketplace.evaluation.models import Award, Evaluator
from marketplace.models import EntryStandard, Project

CENT = Decimal("0.01")


def _spec(key, title, communities, keyword, budget, winner, others, back):
    """An awarded consultation whose challenge period ended long ago: published
    ``back`` working days before today."""
    return {
        "key": key,
        "title": title,
        "method": "consultation",
        "communities": communities,
        "keyword": keyword,
        "budget": budget,
        "days": 12,
        "published": back,
        "bid_days": [back - 3, back - 4, back - 5],
        "opened": back - 7,
        "scored": back - 7,
        "reported": back - 7,
        "awarded": back - 8,
        "bidders": [(winner[0], winner[1], "strong"), *((name, price, "fair") for name, price in others)],
        "service_soon": True,
        "budget_override_reason": "街道统筹资金补足社区服务资金的不足部分（演示）。",
    }


LUSHAN = "示范区麓山社会工作服务中心"
XIYANG = "和平社区夕阳红志愿服务队"
CHUNHUI = "春晖社区邻里互助会"
FENGLIN = "枫林社区青少年成长服务中心"
CUIYUAN = "翠苑社区文体协会"

PROJECTS = [
    _spec(
        "awaiting",
        "春晖社区独居老人探访服务",
        ["DEMO-DC-01"],
        "探访",
        "52000.00",
        (CHUNHUI, "49800.00"),
        [(LUSHAN, "51000.00"), (CUIYUAN, "47500.00")],
        40,
    ),
    _spec(
        "lights",
        "和平社区老年人助餐配送服务",
        ["DEMO-DC-01"],
        "助餐",
        "96000.00",
        (XIYANG, "91200.00"),
        [(LUSHAN, "94000.00"), (CHUNHUI, "89000.00")],
        75,
    ),
    _spec(
        "rectified",
        "和平社区残疾人康复辅导服务",
        ["DEMO-DC-01"],
        "康复",
        "60000.00",
        (LUSHAN, "58600.00"),
        [(CHUNHUI, "57000.00"), (CUIYUAN, "55800.00")],
        70,
    ),
    _spec(
        "survey",
        "和平社区儿童四点半课堂",
        ["DEMO-DC-01"],
        "四点半",
        "45000.00",
        (FENGLIN, "43800.00"),
        [(XIYANG, "44500.00"), (CUIYUAN, "41000.00")],
        65,
    ),
    _spec(
        "grade_a",
        "和平社区重阳节敬老活动",
        ["DEMO-DC-01"],
        "文体",
        "18000.00",
        (LUSHAN, "17600.00"),
        [(XIYANG, "17900.00"), (CUIYUAN, "16800.00")],
        120,
    ),
    _spec(
        "grade_b",
        "和平社区邻里节",
        ["DEMO-DC-01"],
        "文体",
        "15000.00",
        (CUIYUAN, "14600.00"),
        [(CHUNHUI, "14900.00"), (XIYANG, "14200.00")],
        118,
    ),
    _spec(
        "grade_c",
        "和平社区防诈骗宣传",
        ["DEMO-DC-01"],
        "宣传",
        "12000.00",
        (CHUNHUI, "11800.00"),
        [(LUSHAN, "11900.00"), (CUIYUAN, "11000.00")],
        116,
    ),
    _spec(
        "grade_d",
        "和平社区垃圾分类宣传指导",
        ["DEMO-DC-01"],
        "宣传",
        "16000.00",
        (CUIYUAN, "15500.00"),
        [(CHUNHUI, "15800.00"), (LUSHAN, "15000.00")],
        114,
    ),
    _spec(
        "terminated",
        "和平社区青少年暑期托管",
        ["DEMO-DC-01"],
        "托管",
        "30000.00",
        (FENGLIN, "29000.00"),
        [(LUSHAN, "29800.00"), (XIYANG, "28000.00")],
        90,
    ),
]
TITLES = [spec["title"] for spec in PROJECTS]

# The expert's score and the residents' answers (overall satisfaction, each
# question the same) for each graded contract: 30 % expert, 70 % residents.
GRADED = {
    "grade_a": (Decimal("95"), [5, 5, 5, 5, 5]),  # 98.50 优秀
    "grade_b": (Decimal("85"), [4, 4, 5, 4, 4]),  # 81.50 良好
    "grade_c": (Decimal("70"), [4, 3, 4, 3, 4]),  # 66.50 合格
    "grade_d": (Decimal("50"), [3, 2, 3, 2, 3]),  # 43.00 不合格
}


def _user(username):
    return User.objects.get(username=username)


def _admin_of(contract):
    return demo_projects._member(contract.organization)


def _kind(schedule):
    return ContractKind.objects.filter(schedule=schedule, active=True).order_by("order").first()


def _draft(award, officer, *, milestones, kind=None, min_responses=None):
    """The contract drafted with the form's starting values and ``milestones``:
    [(title, deliverables, due date, share)]."""
    terms, _milestones, criteria, questions = drafting.initial_terms(award)
    if kind is not None:
        terms["kind"] = kind
    if min_responses is not None:
        terms["min_responses"] = min_responses
    last_due = max(due for _t, _d, due, _s in milestones)
    terms["ends_on"] = max(terms["ends_on"], last_due)
    rows = [{"title": t, "deliverables": d, "due_on": due, "share": share} for t, d, due, share in milestones]
    return drafting.draft_contract(
        award, by=officer, terms=terms, milestones=rows, criteria=criteria, questions=questions
    )


def _document(contract):
    return contract.documents.filter(voided_at__isnull=True).order_by("-created_at").first()


def _sign(contract, signer):
    contract.refresh_from_db()
    return signing.sign(contract, by=signer, password=demo.DEMO_PASSWORD, sha256=_document(contract).sha256)


def _signed(award, officer, second, at, **draft):
    """Drafted, sent and signed by both parties on the working day ``at`` back."""
    with _clock(_day(at, 9)):
        contract = _draft(award, officer, **draft)
        signing.send_for_signature(contract, by=officer)
    with _clock(_day(at, 14)):
        _sign(contract, _admin_of(contract))
    with _clock(_day(at, 16)):
        _sign(contract, second)
    contract.refresh_from_db()
    return contract


def _report(milestone, user, at, *, narrative="本节点服务已按合同完成，详见服务台账与附件。"):
    community = milestone.contract.communities.order_by("pk").first()
    with _clock(_day(at, 10)):
        entry = {
            "day": timezone.localdate() - datetime.timedelta(days=3),
            "community": community,
            "place": f"{community.name}居民活动室",
            "activity": f"{milestone.contract.project.title}：{milestone.title}服务活动",
            "residents_served": 36,
            "volunteers": 6,
        }
        evidence = ContentFile(demo_pdf("服务台账", (milestone.contract.number, milestone.title)), name="服务台账.pdf")
        reports.save_draft(
            milestone, by=user, narrative=narrative, entry=entry, files=[evidence], evidence_title="服务台账"
        )
        milestone.refresh_from_db()
        reports.submit_report(milestone, by=user)
    milestone.refresh_from_db()
    return milestone


def _sheet(milestone, total):
    """Scores for the contract's rubric adding up to ``total`` (of 100)."""
    criteria = list(milestone.contract.criteria.order_by("order"))
    scores, given = {}, Decimal("0")
    for index, criterion in enumerate(criteria):
        if index == len(criteria) - 1:
            value = total - given
        else:
            value = (criterion.max_score * total / 100).quantize(CENT, ROUND_HALF_UP)
        given += value
        scores[criterion.pk] = (value, f"“{criterion.name}”：对照服务台账与现场核查评定。")
    return scores


def _evaluate(milestone, officer, evaluator_username, at, *, total=None):
    """Assigned to the evaluator, declared; scored and locked when ``total`` is given."""
    expert = Evaluator.objects.get(user__username=evaluator_username)
    with _clock(_day(at, 9)):
        sheet = evaluation.assign(milestone, by=officer, evaluator=expert)
    with _clock(_day(at, 11)):
        sheet = evaluation.declare(sheet, by=expert.user, relationship="none")
    if total is not None:
        with _clock(_day(at - 1 if at > 1 else at, 15)):
            evaluation.save_sheet(
                sheet, by=expert.user, scores=_sheet(milestone, total), opinion="服务记录完整，居民反馈良好。"
            )
            sheet.refresh_from_db()
            evaluation.lock(sheet, by=expert.user)
    milestone.refresh_from_db()
    return sheet


def _survey(milestone, worker, at, answers, *, links=None, comment=""):
    """Links printed by the worker; one resident answers per value in ``answers``."""
    with _clock(_day(at, 9)):
        tokens = surveys.make_links(milestone, by=worker, count=links or len(answers) + 2)
    questions = list(milestone.contract.survey_questions.order_by("order"))
    for token, overall in zip(tokens, answers, strict=False):
        with _clock(_day(at, 16)):
            surveys.answer(token, overall=overall, answers={q.pk: overall for q in questions}, comment=comment)
    return tokens


def _accept(
    milestone, officer, at, *, reason="材料齐全，评估与满意度测评均达到合同约定，同意验收。", override=None, second=None
):
    with _clock(_day(at, 11)):
        milestone.refresh_from_db()
        acceptance.decide(milestone, by=officer, accept=True, reason=reason, override_reason=override or "")
    if override:
        with _clock(_day(at, 15)):
            milestone.refresh_from_db()
            acceptance.approve_override(milestone, by=second)
    milestone.refresh_from_db()
    return milestone


def _due(back=None, ahead=None):
    """A due date ``back`` working days before today, or ``ahead`` working days after it."""
    if back is not None:
        return _day(back, 9).date()
    return workdays.add_days(timezone.localdate(), ahead, workdays.DayCount.WORKING)


def _walk(spec, award, officer, second, worker):
    key = spec["key"]
    purchase = _kind("milestones")
    if key == "awaiting":
        with _clock(_day(3, 9)):
            contract = _draft(
                award,
                officer,
                kind=purchase,
                milestones=[
                    ("中期", "中期服务报告、探访台账", _due(ahead=80), Decimal("50")),
                    ("结项", "结项报告、探访台账、满意度测评", _due(ahead=200), Decimal("50")),
                ],
            )
            signing.send_for_signature(contract, by=officer)
        with _clock(_day(2, 15)):
            _sign(contract, _admin_of(contract))
        return contract
    if key in ("lights", "rectified", "survey", "terminated"):
        if key == "lights":
            milestones = [
                ("第一季度", "服务台账、配送记录", _due(back=12), Decimal("30")),
                ("第二季度", "服务台账、配送记录", _due(ahead=2), Decimal("30")),
                ("结项", "结项报告、满意度测评", _due(ahead=120), Decimal("40")),
            ]
        elif key == "rectified":
            milestones = [
                ("中期", "中期报告、康复训练记录", _due(back=14), Decimal("40")),
                ("第二阶段", "康复训练记录", _due(back=3), Decimal("30")),
                ("结项", "结项报告、满意度测评", _due(ahead=90), Decimal("30")),
            ]
        else:
            milestones = [
                ("中期", "中期服务报告", _due(back=8), Decimal("50")),
                ("结项", "结项报告、满意度测评", _due(ahead=100), Decimal("50")),
            ]
        contract = _signed(
            award, officer, second, spec["awarded"] - 9, kind=purchase, milestones=milestones, min_responses=10
        )
        first = contract.milestones.get(number=1)
        org_user = _admin_of(contract)
        if key == "lights":
            with _clock(_day(20, 10)):
                supervision.add_record(
                    contract,
                    by=worker,
                    visited_on=_day(21, 9).date(),
                    observed="午餐按时送达，饭菜温度合适，老人反映口味清淡合适。",
                    attendance=24,
                    issues="两户老人反映送餐时间偶有延后。",
                    milestone=first,
                )
            _report(first, org_user, 12)
            _evaluate(first, officer, "evaluator2", 10, total=Decimal("86"))
            _survey(first, worker, 9, [5, 4, 5, 4, 5, 5, 4, 4, 5, 5, 4, 5])
            _accept(first, officer, 7)
        elif key == "rectified":
            _report(first, org_user, 14)
            _evaluate(first, officer, "evaluator3", 12, total=Decimal("52"))
            _survey(first, worker, 11, [3, 2, 3, 3, 2, 3, 2, 3, 3, 2])
            with _clock(_day(9, 11)):
                first.refresh_from_db()
                acceptance.decide(
                    first,
                    by=officer,
                    accept=False,
                    reason="康复训练记录不完整，缺少个案评估与训练计划，请补充后重新提交。",
                )
            first.refresh_from_db()
            _report(first, org_user, 4, narrative="已补充个案评估表与个别化训练计划，并补录缺失的训练记录。")
        elif key == "survey":
            _report(first, org_user, 6)
            _evaluate(first, officer, "evaluator", 4)
            _survey(first, worker, 3, [5, 4, 5, 4, 4, 5, 3, 5], links=20, comment="老师很耐心，孩子很喜欢。")
        else:  # terminated
            with _clock(_day(5, 10)):
                contract.refresh_from_db()
                signing.terminate(
                    contract,
                    by=officer,
                    reason="服务场地因改造停止使用，经双方协商提前终止合同。",
                    on=_day(5, 10).date(),
                    payable=Decimal("0.00"),
                )
        contract.refresh_from_db()
        return contract
    # A graded one-payment contract: report, expert, survey, acceptance, completion.
    expert_total, answers = GRADED[key]
    contract = _signed(
        award,
        officer,
        second,
        spec["awarded"] - 9,
        kind=_kind("final") or purchase,
        min_responses=5,
        milestones=[("结项", "活动总结、签到表、照片", _due(back=spec["awarded"] - 20), Decimal("100"))],
    )
    only = contract.milestones.get(number=1)
    _report(only, _admin_of(contract), spec["awarded"] - 20)
    _evaluate(only, officer, "evaluator5", spec["awarded"] - 22, total=expert_total)
    _survey(only, worker, spec["awarded"] - 23, answers)
    if key == "grade_d":
        _accept(
            only,
            officer,
            spec["awarded"] - 25,
            reason="得分低于合格线。",
            override="活动已全部完成，主要问题为宣传覆盖面不足；经科室研究按合同约定扣减后验收。",
            second=second,
        )
    else:
        _accept(only, officer, spec["awarded"] - 25)
    contract.refresh_from_db()
    return contract


def seed_contracts(stdout=None):
    """Create the missing demo contracts; return the number of new contracts."""
    started = time.monotonic()
    officer = User.objects.filter(username="officer", is_active=True).first()
    second = User.objects.filter(username="officer2", is_active=True).first()
    worker = User.objects.filter(username="worker", is_active=True).first()
    standard = EntryStandard.objects.filter(name="基本准入标准").first()
    if None in (officer, second, worker, standard):
        return 0
    existing = set(Project.objects.filter(title__in=TITLES).values_list("title", flat=True))
    created = 0
    for spec in PROJECTS:
        if spec["title"] in existing:
            continue
        with transaction.atomic():
            project = demo_evaluation._create(spec, officer, second, standard)
            if project is None:
                continue
            award = Award.objects.get(project=project, cancelled_at__isnull=True)
            _walk(spec, award, officer, second, worker)
        created += 1
    if stdout is not None and created:
        stdout.write(
            f"Demo contracts: {created} new ({Contract.objects.count()} in all, {time.monotonic() - started:.1f} s)."
        )
    return created
