"""Demo demand list: needs in every state across the demo communities, and
resident reports (some turned into needs, some new, one declined).

Everything goes through ``marketplace.needs.services``, so the audit log
holds the same events as real use.  Idempotent: a need or report whose title
exists in its community is left alone, so a second run creates nothing.

Community workers of the other demo communities are created as filers of
record with unusable passwords (only ``worker`` signs in, see README)."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core.models.users import User
from marketplace.core.permissions import Permission
from marketplace.needs import services
from marketplace.needs.models import CommunityFund, Need, ResidentReport

G = Need.Group
U = Need.Urgency

# A custom fund: 春晖社区 has 150,000 CNY this year instead of the default.
CUSTOM_FUNDS = {"DEMO-DC-02": Decimal("150000.00")}

# The catalogue's major categories (demo/catalogue_data.py) that serve each
# beneficiary group: a demo need linked to a catalogue item names one in a
# category of its group (tests/demo/test_needs_demo.py holds the data to it).
GROUP_CATEGORIES = {
    G.ELDERLY: {"A"},  # 养老服务
    G.CHILDREN: {"B"},  # 儿童青少年与家庭服务
    G.YOUTH: {"B"},
    G.FAMILIES: {"B", "C"},  # family education (B02) or help for families in difficulty (C03)
    G.DISABLED: {"C"},  # 助残与社会救助
    G.RESIDENTS: {"D"},  # 社区治理与公共服务
}

# (community code, title, catalogue item code, beneficiaries, group, budget, urgency, outcome, answer)
# The item code is explicit ("" = a service outside the catalogue, described
# instead); an answer that cites the catalogue's standard is only given to a
# need linked to an item.
# outcome: submitted | assessed | accepted | override | declined | planned
NEEDS = [
    (
        "DEMO-DC-01",
        "独居老人助餐服务",
        "A0301",
        80,
        G.ELDERLY,
        "96000",
        U.URGENT,
        "accepted",
        "同意纳入本年度购买计划，按助餐服务目录标准组织采购。",
    ),
    (
        "DEMO-DC-01",
        "四点半课堂",
        "B0101",
        40,
        G.CHILDREN,
        "48000",
        U.NORMAL,
        "planned",
        "同意。已纳入区级购买服务项目统一采购。",
    ),
    ("DEMO-DC-01", "残疾人居家康复训练", "C0101", 25, G.DISABLED, "60000", U.SOON, "assessed", ""),
    (
        "DEMO-DC-01",
        "楼道照明维修",
        "",
        300,
        G.RESIDENTS,
        "18000",
        U.NORMAL,
        "declined",
        "楼道照明属于物业管理职责，不纳入政府购买服务，已转请物业服务企业处理。",
    ),
    ("DEMO-DC-01", "老年人智能手机使用培训", "", 60, G.ELDERLY, "12000", U.NORMAL, "submitted", ""),
    (
        "DEMO-DC-02",
        "居家养老上门服务",
        "A0101",
        50,
        G.ELDERLY,
        "120000",
        U.SOON,
        "accepted",
        "同意，按居家养老服务目录标准实施。",
    ),
    ("DEMO-DC-02", "青少年心理辅导", "B0401", 30, G.YOUTH, "40000", U.NORMAL, "submitted", ""),
    (
        "DEMO-DC-02",
        "困难家庭帮扶",
        "C0303",
        20,
        G.FAMILIES,
        "50000",
        U.URGENT,
        "override",
        "同意。困难家庭帮扶属兜底保障，超出部分由区级统筹资金保障。",
    ),
    (
        "DEMO-XH-01",
        "社区日间照料",
        "A0201",
        35,
        G.ELDERLY,
        "90000",
        U.NORMAL,
        "planned",
        "同意，纳入区级日间照料服务项目。",
    ),
    (
        "DEMO-XH-01",
        "儿童暑期托管",
        "B0201",
        60,
        G.CHILDREN,
        "45000",
        U.SOON,
        "accepted",
        "同意，暑期前完成采购。",
    ),
    (
        "DEMO-XH-01",
        "社区文艺汇演",
        "D0301",
        300,
        G.RESIDENTS,
        "30000",
        U.NORMAL,
        "declined",
        "文艺汇演可申请街道文化活动经费，不纳入本年度社区服务资金。",
    ),
    ("DEMO-XH-01", "失智老人照护者培训", "", 20, G.ELDERLY, "25000", U.SOON, "assessed", ""),
    ("DEMO-XH-02", "残疾人就业辅导", "C0202", 15, G.DISABLED, "35000", U.NORMAL, "submitted", ""),
    (
        "DEMO-XH-02",
        "老年人助浴服务",
        "A0101",
        40,
        G.ELDERLY,
        "55000",
        U.SOON,
        "accepted",
        "同意，按居家养老上门服务（助浴）的目录标准实施，每户每月两次。",
    ),
    ("DEMO-XH-02", "家庭教育讲座", "B0203", 100, G.FAMILIES, "20000", U.NORMAL, "assessed", ""),
    (
        "DEMO-NS-01",
        "邻里矛盾调解",
        "D0101",
        500,
        G.RESIDENTS,
        "30000",
        U.NORMAL,
        "planned",
        "同意，纳入街道统一采购的调解服务项目。",
    ),
    ("DEMO-NS-01", "留守儿童关爱", "B0301", 25, G.CHILDREN, "38000", U.URGENT, "submitted", ""),
    (
        "DEMO-NS-01",
        "社区健康义诊",
        "A0401",
        200,
        G.ELDERLY,
        "15000",
        U.NORMAL,
        "declined",
        "义诊由社区卫生服务中心按基本公共卫生服务项目提供；本目录事项为协办，不单独购买。",
    ),
    (
        "DEMO-NS-02",
        "社区养老服务站运营",
        "A0201",
        120,
        G.ELDERLY,
        "150000",
        U.SOON,
        "accepted",
        "同意，按社区日间照料中心运营的目录标准采购。",
    ),
    ("DEMO-NS-02", "青少年周末体育活动", "", 80, G.YOUTH, "26000", U.NORMAL, "submitted", ""),
    ("DEMO-NS-02", "残疾人出行陪护", "", 18, G.DISABLED, "42000", U.SOON, "assessed", ""),
]

# (community code, title, description, name, phone, outcome, need title, item code, count, group, budget, need outcome)
# outcome: new | declined (need fields unused) | triaged
REPORTS = [
    (
        "DEMO-DC-01",
        "小区老人吃饭难",
        "我们楼里好几位老人子女不在身边，自己做饭困难，希望社区能有送餐服务。",
        "王桂芳",
        "13912340001",
        "triaged",
        "老年食堂延伸送餐",
        "A0302",
        30,
        G.ELDERLY,
        "36000",
        "submitted",
    ),
    (
        "DEMO-DC-01",
        "孩子放学后没人照看",
        "双职工家庭多，孩子下午四点放学后没有地方去，希望社区提供课后托管。",
        "李明",
        "13912340002",
        "new",
    ),
    (
        "DEMO-DC-01",
        "希望增加广场舞场地",
        "小区广场太小，晚上跳舞的人多，希望协调更大的场地。",
        "赵秀兰",
        "13912340003",
        "declined",
    ),
    (
        "DEMO-XH-01",
        "独居老人需要定期探访",
        "我家隔壁的独居老人经常一个人在家，希望有人定期上门看看。",
        "陈建国",
        "13912340004",
        "triaged",
        "独居老人定期探访",
        "A0102",
        45,
        G.ELDERLY,
        "28000",
        "assessed",
    ),
    (
        "DEMO-NS-02",
        "社区缺少心理咨询",
        "最近不少邻居压力很大，希望社区能请专业人员做心理咨询。",
        "周丽",
        "13912340005",
        "new",
    ),
    (
        "DEMO-XH-02",
        "残疾人家属需要喘息服务",
        "照顾重度残疾的家人多年，家属几乎没有休息时间，希望有短期照护服务。",
        "孙伟",
        "13912340006",
        "triaged",
        "重度残疾人家庭喘息服务",
        "C0203",
        12,
        G.DISABLED,
        "30000",
        "accepted",
    ),
]
REPORT_DECLINE_REASON = "场地调整属于街道规划事项，已转交街道办协调，不作为社区购买服务需求。"


def _published_items():
    """The published catalogue's active items by code."""
    return {
        item.code: item
        for item in CatalogueItem.objects.filter(
            version__state=CatalogueVersion.State.PUBLISHED, active=True
        ).select_related("category__parent")
    }


