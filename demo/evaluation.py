"""Demo evaluation, award and challenge: an evaluator pool and three purchase
projects past their opening, one in each state this issue reaches.

* ``evaluating``: the committee is formed; the demo account ``evaluator``
  sits on it and has not declared yet (logging in as ``evaluator`` shows the
  declaration form); the others declared, the qualification review is done
  and some score sheets are in.
* ``running``: awarded today, the challenge period runs; the demo account
  ``org``'s organization lost, so it can read its result letter and challenge.
* ``over``: awarded weeks ago; a losing bidder challenged, the officer
  answered and dismissed the challenge, and the period is over, so a
  contract may be made.

Everything goes through the services.  The projects have a history: each
step runs with the services' clock (``django.utils.timezone.now``) set to
the day it happened, so the bids' receipts (whose digests cover the
submission time), the opening record, the audit log and the notices agree
with one another.  The bidding period is shortened as in
``demo.projects``: the deadline is moved to the opening with a
plain update.  The existing ``closed`` demo project is left for the browser
walkthrough.  Idempotent: a project whose title exists is left alone.
"""

import contextlib
import datetime
import time
from decimal import Decimal
from unittest import mock

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from demo import projects as demo_projects
from demo import seed as demo
from demo.organizations import demo_pdf
from marketplace.catalogue.models import CatalogueVersion, ServiceCategory
from marketplace.core import workdays
from marketplace.core.models.users import User
from marketplace.evaluation.models import Evaluator
from marketplace.evaluation.services import awards, committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.organizations.models import EntryStandard, Organization
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import opening
from marketplace.procurement.services.bids import BidError
from marketplace.procurement.services.projects import ProjectError

EXPERT = Evaluator.Kind.EXPERT
THIRD_PARTY = Evaluator.Kind.THIRD_PARTY

# The pool: (username, account name, public name, kind, affiliation, major categories).
# "evaluator" is the demo account of seed_demo; the others are made here
# (password demo.DEMO_PASSWORD).  Category B (children and youth) has six
# evaluators, enough for the five-member committee of the "closed" public
# tender of the walkthrough; "evaluator6" knows only community governance (D).
EVALUATORS = [
    ("evaluator", None, "赵敏", EXPERT, "示范区社会工作协会", ["A", "B"]),
    ("evaluator2", "王建国", "王建国", EXPERT, "湖南师范大学社会工作系", ["A", "B", "C"]),
    ("evaluator3", "李慧敏", "李慧敏", EXPERT, "长沙民政职业技术学院社会工作学院", ["A", "B"]),
    (
        "evaluator4",
        "刘志强",
        "湖南众和社会服务评估中心",
        THIRD_PARTY,
        "第三方评估机构（联系人：刘志强）",
        ["A", "B", "C", "D"],
    ),
    ("evaluator5", "陈雅琴", "陈雅琴", EXPERT, "示范区精神卫生中心", ["B", "C"]),
    ("evaluator6", "周立群", "周立群", EXPERT, "湖南湘楚律师事务所", ["D"]),
    ("evaluator7", "何文斌", "何文斌", EXPERT, "共青团示范区委员会青少年服务中心", ["B", "D"]),
]

# Scores by how good a bid is on each non-price criterion of
# ``demo_projects.RUBRIC`` (服务方案 /45, 团队与资质 /20, 同类项目经验 /15).
LEVELS = {
    "strong": {"服务方案": Decimal("40"), "团队与资质": Decimal("17"), "同类项目经验": Decimal("13")},
    "good": {"服务方案": Decimal("37"), "团队与资质": Decimal("16"), "同类项目经验": Decimal("12")},
    "fair": {"服务方案": Decimal("33"), "团队与资质": Decimal("13"), "同类项目经验": Decimal("9")},
}
# Each member judges each bid a little differently (added to the level's
# score; the totals stay well within the deviation margin).
OFFSETS = [
    {"服务方案": Decimal("0"), "团队与资质": Decimal("0"), "同类项目经验": Decimal("0")},
    {"服务方案": Decimal("-1.5"), "团队与资质": Decimal("1"), "同类项目经验": Decimal("0")},
    {"服务方案": Decimal("2"), "团队与资质": Decimal("-1"), "同类项目经验": Decimal("-0.5")},
    {"服务方案": Decimal("-3"), "团队与资质": Decimal("0"), "同类项目经验": Decimal("1")},
]
REASONS = {
    "服务方案": {
        "strong": ["服务流程完整，频次和应急预案具体可行。", "方案紧扣社区需求清单，服务记录和督导安排清楚。"],
        "good": ["方案基本完整，个别服务环节的频次描述较笼统。", "内容可行，但与社区现有资源的衔接说明不足。"],
        "fair": ["方案较简略，与需求清单的对应不够。", "服务内容以活动为主，个案跟进安排不足。"],
    },
    "团队与资质": {
        "strong": ["项目负责人为社会工作师，持证社工配备充足。", "团队稳定，专业督导到位。"],
        "good": ["持证社工人数符合要求，人员分工清楚。", "团队配置满足要求，督导安排略少。"],
        "fair": ["持证人员偏少，主要依靠志愿者。", "专业人员不足，人员稳定性说明不够。"],
    },
    "同类项目经验": {
        "strong": ["近三年承接同类项目多个，评估结果优秀。", "同类服务经验丰富，有可查的评估报告。"],
        "good": ["有同类项目经验，评估结果良好。", "承接过相近服务，规模较小。"],
        "fair": ["同类项目经验较少。", "仅有社区志愿服务经历，缺少项目评估记录。"],
    },
}

