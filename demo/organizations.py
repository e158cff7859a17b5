"""Demo social organizations: both tracks and every state of the review
(draft, submitted, returned, approved, suspended, blacklisted), with their
rosters, staff qualifications and documents (small generated PDFs), one of
which expires within 30 days.

Everything goes through the services (``marketplace.organizations.services.organizations``
and ``marketplace.organizations.services.documents``), so the audit log, the in-site
notices and the stored files are the same as in real use.  Idempotent: an
organization whose name exists is left alone, so a second run creates
nothing.

The demo account ``org`` administers an approved filed organization and a
draft; ``org2``…``org4`` (same password) administer the others.

Two markers of personal data are planted for the privacy tests: the contact
phone of an approved organization (``DEMO_MARKER_PHONE``) and the ID number
of an approved registered organization's legal representative
(``DEMO_MARKER_ID_NUMBER``, a valid resident ID number with its check
digit).  Neither may appear on any public page."""

import datetime
import functools
import html
import time
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from demo import seed as demo
from marketplace.catalogue.models import ServiceCategory
from marketplace.core.models.places import Community
from marketplace.core.models.users import User
from marketplace.organizations.models import Organization, OrganizationDocument
from marketplace.organizations.services import documents as document_services
from marketplace.organizations.services import organizations as services

DEMO_MARKER_PHONE = "13912345678"
DEMO_MARKER_ID_NUMBER = "430104199001011230"  # 430104 (长沙市岳麓区), born 1990-01-01, check digit 0

# Extra organization accounts (password demo.DEMO_PASSWORD), besides "org".
ORG_ACCOUNTS = [
    ("org2", "周婷"),
    ("org3", "黄磊"),
    ("org4", "刘芳"),
]

REGISTRATION_AUTHORITY = "示范区民政局"
OFFICE_BY_COMMUNITY = Organization.Office.COMMUNITY
OWN_OFFICE = Organization.Office.OWN

D = OrganizationDocument.Kind
Q = "social_worker"
QA = "assistant_sw"
QS = "senior_sw"


def credit_code(legal_type, n):
    """A valid unified social credit code of a social organization registered
    in Yuelu (430104): 51 social group, 52 social service institution, 53
    foundation."""
    prefix = {"social_group": "51", "social_service": "52", "foundation": "53"}[legal_type]
    body = f"{prefix}430104MA4L{n:05d}"
    return body + uscc.calc_check_digit(body)


