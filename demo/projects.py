"""Demo purchase projects: one in each state this issue reaches, with bids
from the demo organizations, and one call that closes a few minutes after
``make run`` starts so that a new user sees the opening happen.

Everything goes through the services.  To show projects whose deadline has
passed, the demo shortens their bidding period: the deadline is set a moment
after the last bid and the bids are opened when it passes (the minimum
bidding period is not kept for these demo calls).
Idempotent, except for the closing-soon call: when the previous one has
closed, seeding again publishes a fresh one.
"""

import datetime
import time
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core.models.places import Community
from marketplace.core.models.users import User
from marketplace.needs.models import Need
from marketplace.organizations.models import EntryStandard, Organization
from marketplace.procurement.models.projects import Project, PurchaseMethod
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import opening
from marketplace.procurement.services import projects as services

CLOSING_SOON_TITLE = "春晖社区老年人防诈骗宣传服务（演示：几分钟后截止）"

RUBRIC = [
    {"name": "价格", "weight": Decimal("20"), "is_price": True},
    {
        "name": "服务方案",
        "weight": Decimal("45"),
        "description": "服务内容、频次与流程完整可行，贴合社区需求清单；有应急预案。",
        "max_score": Decimal("45"),
    },
    {
        "name": "团队与资质",
        "weight": Decimal("20"),
        "description": "项目负责人与持证社工配备；人员稳定。",
        "max_score": Decimal("20"),
    },
    {
        "name": "同类项目经验",
        "weight": Decimal("15"),
        "description": "近三年同类社区服务项目的数量与评估结果。",
        "max_score": Decimal("15"),
    },
]

# key: (title, method, communities, item keyword, budget, need title, state, bidders)
# bidders: (organization name, price, submitted?)
PROJECTS = [
    {
        "key": "open",
        "title": "邻里矛盾调解与法律服务进社区",
        "method": "public_tender",
        "communities": ["DEMO-NS-01", "DEMO-NS-02"],
        "keyword": "调解",
        "budget": "120000.00",
        "need": "邻里矛盾调解",
        "state": "published",
        "days": 25,
        "bidders": [("南山社区调解与法律服务协会", "108000.00", True), ("示范区麓山社会工作服务中心", None, False)],
        "questions": [
            ("调解员是否必须具备法律职业资格？", "不要求法律职业资格，但须有人民调解员培训合格证明。"),
            ("服务场地由谁提供？", ""),
        ],
        "addendum": "第三部分“服务要求”增加一项：每季度向街道报送调解案件统计表。",
    },
    {
        "key": "commission",
        "title": "残疾人居家康复训练服务（委托）",
        "method": "commission",
        "communities": ["DEMO-DC-01"],
        "keyword": "康复",
        "budget": "60000.00",
        "named": "示范区爱心助残服务中心",
        "justification": "该中心是本区唯一具备康复训练资质和康复器材的社会组织，已连续两年承接本项服务且评估优秀。",
        "state": "published",
        "days": 10,
        "bidders": [],
    },
    {
        "key": "pending",
        "title": "翠苑社区日间照料中心运营服务",
        "method": "consultation",
        "communities": ["DEMO-XH-01"],
        "keyword": "日间照料",
        "budget": "90000.00",
        "need": "社区日间照料",
        "state": "pending_approval",
        "days": 20,
        "bidders": [],
    },
    {
        "key": "draft",
        "title": "和平社区四点半课堂",
        "method": "consultation",
        "communities": ["DEMO-DC-01"],
        "keyword": "课堂",
        "budget": "48000.00",
        "need": "四点半课堂",
        "state": "draft",
        "days": 20,
        "bidders": [],
    },
    {
        "key": "closed",
        "title": "翠苑社区青少年课后成长营",
        "method": "public_tender",
        "communities": ["DEMO-XH-01"],
        "keyword": "托管",
        "budget": "80000.00",
        "state": "closed",
        "days": 25,
        "bidders": [
            ("枫林社区青少年成长服务中心", "76000.00", True),
            ("示范区麓山社会工作服务中心", "72500.00", True),
            ("翠苑社区文体协会", "79800.00", True),
        ],
    },
    {
        "key": "failed",
        "title": "南山社区健康义诊与慢病管理",
        "method": "consultation",
        "communities": ["DEMO-NS-01"],
        "keyword": "健康",
        "budget": "40000.00",
        "state": "failed",
        "days": 15,
        "bidders": [("示范区爱心助残服务中心", "39000.00", True)],
    },
    {
        "key": "cancelled",
        "title": "桂花社区文化活动室运营",
        "method": "consultation",
        "communities": ["DEMO-XH-02"],
        "keyword": "文化",
        "budget": "30000.00",
        "state": "cancelled",
        "days": 15,
        "cancel": "街道已将文化活动室纳入新建党群服务中心统一运营，本项目不再采购。",
        "bidders": [],
    },
]