# (organization, price, level, team, experience)
PROJECTS = [
    {
        "key": "evaluating",
        "title": "南山社区心理健康服务驿站",
        "method": "consultation",
        "communities": ["DEMO-NS-01", "DEMO-NS-02"],
        "keyword": "心理咨询",
        "budget": "68000.00",
        "days": 12,
        # Working days before today of: publication, the bids, the opening (and evaluation).
        "published": 14,
        "bid_days": [10, 9, 8],
        "opened": 1,
        "bidders": [
            ("示范区麓山社会工作服务中心", "64800.00", "strong"),
            ("枫林社区青少年成长服务中心", "61500.00", "good"),
            ("示范区爱心助残服务中心", "59000.00", "fair"),
        ],
        # Qualification: organization → reason for failing it.
        "disqualify": {
            "示范区爱心助残服务中心": "响应文件未提供心理咨询师或持证社工的资质证明，不符合采购文件第三部分的人员要求。"
        },
        "appoint": ("evaluator", "该专家长期督导本区社区心理服务项目，熟悉服务标准，经科室研究点名邀请。"),
    },
    {
        "key": "running",
        "title": "和平社区居家养老上门服务",
        "method": "consultation",
        "communities": ["DEMO-DC-01"],
        "keyword": "居家养老",
        "budget": "85000.00",
        "days": 12,
        "published": 16,
        "bid_days": [12, 11, 10],
        "opened": 4,
        "scored": 3,
        "reported": 2,
        "bidders": [
            ("示范区麓山社会工作服务中心", "82600.00", "strong"),
            ("和平社区夕阳红志愿服务队", "76800.00", "good"),
            ("春晖社区邻里互助会", "79500.00", "fair"),
        ],
    },
    {
        "key": "over",
        "title": "枫林社区青少年课后托管服务",
        "method": "consultation",
        "communities": ["DEMO-NS-01"],
        "keyword": "四点半",
        "budget": "48000.00",
        "days": 12,
        "published": 32,
        "bid_days": [29, 28, 27],
        "opened": 25,
        "scored": 25,
        "reported": 25,
        "awarded": 24,
        "bidders": [
            ("枫林社区青少年成长服务中心", "45000.00", "strong"),
            ("示范区麓山社会工作服务中心", "43500.00", "good"),
            ("翠苑社区文体协会", "41800.00", "fair"),
        ],
        # One member scores this bidder far below the others: flagged, and the chair confirms it.
        "deviation": (
            2,
            "翠苑社区文体协会",
            {"服务方案": Decimal("15"), "团队与资质": Decimal("8"), "同类项目经验": Decimal("5")},
            "方案以文体活动为主，缺少课业辅导和放学接送的安全管理，与托管需求不符。",
            "已核对该专家的评分理由：方案确未包含课业辅导与安全管理内容，理由成立，评分保留。",
        ),
        "challenge": {
            "by": "翠苑社区文体协会",
            "filed": 22,
            "answered": 19,
            "decided": 18,
            "reasons": "我单位对评审结果有异议：一名评审专家对我单位“服务方案”的评分明显低于其他专家，"
            "与我单位响应文件中的托管安排不符，请求复核评分。",
            "answer": "经复核评审报告与评分表：该专家的评分理由为方案缺少课业辅导和安全管理内容，评审组长已在评审时"
            "核对并确认该偏离评分；贵单位响应文件确未包含课业辅导和接送安全安排。评审程序合法，评分有据。",
            "decision": "质疑事项经复核不成立，维持原评审结果和成交结果。",
        },
    },
]