# Each organization: how far it goes ("outcome"), who administers it, its
# record (wizard steps), its roster with qualifications, and its documents
# (kind, title, days until expiry or None, index of the staff member for a
# qualification).
ORGANIZATIONS = [
    {
        "name": "和平社区夕阳红志愿服务队",
        "admin": "org",
        "outcome": "approved",
        "track": "filed",
        "kind": "public_service",
        "community": "DEMO-DC-01",
        "areas": ["A"],
        "description": "由社区退休党员和低龄老人组成，为辖区独居、空巢老人提供定期探访、陪伴聊天、"
        "代购代办和节日慰问服务，协助社区开展老年助餐送餐。",
        "founded_on": datetime.date(2019, 3, 12),
        "contact": ("谭秀英", DEMO_MARKER_PHONE, "xiyanghong@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("谭秀英", ""), ("彭建华", QA), ("易春兰", ""), ("罗德明", ""), ("曾桂香", "")],
        "documents": [
            (D.CHARTER, "和平社区夕阳红志愿服务队章程", None, None),
            # Expires within 30 days: the workspace warns about it.
            (D.QUALIFICATION, "助理社会工作师职业水平证书", 20, 1),
        ],
    },
    {
        "name": "示范区麓山社会工作服务中心",
        "admin": "org2",
        "outcome": "approved",
        "track": "registered",
        "kind": "social_affairs",
        "community": "DEMO-XH-01",
        "areas": ["A", "B", "C"],
        "description": "专业社会工作服务机构，承接社区养老、困境儿童关爱和残疾人康复等服务项目，"
        "开展个案管理、小组活动和社区营造，培育社区志愿者队伍。",
        "founded_on": datetime.date(2016, 9, 20),
        "contact": ("邓晓雯", "0731-88123456", "lushan-sw@demo.platform.localhost"),
        "office": (OWN_OFFICE, "示范区麓山路麓山大厦"),
        "staff": [("邓晓雯", QS), ("欧阳志刚", Q), ("龚丽萍", Q), ("蒋文博", QA), ("贺思远", ""), ("廖雪梅", "")],
        "registration": {
            "legal_type": "social_service",
            "n": 1,
            "legal_representative": "向国平",
            "legal_representative_id_number": DEMO_MARKER_ID_NUMBER,
            "registered_capital": Decimal("50000"),
        },
        "documents": [
            (D.CERTIFICATE, "民办非企业单位登记证书", 1460, None),
            (D.CHARTER, "示范区麓山社会工作服务中心章程", None, None),
            (D.ANNUAL_INSPECTION, "年度检查结论：合格", 300, None),
            (D.QUALIFICATION, "高级社会工作师证书", 900, 0),
            (D.QUALIFICATION, "社会工作师职业水平证书", 700, 1),
            (D.QUALIFICATION, "社会工作师职业水平证书", 500, 2),
            (D.QUALIFICATION, "助理社会工作师职业水平证书", 400, 3),
        ],
    },
    {
        "name": "春晖社区邻里互助会",
        "admin": "org3",
        "outcome": "approved",
        "track": "filed",
        "kind": "social_affairs",
        "community": "DEMO-DC-02",
        "areas": ["D"],
        "description": "组织居民开展邻里互助、楼栋议事和矛盾协商，建立“时间银行”志愿服务积分，"
        "帮助社区困难家庭解决生活中的实际困难。",
        "founded_on": datetime.date(2020, 6, 1),
        "contact": ("陶玉珍", "13907310021", "chunhui-hzh@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("陶玉珍", ""), ("符振华", ""), ("伍淑芬", ""), ("尹海涛", ""), ("戴金凤", "")],
        "documents": [(D.CHARTER, "春晖社区邻里互助会章程", None, None)],
    },
    {
        "name": "翠苑社区文体协会",
        "admin": "org3",
        "outcome": "approved",
        "track": "filed",
        "kind": "culture_sports",
        "community": "DEMO-XH-01",
        "areas": ["D"],
        "description": "组织社区合唱、广场舞、太极拳和乒乓球等文体活动，承办社区文化节和全民健身活动，"
        "丰富居民精神文化生活。",
        "founded_on": datetime.date(2018, 10, 15),
        "contact": ("柳艳红", "13907310035", "cuiyuan-wt@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("柳艳红", ""), ("管永康", ""), ("宁翠兰", ""), ("甘立新", ""), ("包秋菊", ""), ("韦长青", "")],
        "documents": [(D.CHARTER, "翠苑社区文体协会章程", None, None)],
    },
    {
        "name": "示范区爱心助残服务中心",
        "admin": "org4",
        "outcome": "approved",
        "track": "registered",
        "kind": "charity_relief",
        "community": "DEMO-XH-02",
        "areas": ["C"],
        "description": "为辖区残疾人提供居家康复训练、辅具适配指导、就业辅导和家属喘息服务，"
        "链接慈善资源开展困难残疾人家庭帮扶。",
        "founded_on": datetime.date(2017, 4, 8),
        "contact": ("聂红梅", "0731-88230417", "aixin-zc@demo.platform.localhost"),
        "office": (OWN_OFFICE, "示范区桂花路桂花苑综合楼"),
        "staff": [("聂红梅", Q), ("单建军", ""), ("饶丽君", QA), ("瞿明亮", ""), ("冉晓燕", "")],
        "registration": {
            "legal_type": "social_service",
            "n": 3,
            "legal_representative": "卢国强",
            "legal_representative_id_number": "430104198506071226",
            "registered_capital": Decimal("30000"),
        },
        "documents": [
            (D.CERTIFICATE, "民办非企业单位登记证书", 1200, None),
            (D.CHARTER, "示范区爱心助残服务中心章程", None, None),
            (D.QUALIFICATION, "社会工作师职业水平证书", 800, 0),
            (D.QUALIFICATION, "助理社会工作师职业水平证书", 750, 2),
        ],
    },
    {
        "name": "南山社区调解与法律服务协会",
        "admin": "org4",
        "outcome": "approved",
        "track": "registered",
        "kind": "rights",
        "community": "DEMO-NS-02",
        "areas": ["D"],
        "description": "由退休法官、律师和社区调解员组成，开展邻里纠纷调解、法律咨询和普法宣传，"
        "维护居民和老年人的合法权益。",
        "founded_on": datetime.date(2015, 11, 26),
        "contact": ("车文静", "13907310058", "nanshan-tj@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("车文静", ""), ("阎振东", ""), ("桂凤英", ""), ("牛建平", ""), ("晏志宏", "")],
        "registration": {
            "legal_type": "social_group",
            "n": 2,
            "legal_representative": "俞永昌",
            "legal_representative_id_number": "430104198810193316",
            "registered_capital": Decimal("30000"),
        },
        "documents": [
            (D.CERTIFICATE, "社会团体法人登记证书", 1000, None),
            (D.CHARTER, "南山社区调解与法律服务协会章程", None, None),
            (D.ANNUAL_INSPECTION, "年度检查结论：合格", 250, None),
        ],
    },
    {
        # File first, register later: approved as a filed organization, then
        # registered with the civil-affairs bureau.
        "name": "枫林社区青少年成长服务中心",
        "admin": "org2",
        "outcome": "approved",
        "upgrade": True,
        "track": "filed",
        "kind": "public_service",
        "community": "DEMO-NS-01",
        "areas": ["B"],
        "description": "为社区青少年提供四点半课堂、暑期托管、心理成长小组和亲子活动，关爱留守和困境儿童。",
        "founded_on": datetime.date(2021, 2, 25),
        "contact": ("伏佳琪", "13907310066", "fenglin-qsn@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("伏佳琪", QA), ("滕浩然", ""), ("裘婉清", ""), ("全嘉怡", ""), ("邝子轩", "")],
        "registration": {
            "legal_type": "social_service",
            "n": 4,
            "legal_representative": "盛立伟",
            "legal_representative_id_number": "430104198309172052",
            "registered_capital": Decimal("10000"),
        },
        "documents": [
            (D.CHARTER, "枫林社区青少年成长服务中心章程", None, None),
            (D.QUALIFICATION, "助理社会工作师职业水平证书", 600, 0),
        ],
        "documents_after_upgrade": [(D.CERTIFICATE, "民办非企业单位登记证书", 1800, None)],
    },
    {
        "name": "桂花社区康乐助老服务队",
        "admin": "org3",
        "outcome": "suspended",
        "track": "filed",
        "kind": "public_service",
        "community": "DEMO-XH-02",
        "areas": ["A"],
        "description": "为社区高龄老人提供助浴、助洁和陪同就医服务。",
        "founded_on": datetime.date(2020, 9, 9),
        "contact": ("鲍素琴", "13907310073", "guihua-kl@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("鲍素琴", ""), ("史长生", ""), ("唐玉莲", ""), ("薛宏伟", ""), ("雷春燕", "")],
        "documents": [(D.CHARTER, "桂花社区康乐助老服务队章程", None, None)],
        "reason": "服务台账与实际上门记录不符，暂停准入，待街道核查整改后恢复。",
    },
    {
        "name": "南山街道惠民居家服务社",
        "admin": "org4",
        "outcome": "blacklisted",
        "track": "registered",
        "kind": "public_service",
        "community": "DEMO-NS-01",
        "areas": ["A"],
        "description": "提供居家养老上门服务和家政保洁服务。",
        "founded_on": datetime.date(2018, 5, 3),
        "contact": ("汤振宇", "13907310088", "huimin-jj@demo.platform.localhost"),
        "office": (OWN_OFFICE, "示范区南山路商业街"),
        "staff": [("汤振宇", ""), ("殷小红", ""), ("施国梁", ""), ("郝美娟", ""), ("邬家豪", "")],
        "registration": {
            "legal_type": "social_service",
            "n": 5,
            "legal_representative": "汤振宇",
            "legal_representative_id_number": "430104199107260825",
            "registered_capital": Decimal("20000"),
        },
        "documents": [
            (D.CERTIFICATE, "民办非企业单位登记证书", 900, None),
            (D.CHARTER, "南山街道惠民居家服务社章程", None, None),
        ],
        "reason": "在上一年度居家养老上门服务项目中虚报服务人次、套取服务资金，经查属实，列入黑名单。",
        "blacklist_days": 182,
    },
    {
        "name": "东城街道书香阅读推广会",
        "admin": "org2",
        "outcome": "submitted",
        "track": "filed",
        "kind": "culture_sports",
        "community": "DEMO-DC-01",
        "areas": ["B", "D"],
        "description": "在社区图书室开展亲子共读、读书沙龙和老年人读报活动，推广全民阅读。",
        "founded_on": datetime.date(2022, 4, 23),
        "contact": ("纪雨桐", "13907310091", "shuxiang-yd@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("纪雨桐", ""), ("闵书豪", ""), ("舒雅婷", ""), ("柯文轩", ""), ("卜思琪", "")],
        "documents": [(D.CHARTER, "东城街道书香阅读推广会章程", None, None)],
    },
    {
        "name": "示范区心桥心理咨询服务中心",
        "admin": "org3",
        "outcome": "submitted",
        "track": "registered",
        "kind": "public_service",
        "community": "DEMO-NS-02",
        "areas": ["B"],
        "description": "为社区居民、青少年和困难群体提供心理健康讲座、团体辅导和心理危机干预转介服务。",
        "founded_on": datetime.date(2019, 12, 2),
        "contact": ("房静怡", "0731-88319920", "xinqiao-xl@demo.platform.localhost"),
        "office": (OWN_OFFICE, "示范区枫林路创业园"),
        "staff": [("房静怡", Q), ("寇俊杰", ""), ("祁佳慧", ""), ("仲明轩", ""), ("巫晓琳", "")],
        "registration": {
            "legal_type": "social_service",
            "n": 6,
            "legal_representative": "房静怡",
            "legal_representative_id_number": "430104198603142049",
            "registered_capital": Decimal("30000"),
        },
        "documents": [
            (D.CERTIFICATE, "民办非企业单位登记证书", 1500, None),
            (D.CHARTER, "示范区心桥心理咨询服务中心章程", None, None),
            (D.QUALIFICATION, "社会工作师职业水平证书", 650, 0),
        ],
    },
    {
        "name": "翠苑社区绿色家园环保志愿队",
        "admin": "org2",
        "outcome": "returned",
        "track": "filed",
        "kind": "public_service",
        "community": "DEMO-XH-01",
        "areas": ["D"],
        "description": "开展垃圾分类宣传和社区环境整治活动。",
        "founded_on": datetime.date(2023, 3, 5),
        "contact": ("麦可欣", "13907310102", "cuiyuan-hb@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("麦可欣", ""), ("池文涛", ""), ("糜慧敏", ""), ("郁振宇", ""), ("苗嘉欣", "")],
        "documents": [(D.CHARTER, "章程（未签章稿）", None, None)],
        "reasons": {
            "basics": "服务内容过于笼统，请写明服务对象、服务方式和活动频次。",
            "documents": "上传的章程为未签章稿，请上传经成员大会通过并签章的章程扫描件。",
        },
    },
    {
        "name": "和平社区儿童托管互助队",
        "admin": "org",
        "outcome": "draft",
        "steps": 1,
        "track": "filed",
        "kind": "public_service",
        "community": "DEMO-DC-01",
        "areas": ["B"],
        "description": "由社区双职工家庭家长轮值，为放学后无人照看的孩子提供托管和作业辅导。",
    },
    {
        "name": "南山社区老年书画社",
        "admin": "org4",
        "outcome": "draft",
        "steps": 2,
        "track": "filed",
        "kind": "culture_sports",
        "community": "DEMO-NS-02",
        "areas": ["A", "D"],
        "description": "组织社区老年人学习书法、国画，举办书画展和送春联活动。",
        "contact": ("秦墨林", "13907310115", "nanshan-sh@demo.platform.localhost"),
        "office": (OFFICE_BY_COMMUNITY, ""),
        "staff": [("秦墨林", ""), ("钟砚秋", ""), ("花翰青", ""), ("祝丹枫", ""), ("水云卿", "")],
    },
]


# --- documents: small generated PDFs -------------------------------------------------

_PDF_HTML = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "PlatformCJK"; src: url("{font_url}"); }}
@page {{ size: A5; margin: 14mm; }}
body {{ font-family: "PlatformCJK", sans-serif; font-size: 10.5pt; line-height: 1.6; color: #111; }}
h1 {{ font-size: 15pt; font-weight: normal; text-align: center; margin: 0 0 6mm; }}
.stamp {{ margin-top: 10mm; color: #a4161a; border: 1.5pt solid #a4161a; padding: 2mm 4mm; display: inline-block; }}
</style></head><body><h1>{title}</h1>{lines}<p class="stamp">演示文件 · 非真实证照</p></body></html>"""


@functools.lru_cache(maxsize=256)
def demo_pdf(title, lines=()):
    """A one-page A5 PDF with Chinese text (WeasyPrint with the bundled CJK
    font, as the catalogue PDF).  Falls back to a minimal hand-made PDF when
    WeasyPrint or the font is unavailable."""
    try:
        from weasyprint import HTML

        from marketplace.core.pdf import cjk_font_path

        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        page = _PDF_HTML.format(font_url="file://" + cjk_font_path(), title=html.escape(title), lines=body)
        return HTML(string=page).write_pdf()
    except Exception:  # noqa: BLE001 - a demo file is still a valid PDF without the font
        return _minimal_pdf()


def _minimal_pdf():
    """A valid one-page PDF with an ASCII note (no font needed)."""
    stream = b"BT /F1 12 Tf 40 160 Td (Demo document - not a real certificate) Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 298]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _document_file(spec, kind, title, staff_name, expires_on):
    lines = [f"组织名称：{spec['name']}"]
    if kind == D.QUALIFICATION and staff_name:
        lines.append(f"持证人：{staff_name}")
    if kind == D.CERTIFICATE and spec.get("registration"):
        registration = spec["registration"]
        lines.append(f"统一社会信用代码：{credit_code(registration['legal_type'], registration['n'])}")
        lines.append(f"登记管理机关：{REGISTRATION_AUTHORITY}")
    if expires_on:
        lines.append(f"有效期至：{expires_on:%Y年%m月%d日}")
    content = demo_pdf(title, tuple(lines))
    return ContentFile(content, name=f"{title}.pdf")


def _upload(organization, admin, spec, documents, today):
    staff = list(organization.staff.order_by("position", "pk"))
    for kind, title, days, staff_index in documents:
        expires_on = today + datetime.timedelta(days=days) if days is not None else None
        member = staff[staff_index] if staff_index is not None else None
        document_services.upload_document(
            organization,
            by=admin,
            kind=kind,
            file=_document_file(spec, kind, title, member.name if member else "", expires_on),
            title=title,
            expires_on=expires_on,
            staff_member=member,
        )


# --- accounts ----------------------------------------------------------------------


def _accounts(created):
    """The organization accounts, verified (made by the platform, like the
    other demo accounts), with the organization-member role."""
    group = Group.objects.filter(name=services.MEMBER_ROLE).first()
    users = {}
    now = timezone.now()
    # "org" comes from the demo accounts; an administrator-made account counts as verified.
    User.objects.filter(username="org", verified_at__isnull=True).update(verified_at=now)
    for username, full_name in ORG_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                email=f"{username}@demo.platform.localhost",
                verified_at=now,
            )
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
            if group is not None:
                user.groups.add(group)
            created.append(user)
    for user in User.objects.filter(username__in=["org", *[u for u, _n in ORG_ACCOUNTS]]):
        users[user.username] = user
    return users


def accounts_lines():
    """The extra organization accounts, for the table of demo accounts."""
    from marketplace.core.roles import role_label

    label = role_label(services.MEMBER_ROLE)
    return [f"  {username:<10} {full_name:<14} {label}" for username, full_name in ORG_ACCOUNTS]


# --- walking an organization through the services --------------------------------------


def _step1(spec, communities, areas):
    return {
        "name": spec["name"],
        "track": spec["track"],
        "kind": spec["kind"],
        "community": communities[spec["community"]],
        "service_areas": [areas[code] for code in spec["areas"] if code in areas],
        "description": spec["description"],
    }


def _step2(spec):
    contact_name, phone, email = spec["contact"]
    office, address = spec["office"]
    return {
        "contact_name": contact_name,
        "contact_phone": phone,
        "contact_email": email,
        "office": office,
        "office_address": address,
        "staff": [name for name, _qualification in spec["staff"]],
    }


def _registration(spec):
    registration = spec["registration"]
    return {
        "founded_on": spec["founded_on"],
        "credit_code": credit_code(registration["legal_type"], registration["n"]),
        "registration_authority": REGISTRATION_AUTHORITY,
        "legal_type": registration["legal_type"],
        "legal_representative": registration["legal_representative"],
        "legal_representative_id_number": registration["legal_representative_id_number"],
        "registered_capital": registration["registered_capital"],
    }


def _create(spec, admin, officer, communities, areas, today):
    organization = services.start_organization(by=admin, data=_step1(spec, communities, areas))
    if spec.get("steps", 3) < 2:
        return organization
    organization = services.save_step(organization, 2, by=admin, data=_step2(spec))
    for member in organization.staff.all():
        qualification = dict(spec["staff"]).get(member.name, "")
        if qualification:
            services.set_qualification(member, by=admin, qualification=qualification)
    if spec.get("steps", 3) < 3:
        return organization
    if organization.track == Organization.Track.REGISTERED:
        organization = services.save_step(organization, 3, by=admin, data=_registration(spec))
    else:
        organization = services.save_step(organization, 3, by=admin, data={"founded_on": spec["founded_on"]})
    _upload(organization, admin, spec, spec.get("documents", ()), today)
    if spec["outcome"] == "draft":
        return organization
    organization = services.submit(organization, by=admin)
    outcome = spec["outcome"]
    if outcome == "returned":
        return services.return_for_changes(organization, by=officer, reasons=spec["reasons"])
    if outcome == "submitted":
        return organization
    organization = services.approve(organization, by=officer, note="材料齐全，符合准入条件。")
    if spec.get("upgrade"):
        organization = services.upgrade_to_registered(organization, by=admin, data=_registration(spec))
        _upload(organization, admin, spec, spec.get("documents_after_upgrade", ()), today)
        organization = services.confirm_registration(organization, by=officer, note="已核对登记证书。")
    if outcome == "suspended":
        organization = services.suspend(organization, by=officer, reason=spec["reason"])
    elif outcome == "blacklisted":
        until = today + datetime.timedelta(days=spec["blacklist_days"])
        organization = services.blacklist(organization, by=officer, reason=spec["reason"], until=until)
    return organization


@transaction.atomic
def seed_organizations(stdout=None):
    """Create what is missing; return the number of new rows (accounts and
    organizations)."""
    started = time.monotonic()
    officer = User.objects.filter(username="officer", is_active=True).first()
    if officer is None or not services.is_officer(officer):
        return 0
    created = []
    users = _accounts(created)
    communities = {c.code: c for c in Community.objects.filter(code__in={s["community"] for s in ORGANIZATIONS})}
    areas = {c.code: c for c in ServiceCategory.objects.filter(parent__isnull=True)}
    existing = set(
        Organization.objects.filter(name__in=[s["name"] for s in ORGANIZATIONS]).values_list("name", flat=True)
    )
    today = timezone.localdate()
    for spec in ORGANIZATIONS:
        admin = users.get(spec["admin"])
        if spec["name"] in existing or admin is None or spec["community"] not in communities:
            continue
        created.append(_create(spec, admin, officer, communities, areas, today))
    if stdout is not None and created:
        organizations = sum(1 for row in created if isinstance(row, Organization))
        stdout.write(
            f"Demo social organizations: {organizations} new, {len(created) - organizations} new accounts "
            f"({time.monotonic() - started:.1f} s)."
        )
    return len(created)