CLOSING_SOON = {
    "key": "closing_soon",
    "title": CLOSING_SOON_TITLE,
    "method": "consultation",
    "communities": ["DEMO-DC-02"],
    "keyword": "",
    "budget": "20000.00",
    "state": "closing_soon",
    "days": 12,
    "bidders": [("示范区麓山社会工作服务中心", "18800.00", True), ("春晖社区邻里互助会", "19500.00", True)],
}


def _at(day, hour=17):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _item(keyword):
    items = CatalogueItem.objects.filter(version__state=CatalogueVersion.State.PUBLISHED, active=True)
    if keyword:
        found = items.filter(name__contains=keyword).first()
        if found is not None:
            return found
    return items.order_by("code").first()


def _member(organization):
    membership = organization.memberships.order_by("pk").select_related("user").first()
    return membership.user if membership else None


def _call_text(spec, communities):
    names = "、".join(c.name for c in communities)
    return (
        f"为满足{names}居民的服务需求，现采用{PurchaseMethod.objects.get(code=spec['method']).name}方式购买“{spec['title']}”"
        "服务，欢迎符合准入标准的社会组织参与。服务内容、数量和质量要求以服务目录标准为准，响应文件须对评分细则逐项作答。"
    )


def _create(spec, officer, second, standard):
    communities = list(Community.objects.filter(code__in=spec["communities"]).order_by("code"))
    item = _item(spec["keyword"])
    if not communities or item is None:
        return None
    needs = list(Need.objects.filter(title=spec.get("need", "-"), state=Need.State.ACCEPTED)[:1])
    today = timezone.localdate()
    # Next year's service; in December a long call may close after 1 January,
    # so the service then starts a fortnight after the deadline.
    start = max(datetime.date(today.year + 1, 1, 1), today + datetime.timedelta(days=spec["days"] + 16))
    end = datetime.date(start.year, 12, 31)
    if spec.get("service_soon"):
        # A service that starts a fortnight after the deadline and runs a year
        # (the demo contracts, whose delivery is already under way today).
        start = today + datetime.timedelta(days=spec["days"] + 16)
        end = start + datetime.timedelta(days=364)
    named = Organization.objects.filter(name=spec.get("named", "-")).first()
    data = {
        "title": spec["title"],
        "purchaser": "示范区民政局" if spec["method"] != "commission" else "示范区残疾人联合会",
        "budget": Decimal(spec["budget"]),
        "budget_override_reason": spec.get("budget_override_reason", ""),
        "method": PurchaseMethod.objects.get(code=spec["method"]),
        "named_organization": named,
        "justification": spec.get("justification", ""),
        "entry_standard": standard,
        "service_start": start,
        "service_end": end,
        "period_justification": "",
        "deadline": _at(today + datetime.timedelta(days=spec["days"] + 2)),
        "min_valid_bids": None,
        "description": _call_text(spec, communities),
        "requirements": "至少配备1名持证社会工作者；服务记录留痕并按月报送；服务对象满意度不低于85%。",
    }
    project = services.create_project(
        by=officer, data=data, items=[item], communities=communities, criteria=RUBRIC, needs=needs
    )
    services.upload_project_document(
        project, by=officer, kind="call", title="采购文件", file=ContentFile(_call_pdf(project), name="采购文件.pdf")
    )
    if spec["state"] == "draft":
        return project
    # The purchase intention (采购意向), public for the method's notice period
    # before the call (seeded history: published, then moved back in time).
    project = services.publish_intention(project, by=officer)
    project = services.backdate_intention(project, project.method.intention_days + 1)
    project = services.submit_for_approval(project, by=officer)
    if spec["state"] == "pending_approval":
        return project
    project = services.approve_project(project, by=second)
    for question, answer in spec.get("questions", []):
        asker = Organization.objects.filter(name=spec["bidders"][0][0]).first() if spec["bidders"] else None
        if asker is None:
            continue
        clarification = services.ask_question(project, organization=asker, by=_member(asker), question=question)
        if answer:
            services.answer_question(clarification, by=officer, answer=answer)
    for name, price, submit in spec["bidders"]:
        organization = Organization.objects.filter(name=name, state=Organization.State.APPROVED).first()
        user = organization and _member(organization)
        if user is None:
            continue
        bid = bid_services.start_bid(project, organization, by=user)
        criteria = project.criteria.filter(is_price=False)
        bid_services.save_bid(
            bid,
            by=user,
            price=price,
            responses={str(c.pk): f"{organization.name}关于“{c.name}”的响应：……（演示）" for c in criteria},
            team="项目负责人1名（社会工作师），持证社工2名，志愿者若干。",
            experience="近三年承接本区同类社区服务项目2个，评估等级均为良好以上。",
        )
        if submit:
            bid_services.submit_bid(bid, by=user)
    if spec.get("addendum"):
        services.issue_addendum(project, by=officer, text=spec["addendum"])
    if spec["state"] in ("closed", "failed"):
        # The deadline passes a moment after the last bid (a shortened period,
        # for the demo only), and the bids are opened as they would be.
        deadline = timezone.now() + datetime.timedelta(seconds=1)
        Project.objects.filter(pk=project.pk).update(deadline=deadline)
        time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.05)
        project.refresh_from_db()
        # Nobody else submits while the demo seeds: no request can be in flight, so no grace to wait.
        project = opening.open_bids(project, grace=datetime.timedelta(0))
    elif spec["state"] == "cancelled":
        project = services.cancel_project(project, by=officer, reason=spec["cancel"])
    elif spec["state"] == "closing_soon":
        minutes = settings.DEMO_CLOSING_MINUTES
        Project.objects.filter(pk=project.pk).update(deadline=timezone.now() + datetime.timedelta(minutes=minutes))
        project.refresh_from_db()
    return project