TITLES = [spec["title"] for spec in PROJECTS]


# --- the clock ------------------------------------------------------------------------


@contextlib.contextmanager
def _clock(at):
    """Run the block as if it were ``at`` (the clock keeps ticking from
    there): the services, the models' automatic dates and the audit log all
    read ``django.utils.timezone.now``.  ``None`` keeps the real time."""
    if at is None:
        yield
        return
    real = timezone.now
    offset = at - real()
    with mock.patch.object(timezone, "now", lambda: real() + offset):
        yield


def _day(back, hour, minute=0):
    """``hour:minute`` on the ``back``-th working day before today."""
    day = timezone.localdate()
    counted = 0
    while counted < back:
        day -= datetime.timedelta(days=1)
        counted += workdays.is_workday(day)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# --- the pool ---------------------------------------------------------------------------


def _pool(created):
    """The evaluator accounts (verified, evaluator role) and their pool entries."""
    group = Group.objects.filter(name="evaluator").first()
    categories = {c.code: c for c in ServiceCategory.objects.filter(parent__isnull=True)}
    now = timezone.now()
    User.objects.filter(username="evaluator", verified_at__isnull=True).update(verified_at=now)
    password = None
    for username, full_name, name, kind, affiliation, codes in EVALUATORS:
        user = User.objects.filter(username=username).first()
        if user is None and full_name:
            user = User(
                username=username,
                full_name=full_name,
                email=f"{username}@demo.platform.localhost",
                verified_at=now,
            )
            if password is None:
                user.set_password(demo.DEMO_PASSWORD)
                password = user.password
            else:
                user.password = password  # the same hash: one slow hashing for the demo accounts
            user.save()
            if group is not None:
                user.groups.add(group)
            created.append(user)
        if user is None or Evaluator.objects.filter(user=user).exists():
            continue
        evaluator = Evaluator.objects.create(user=user, kind=kind, name=name, affiliation=affiliation)
        evaluator.expertise.set([categories[code] for code in codes if code in categories])
        created.append(evaluator)


def accounts_lines():
    """The extra evaluator accounts, for the table of demo accounts."""
    from marketplace.core.roles import role_label

    label = role_label("evaluator")
    return [
        f"  {username:<10} {full_name:<14} {label}"
        for username, full_name, _name, _kind, _affiliation, _codes in EVALUATORS
        if full_name
    ]


COMMITTEES_TITLE = "Demo evaluation committees (chair first):"


def committee_lines():
    """Who sits on each demo project's evaluation committee, as the seed
    drew them (the draw is seeded, so every fresh seed gives the same), for
    the table of demo accounts; the README lists the same."""
    from marketplace.evaluation.models import Committee

    committees = (
        Committee.objects.filter(project__title__in=[*TITLES, *(spec["title"] for spec in demo_projects.PROJECTS)])
        .select_related("project")
        .order_by("project__title")
    )
    lines = []
    for found in committees:
        members = list(committee.active_members(found))
        if not members:
            continue
        members.sort(key=lambda member: (not member.is_chair, member.evaluator.user.username))
        names = ", ".join(
            f"{member.evaluator.user.username}{' (chair)' if member.is_chair else ''}" for member in members
        )
        lines.append(f"  {found.project.title}: {names}")
    return ["", COMMITTEES_TITLE, *lines] if lines else []


# --- walking a project through the services ----------------------------------------------


def _bid(project, name, price):
    organization = Organization.objects.get(name=name, state=Organization.State.APPROVED)
    user = demo_projects._member(organization)
    bid = bid_services.start_bid(project, organization, by=user)
    bid_services.save_bid(
        bid,
        by=user,
        price=price,
        responses={
            str(c.pk): f"{organization.name}关于“{c.name}”的响应：……（演示）"
            for c in project.criteria.filter(is_price=False)
        },
        team="项目负责人1名（社会工作师），持证社工2名，志愿者若干。",
        experience="近三年承接本区同类社区服务项目，评估等级均为良好以上。",
    )
    return bid_services.submit_bid(bid, by=user)