def _service(items, code, title):
    """The published catalogue item ``code``, else (no code, or no such item
    published) a description of a service outside the catalogue."""
    item = items.get(code) if code else None
    if item is not None:
        return {"catalogue_item": item, "other_description": ""}
    return {"catalogue_item": None, "other_description": title}


ASSESSMENT = "需求真实，服务对象明确，预算符合目录参考价。"
ASSESSMENT_OFF_CATALOGUE = "需求真实，服务对象明确；目录外服务，预算参照同类服务的市场价格评估。"


def _worker(community, created):
    for user in User.objects.filter(community=community, is_active=True).order_by("pk"):
        if user.has_perm(Permission.FILE_COMMUNITY_NEED):
            return user
    user = User(
        username=f"worker-{community.code.lower()}",
        full_name=f"社区工作者（{community.name}）",
        email=f"worker-{community.code.lower()}@demo.platform.localhost",
        community=community,
    )
    user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name="community_worker"))
    created.append(user)
    return user


def _need_data(items, code, title, description, count, group, budget, urgency, year, index):
    start = datetime.date(year, 1 + index % 6, 1)
    return {
        **_service(items, code, title),
        "title": title,
        "description": description,
        "beneficiaries_count": count,
        "beneficiary_group": group,
        "period_start": start,
        "period_end": datetime.date(year, 12, 31),
        "estimated_budget": Decimal(budget),
        "urgency": urgency,
    }