def _call_pdf(project):
    """A short call document for the demo, rendered with the platform's PDF engine."""
    from weasyprint import HTML

    from marketplace.core.pdf import cjk_font_path

    html = (
        '<html><head><meta charset="utf-8"><style>@font-face{font-family:CJK;src:url("file://'
        + cjk_font_path()
        + '")} body{font-family:CJK;font-size:11pt}</style></head><body>'
        f"<h1>{project.title}</h1><p>项目编号：{project.ref}</p><p>{project.description}</p>"
        f"<p>{project.requirements}</p><p>（演示用采购文件）</p></body></html>"
    )
    return HTML(string=html).write_pdf()


def seed_projects(stdout=None):
    """Create what is missing; return the number of new projects."""
    officer = User.objects.filter(username="officer", is_active=True).first()
    second = User.objects.filter(username="officer2", is_active=True).first()
    standard = EntryStandard.objects.filter(name="基本准入标准").first()
    if officer is None or second is None or standard is None:
        return 0
    if not CatalogueVersion.objects.filter(state=CatalogueVersion.State.PUBLISHED).exists():
        return 0
    created = 0
    existing = set(Project.objects.values_list("title", flat=True))
    for spec in PROJECTS:
        if spec["title"] in existing:
            continue
        with transaction.atomic():
            created += _create(spec, officer, second, standard) is not None
    live = Project.objects.filter(
        title=CLOSING_SOON_TITLE, state__in=(Project.State.PUBLISHED, Project.State.PENDING_APPROVAL)
    ).exists()
    if not live:
        with transaction.atomic():
            project = _create(CLOSING_SOON, officer, second, standard)
        if project is not None:
            created += 1
            if stdout is not None:
                stdout.write(
                    f"Demo call {project.ref} closes at "
                    f"{timezone.localtime(project.deadline).strftime('%H:%M')}: watch its opening at "
                    f"/projects/{project.ref}/"
                )
    return created