def _publish_and_open(spec, officer, second, standard):
    """Published ``spec["published"]`` working days ago, bid on, opened."""
    with _clock(_day(spec["published"], 10)):
        project = demo_projects._create({**spec, "state": "published", "bidders": []}, officer, second, standard)
    if project is None:
        return None
    for (name, price, _level), back in zip(spec["bidders"], spec["bid_days"], strict=True):
        with _clock(_day(back, 14, 20)):
            _bid(project, name, price)
    # The period is shortened for the demo: the deadline is moved to the opening.
    deadline = _day(spec["opened"], 9, 30)
    Project.objects.filter(pk=project.pk).update(deadline=deadline)
    with _clock(deadline + datetime.timedelta(seconds=5)):
        project.refresh_from_db()
        # Nobody else submits while the demo seeds: no request can be in flight, so no grace to wait.
        project = opening.open_bids(project, grace=datetime.timedelta(0))
    return project


def _bids(project):
    return {b.organization.name: b for b in Bid.objects.filter(project=project).select_related("organization")}


def _user(username):
    return User.objects.get(username=username)


def _form(spec, project, officer):
    """Form the committee (the draw is seeded, so reproducible), declare
    (all but an appointed member who has not yet), review the qualification."""
    appointments = []
    if spec.get("appoint"):
        username, reason = spec["appoint"]
        appointments = [(Evaluator.objects.get(user__username=username), reason)]
    with _clock(_day(spec["opened"], 10)):
        committee.form_committee(
            project,
            by=officer,
            expertise=list(committee.default_expertise(project)),
            appointments=appointments,
            seed=f"demo-{spec['key']}",
        )
        project.refresh_from_db()
        members = list(committee.active_members(project.committee))
        if appointments:
            # A drawn member chairs; the appointed one has not declared yet.
            committee.set_chair(project, by=officer, member=members[-1])
    members = list(committee.active_members(project.committee))
    undeclared = {appointments[0][0].pk} if appointments else set()
    with _clock(_day(spec["opened"], 10, 40)):
        for member in members:
            if member.evaluator_id in undeclared:
                continue
            answers = {bid.pk: ("none", "") for bid in committee.bidders_to_declare(project)}
            committee.declare(project, by=member.evaluator.user, answers=answers)
    failing = spec.get("disqualify", {})
    with _clock(_day(spec["opened"], 11, 30)):
        decisions = {
            bid.pk: (
                bid.organization.name not in failing,
                failing.get(bid.organization.name, "资格证明文件齐全，响应文件符合采购文件的实质性要求。"),
            )
            for bid in evaluation.opened_bids(project)
        }
        evaluation.review_qualification(project, by=officer, decisions=decisions)
    return list(committee.active_members(project.committee))


def _values(project, level, index, position, member_scores=None, member_reason=None):
    """A member's (``index``) scores and reasons on the ``position``-th bid."""
    values = {}
    for criterion in evaluation.score_criteria(project):
        if member_scores is not None:
            score, reason = member_scores[criterion.name], member_reason
        else:
            score = LEVELS[level][criterion.name] + OFFSETS[(index + position) % len(OFFSETS)][criterion.name]
            variants = REASONS[criterion.name][level]
            reason = variants[(index + position) % len(variants)]
        top = evaluation.criterion_max(criterion)
        values[criterion.pk] = (f"{min(max(score, Decimal(0)), top):.2f}", reason)
    return values


def _score(spec, project, members, *, only=None):
    """Members score the qualified bids; for a partial evaluation, ``only``
    maps a member's pk to the number of bids submitted (the next one is
    saved as a draft; members not in it score nothing)."""
    levels = {name: level for name, _price, level in spec["bidders"]}
    deviation = spec.get("deviation")
    qualified = [b for b in evaluation.opened_bids(project) if b.state == Bid.State.QUALIFIED]
    start = _day(spec.get("scored", spec["opened"]), 14)
    for index, member in enumerate(members):
        count = len(qualified) if only is None else only.get(member.pk, -1)
        for position, bid in enumerate(qualified):
            if position > count:
                break
            name = bid.organization.name
            if deviation and deviation[0] == index and deviation[1] == name:
                values = _values(project, levels[name], index, position, deviation[2], deviation[3])
            else:
                values = _values(project, levels[name], index, position)
            with _clock(start + datetime.timedelta(minutes=40 * index + 12 * position)):
                evaluation.save_scores(project, bid, by=member.evaluator.user, values=values, submit=position < count)
    if deviation:
        chair = next(m for m in members if m.is_chair)
        with _clock(start + datetime.timedelta(hours=2, minutes=10)):
            for sheet in evaluation.progress(project).sheets.values():
                if sheet.flagged and sheet.flag_confirmed_at is None:
                    evaluation.confirm_deviation(sheet, by=chair.evaluator.user, note=deviation[4])