def _advance(need, outcome, answer, officer):
    """Walk a submitted need to the outcome through the services."""
    if outcome == "submitted":
        return
    services.assess_need(
        need,
        by=officer,
        assessment=ASSESSMENT if need.catalogue_item_id else ASSESSMENT_OFF_CATALOGUE,
        assessed_cost=None,
    )
    if outcome == "assessed":
        return
    if outcome == "declined":
        services.decline_need(need, by=officer, public_answer=answer, notify=False)
        return
    override = "兜底保障类需求，超出部分由区级统筹资金保障。" if outcome == "override" else ""
    services.accept_need(need, by=officer, public_answer=answer, override_reason=override, notify=False)
    # "planned": a demo purchase project takes it up (demo.projects).


@transaction.atomic
def seed_needs(district):
    """Create what is missing; return the number of new rows."""
    officer = User.objects.filter(username="officer").first()
    if officer is None or not officer.has_perm(Permission.MANAGE_PROCUREMENT):
        return 0
    communities = {c.code: c for c in district.communities.all()}
    items = _published_items()
    year = timezone.localdate().year
    created = []

    for code, amount in CUSTOM_FUNDS.items():
        if code in communities:
            _fund, made = CommunityFund.objects.get_or_create(
                community=communities[code], year=year, defaults={"amount": amount}
            )
            if made:
                created.append(_fund)

    for index, (code, title, item_code, count, group, budget, urgency, outcome, answer) in enumerate(NEEDS):
        community = communities.get(code)
        if community is None or Need.objects.filter(community=community, title=title).exists():
            continue
        worker = _worker(community, created)
        description = f"{community.name}{title}需求：服务对象约{count}人，希望在本年度内提供稳定服务。"
        data = _need_data(items, item_code, title, description, count, group, budget, urgency, year, index)
        need = services.file_need(by=worker, community=community, **data)
        created.append(need)
        _advance(need, outcome, answer, officer)

    for index, (code, title, description, name, phone, outcome, *need_spec) in enumerate(REPORTS):
        community = communities.get(code)
        if community is None or ResidentReport.objects.filter(community=community, title=title).exists():
            continue
        report = services.report_need(
            community=community, title=title, description=description, name=name, phone=phone, notify=False
        )
        created.append(report)
        worker = _worker(community, created)
        if outcome == "declined":
            services.decline_report(report, by=worker, reason=REPORT_DECLINE_REASON)
        elif outcome == "triaged":
            need_title, item_code, count, group, budget, need_outcome = need_spec
            data = _need_data(items, item_code, need_title, description, count, group, budget, U.NORMAL, year, index)
            need = services.triage_report(report, by=worker, **data)
            created.append(need)
            answer = "同意，纳入本年度社区服务计划。" if need_outcome == "accepted" else ""
            _advance(need, need_outcome, answer, officer)
    return len(created)