def _report(spec, project, members):
    chair = next(m for m in members if m.is_chair)
    at = _day(spec["reported"], 16, 30)
    with _clock(at):
        report = evaluation.generate_report(project, by=chair.evaluator.user)
    for index, member in enumerate(members):
        with _clock(at + datetime.timedelta(minutes=10 + 7 * index)):
            report = evaluation.confirm_report(report, by=member.evaluator.user, password=demo.DEMO_PASSWORD)
    report.refresh_from_db()
    return report


def _award(spec, project, report, officer):
    at = _day(spec["awarded"], 10) if spec.get("awarded") else None
    with _clock(at):
        project.refresh_from_db()
        return awards.award(project, Bid.objects.get(pk=report.recommended_bid_id), by=officer)


def _challenge(spec, project, officer, second):
    details = spec["challenge"]
    bid = _bids(project)[details["by"]]
    user = demo_projects._member(bid.organization)
    letter = demo_pdf("质疑函", (f"项目：{project.ref} {project.title}", f"质疑人：{bid.organization.name}"))
    with _clock(_day(details["filed"], 15)):
        challenge = awards.file_challenge(
            bid, by=user, reasons=details["reasons"], files=[ContentFile(letter, name="质疑函.pdf")]
        )
    with _clock(_day(details["answered"], 10)):
        challenge = awards.answer_challenge(challenge, by=officer, answer=details["answer"])
    with _clock(_day(details["decided"], 16)):
        return awards.decide_challenge(
            challenge,
            by=second,
            upheld=False,
            reason=details["decision"],
            public_summary=details.get("summary", "质疑人认为评分未按招标文件所列评分细则进行。"),
        )


def _create(spec, officer, second, standard):
    names = [name for name, _price, _level in spec["bidders"]]
    if Organization.objects.filter(name__in=names, state=Organization.State.APPROVED).count() < len(names):
        return None
    project = _publish_and_open(spec, officer, second, standard)
    if project is None or project.state != Project.State.CLOSED:
        return None
    members = _form(spec, project, officer)
    if spec["key"] == "evaluating":
        # The chair has scored every qualified bid; the other declared member
        # one, with a draft of the next; the appointed member has not started.
        chair, *others = members
        declared = [m for m in others if m.declared_at is not None]
        _score(spec, project, members, only={chair.pk: 99, **{m.pk: 1 for m in declared}})
        return project
    _score(spec, project, members)
    report = _report(spec, project, members)
    _award(spec, project, report, officer)
    if spec.get("challenge"):
        _challenge(spec, project, officer, second)
    return project


def seed_evaluation(stdout=None):
    """Create what is missing; return the number of new rows (accounts,
    pool entries and projects)."""
    started = time.monotonic()
    officer = User.objects.filter(username="officer", is_active=True).first()
    second = User.objects.filter(username="officer2", is_active=True).first()
    standard = EntryStandard.objects.filter(name="基本准入标准").first()
    if officer is None or second is None or standard is None:
        return 0
    created = []
    with transaction.atomic():
        _pool(created)
    if not CatalogueVersion.objects.filter(state=CatalogueVersion.State.PUBLISHED).exists():
        return len(created)
    existing = set(Project.objects.filter(title__in=TITLES).values_list("title", flat=True))
    for spec in PROJECTS:
        if spec["title"] in existing:
            continue
        try:
            with transaction.atomic():
                project = _create(spec, officer, second, standard)
        except (ProjectError, BidError) as error:
            # e.g. a demo account whose password was changed cannot confirm the report
            if stdout is not None:
                stdout.write(f"Demo evaluation: “{spec['title']}” skipped: {error}")
            continue
        if project is not None:
            created.append(project)
    if stdout is not None and created:
        projects = sum(1 for row in created if isinstance(row, Project))
        stdout.write(
            f"Demo evaluation: {projects} new projects, {len(created) - projects} new evaluator rows "
            f"({time.monotonic() - started:.1f} s)."
        )
    return len(created)
