"""factory_boy factories with state traits.

A test that is about one step (award, challenge, a results page) needs the
aggregates *in* a state, not the whole road there: these factories write the
rows directly, as the services would have left them, without the services'
side effects (audit events, notifications, CMS pages, PDFs).  Each flow keeps
one test that walks it through the services (tests/marketplace/<domain>/
test_*_services.py and the fixtures in tests/*_fixtures.py); everything else
may start here.

    ProjectFactory(published=True)                 # open for bids, no call page
    project = ProjectFactory(closed=True, bidders=["120000.00", "100000.00"])
    committee = CommitteeFactory(project=project, evaluators=pool, declared=True)
    QualificationFactory.qualify_all(project, by=officer)
    ScoreSheetFactory.score_all(project)
    EvaluationReportFactory(project=project, confirmed=True)

Values that are digests, rankings or totals are computed with the domain's
own pure functions (``canonical_form``/``digest_of``, ``ranking``,
``points``), so a factory-made bid verifies and a factory-made report ranks
exactly as the services would.
"""

import datetime
import hashlib
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from marketplace.evaluation.models import (
    Committee,
    CommitteeMember,
    EvaluationReport,
    Evaluator,
    Qualification,
    ReportConfirmation,
    Score,
    ScoreSheet,
)
from marketplace.evaluation.services.committee import committee_size
from marketplace.evaluation.services.ranking import points, quantize, ranking, score_criteria
from marketplace.evaluation.services.report import _row
from marketplace.models import (
    Bid,
    BidDocument,
    BidVersion,
    CatalogueItem,
    CatalogueVersion,
    Community,
    District,
    EntryStandard,
    Membership,
    OpeningRecord,
    Organization,
    Project,
    PurchaseMethod,
    RubricCriterion,
    ServiceCategory,
    StaffMember,
    User,
)
from marketplace.procurement.services.bids import canonical_form, digest_of

PASSWORD = "pw-test-2026"
STAFF = ["张三", "李四", "王五", "赵六", "钱七"]
RUBRIC = (
    {"name": "价格", "weight": Decimal("20"), "is_price": True},
    {
        "name": "服务方案",
        "weight": Decimal("50"),
        "description": "方案完整、可行，贴合社区需求",
        "max_score": Decimal("50"),
    },
    {
        "name": "团队与经验",
        "weight": Decimal("30"),
        "description": "持证社工人数与同类项目经验",
        "max_score": Decimal("30"),
    },
)
DEFAULT_SCORES = {"服务方案": Decimal("40"), "团队与经验": Decimal("25")}


def pdf_bytes(text="test document"):
    """A small but real PDF (one empty page)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"% " + text.encode("utf-8") + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _now():
    return timezone.now()


# --- people and places ---------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A verified account with ``roles`` (role group names), password PASSWORD."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.django.Password(PASSWORD)
    verified_at = factory.LazyFunction(_now)
    self_signed_up = False

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.set(Group.objects.filter(name__in=extracted))


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "T01"
    name = "测试区"


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ("code",)

    district = factory.SubFactory(DistrictFactory)
    street = "东城街道"
    code = "T01-01"
    name = "和平社区"


# --- catalogue -------------------------------------------------------------


class CatalogueItemFactory(DjangoModelFactory):
    """An item of a published catalogue version (both made when not given)."""

    class Meta:
        model = CatalogueItem

    version = factory.Sequence(lambda n: CatalogueVersion.objects.create(year=2026, name=f"工厂目录{n + 1}"))
    category = factory.LazyFunction(
        lambda: ServiceCategory.objects.get_or_create(code="F01", defaults={"name": "居家养老", "sort_order": 1})[0]
    )
    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = "居家养老服务"
    department = "区民政局"
    kind = CatalogueItem.Kind.UNDERTAKEN
    content = "为居家老人提供上门助洁、助浴服务。"
    quantity = "每户每月4次"
    quality = "服务人员持证上岗"
    outputs = "服务记录"
    unit = CatalogueItem.Unit.PERSON_TIME
    price_min = Decimal("60.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Items are written to a draft version only; the version is then published."""
        item = super()._create(model_class, *args, **kwargs)
        CatalogueVersion.objects.filter(pk=item.version_id, state=CatalogueVersion.State.DRAFT).update(
            state=CatalogueVersion.State.PUBLISHED, published_at=timezone.now()
        )
        return item


# --- organizations -----------------------------------------------------------

# The model transitions that bring an organization to each state.
ORGANIZATION_PATHS = {
    Organization.State.DRAFT: (),
    Organization.State.SUBMITTED: ("submit",),
    Organization.State.RETURNED: ("submit", "return_for_changes"),
    Organization.State.APPROVED: ("submit", "approve"),
    Organization.State.SUSPENDED: ("submit", "approve", "suspend"),
    Organization.State.BLACKLISTED: ("submit", "approve", "blacklist"),
}


def add_document(organization, kind="charter", *, by=None, expires_on=None, content=None, staff_member=None):
    from marketplace.models import OrganizationDocument

    content = content if content is not None else pdf_bytes(f"{organization.pk}-{kind}")
    document = OrganizationDocument(
        organization=organization,
        kind=kind,
        title="",
        original_name=f"{kind}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        expires_on=expires_on,
        staff_member=staff_member,
        uploaded_by=by or organization.created_by,
    )
    document.file.save(f"{kind}.pdf", ContentFile(content), save=False)
    document.save()
    return document


class OrganizationFactory(DjangoModelFactory):
    """A filed community organization with five staff, its charter and an
    administrator (``created_by``).  Traits give the state, walked through the
    model's transitions: ``submitted``, ``returned``, ``approved``,
    ``suspended``, ``blacklisted``.  ``documents`` overrides the kinds filed."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    class Params:
        submitted = factory.Trait(target=Organization.State.SUBMITTED)
        returned = factory.Trait(target=Organization.State.RETURNED)
        approved = factory.Trait(target=Organization.State.APPROVED)
        suspended = factory.Trait(target=Organization.State.SUSPENDED)
        blacklisted = factory.Trait(target=Organization.State.BLACKLISTED)

    target = Organization.State.DRAFT  # consumed by _create: the state to walk to
    name = factory.Sequence(lambda n: f"测试社会组织{n + 1}")
    track = "filed"
    kind = "public_service"
    community = factory.SubFactory(CommunityFactory)
    description = "社区服务"
    contact_name = "张三"
    contact_phone = "13800138000"
    contact_email = "contact@example.test"
    office = "community"
    founded_on = datetime.date(2020, 5, 1)
    wizard_step = 3
    created_by = factory.SubFactory(UserFactory, roles=("organization_member",))

    @factory.post_generation
    def documents(organization, create, extracted, **kwargs):
        if not create:
            return
        Membership.objects.create(organization=organization, user=organization.created_by, role=Membership.Role.ADMIN)
        StaffMember.objects.bulk_create(
            [StaffMember(organization=organization, name=name, position=n) for n, name in enumerate(STAFF)]
        )
        kinds = (
            extracted
            if extracted is not None
            else (["certificate", "charter"] if organization.track == "registered" else ["charter"])
        )
        for kind in kinds:
            add_document(organization, kind)

    @factory.post_generation
    def state_path(organization, create, extracted, **kwargs):
        if not create:
            return
        path = ORGANIZATION_PATHS[organization._factory_target]
        with transaction.atomic():  # transitions are audited, inside a transaction (as in a service)
            for verb in path:
                extra = {"until": timezone.localdate() + datetime.timedelta(days=30)} if verb == "blacklist" else {}
                getattr(organization, verb)(by=None, reason="fixture", **extra)
            if path:
                organization.save()

    @classmethod
    def _create(cls, model_class, *args, target=Organization.State.DRAFT, **kwargs):
        organization = super()._create(model_class, *args, **kwargs)
        organization._factory_target = target
        return organization


# --- projects and bids -----------------------------------------------------


def next_ref(year):
    """The next reference from the year's sequence, as the project services
    number them (so a project a test then creates through them never collides)."""
    from django.conf import settings

    from marketplace.models import ProjectSequence

    sequence, _created = ProjectSequence.objects.get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{settings.PROJECT_REF_PREFIX}-{year}-{sequence.last:04d}"


class ProjectFactory(DjangoModelFactory):
    """A purchase project with the three-line rubric, one catalogue item and
    one community.  States (traits): draft (default), ``pending_approval``,
    ``published`` (open for bids; no call page is made), ``closed`` (the
    deadline passed and the bids were opened: give ``bidders``, a list of
    prices, for approved organizations with submitted bids).
    ``method_code`` names the purchase method."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    class Params:
        days = 30
        method_code = "public_tender"
        pending_approval = factory.Trait(state=Project.State.PENDING_APPROVAL)
        published = factory.Trait(
            state=Project.State.PUBLISHED,
            published_at=factory.LazyFunction(_now),
            approved_by=factory.SubFactory(UserFactory, roles=("procurement_officer",)),
        )
        closed = factory.Trait(
            published=True,
            deadline=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(seconds=1)),
        )

    state = Project.State.DRAFT
    ref = factory.LazyFunction(lambda: next_ref(timezone.localdate().year))
    title = "和平社区居家养老上门服务"
    purchaser = "东城街道办事处"
    year = factory.LazyAttribute(lambda project: project.service_start.year)
    budget = Decimal("150000.00")
    method = factory.LazyAttribute(lambda project: PurchaseMethod.objects.get(code=project.method_code))
    entry_standard = factory.LazyFunction(lambda: EntryStandard.objects.get_or_create(name="测试准入标准")[0])
    deadline = factory.LazyAttribute(
        lambda project: (timezone.localtime() + datetime.timedelta(days=project.days)).replace(
            hour=17, minute=0, second=0, microsecond=0
        )
    )
    service_start = factory.LazyAttribute(lambda project: project.deadline.date() + datetime.timedelta(days=10))
    service_end = factory.LazyAttribute(lambda project: project.service_start + datetime.timedelta(days=300))
    min_valid_bids = factory.LazyAttribute(lambda project: project.method.min_valid_bids)
    description = "为社区60岁以上独居老人提供助洁、助浴、助餐上门服务。"
    requirements = "服务团队至少2名持证社工。"
    created_by = factory.SubFactory(UserFactory, roles=("procurement_officer",))
    submitted_by = factory.LazyAttribute(
        lambda project: project.created_by if project.state != Project.State.DRAFT else None
    )

    @factory.post_generation
    def items(project, create, extracted, **kwargs):
        if create:
            project.catalogue_items.set(extracted if extracted is not None else [CatalogueItemFactory()])

    @factory.post_generation
    def communities(project, create, extracted, **kwargs):
        if create:
            project.communities.set(extracted if extracted is not None else [CommunityFactory()])

    @factory.post_generation
    def criteria(project, create, extracted, **kwargs):
        if create:
            RubricCriterion.objects.bulk_create(
                [
                    RubricCriterion(project=project, position=position, **line)
                    for position, line in enumerate(extracted or RUBRIC)
                ]
            )

    @factory.post_generation
    def bidders(project, create, extracted, **kwargs):
        """``bidders``: prices; one approved organization and submitted bid each
        (``bidders__names`` and ``bidders__admins`` name and administer them).
        A past deadline opens them, as ``opening.open_bids`` would."""
        if not (create and extracted):
            return
        names = kwargs.get("names") or [f"投标组织{n + 1}" for n in range(len(extracted))]
        admins = kwargs.get("admins") or [None] * len(extracted)
        deadline = project.deadline
        submitted_at = min(timezone.now(), deadline) - datetime.timedelta(minutes=len(extracted) + 1)
        for index, (price, name, admin) in enumerate(zip(extracted, names, admins, strict=False)):
            org_kwargs = {"name": name, "approved": True, "community": project.communities.first()}
            if admin is not None:
                org_kwargs["created_by"] = admin
            organization = OrganizationFactory(**org_kwargs)
            BidFactory(
                project=project,
                organization=organization,
                price=Decimal(price),
                submitted=True,
                submitted_at=submitted_at + datetime.timedelta(minutes=index),
            )
        if deadline <= timezone.now() and project.state == Project.State.PUBLISHED:
            open_bids(project)


def open_bids(project, *, opened_at=None):
    """What the opening writes at the deadline: submitted bids opened, the
    project closed (or failed with too few), the opening record."""
    opened_at = opened_at or timezone.now()
    bids = list(
        Bid.objects.filter(project=project, state=Bid.State.SUBMITTED)
        .select_related("organization", "current_version")
        .order_by("pk")
    )
    Bid.objects.filter(pk__in=[bid.pk for bid in bids]).update(state=Bid.State.OPENED)
    bids.sort(key=lambda bid: bid.current_version.submitted_at)
    entries = [
        {
            "organization_id": bid.organization_id,
            "organization": bid.organization.name,
            "price": f"{bid.current_version.price:.2f}",
            "digest": bid.current_version.digest,
            "version": bid.current_version.number,
            "submitted_at": timezone.localtime(bid.current_version.submitted_at).isoformat(),
        }
        for bid in bids
    ]
    failed = len(bids) < project.min_valid_bids
    state = Project.State.FAILED if failed else Project.State.CLOSED
    Project.objects.filter(pk=project.pk).update(state=state, opened_at=opened_at)
    OpeningRecord.objects.create(
        project=project,
        opened_at=opened_at,
        deadline=project.deadline,
        entries=entries,
        valid_count=len(bids),
        min_valid_bids=project.min_valid_bids,
        failed=failed,
    )
    project.refresh_from_db()
    return project


class BidFactory(DjangoModelFactory):
    """A bid with a complete working copy (a response to every non-price
    criterion and one PDF).  ``submitted`` freezes it as version 1 with the
    canonical text and digest the bid services compute."""

    class Meta:
        model = Bid
        skip_postgeneration_save = True

    # Consumed by _create.
    submitted = False
    submitted_at = None
    document = True
    project = factory.SubFactory(ProjectFactory, published=True)
    organization = factory.SubFactory(OrganizationFactory, approved=True)
    price = Decimal("120000.00")
    responses = factory.LazyAttribute(
        lambda bid: {str(c.pk): f"关于{c.name}的响应" for c in bid.project.criteria.filter(is_price=False)}
    )
    team = "持证社工3名"
    experience = "三年居家养老服务经验"
    created_by = factory.LazyAttribute(lambda bid: bid.organization.created_by)

    @classmethod
    def _create(cls, model_class, *args, submitted=False, submitted_at=None, document=True, **kwargs):
        bid = super()._create(model_class, *args, **kwargs)
        if document:
            content = pdf_bytes("方案")
            attached = BidDocument(
                bid=bid,
                title="服务方案",
                original_name="方案.pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=bid.created_by,
            )
            attached.file.save("方案.pdf", ContentFile(content), save=False)
            attached.save()
        if submitted:
            freeze(bid, submitted_at or timezone.now())
        return bid


def freeze(bid, submitted_at):
    """Version 1 of ``bid``, as ``bid_services.submit_bid`` writes it."""
    project = bid.project
    criteria = list(project.criteria.filter(is_price=False))
    attached = list(bid.documents.filter(removed_at__isnull=True).order_by("pk"))
    canonical = canonical_form(
        project_ref=project.ref,
        organization=bid.organization,
        version=1,
        price=bid.price,
        responses=[{"criterion": c.name, "text": bid.responses[str(c.pk)].strip()} for c in criteria],
        team=bid.team,
        experience=bid.experience,
        documents_=[{"name": d.original_name, "sha256": d.sha256, "size": d.size} for d in attached],
        revision=project.revision,
        submitted_at=submitted_at,
    )
    version = BidVersion.objects.create(
        bid=bid,
        number=1,
        price=bid.price,
        responses={str(c.pk): bid.responses[str(c.pk)].strip() for c in criteria},
        team=bid.team,
        experience=bid.experience,
        revision=project.revision,
        submitted_at=submitted_at,
        submitted_by=bid.created_by,
        canonical=canonical,
        digest=digest_of(canonical),
    )
    version.documents.set(attached)
    Bid.objects.filter(pk=bid.pk).update(state=Bid.State.SUBMITTED, current_version=version)
    bid.refresh_from_db()
    return version


# --- evaluation --------------------------------------------------------------


class EvaluatorFactory(DjangoModelFactory):
    """A pool evaluator (an account with the evaluator role)."""

    class Meta:
        model = Evaluator
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=("evaluator",), full_name=factory.SelfAttribute("..name"))
    name = factory.Sequence(lambda n: f"专家{n + 1}")

    @factory.post_generation
    def expertise(evaluator, create, extracted, **kwargs):
        if create and extracted:
            evaluator.expertise.set(extracted)


class CommitteeFactory(DjangoModelFactory):
    """A committee formed on a closed project from ``evaluators`` (the first
    is chair; all drawn).  The project moves to evaluation.  ``declared``:
    every member declared no relationship with any bidder."""

    class Meta:
        model = Committee
        skip_postgeneration_save = True

    # Consumed by _create.
    evaluators = ()
    declared = False
    project = factory.SubFactory(ProjectFactory, closed=True, bidders=["120000.00", "100000.00", "140000.00"])
    size = factory.LazyAttribute(lambda committee: committee_size(committee.project.method))
    deviation_margin = factory.LazyFunction(lambda: Decimal(str(_setting("EVALUATION_DEVIATION_MARGIN"))))
    formed_by = factory.SubFactory(UserFactory, roles=("procurement_officer",))
    formed_at = factory.LazyFunction(_now)

    @classmethod
    def _create(cls, model_class, *args, evaluators=(), declared=False, **kwargs):
        committee = super()._create(model_class, *args, **kwargs)
        project = committee.project
        evaluators = list(evaluators) or [EvaluatorFactory() for _ in range(committee.size)]
        now = timezone.now()
        members = [
            CommitteeMember(
                committee=committee,
                evaluator=evaluator,
                is_chair=index == 0,
                selection=CommitteeMember.Selection.DRAWN,
                joined_at=now,
                declared_at=now if declared else None,
            )
            for index, evaluator in enumerate(evaluators[: committee.size])
        ]
        CommitteeMember.objects.bulk_create(members)
        if declared:
            from marketplace.evaluation.models import Declaration

            bids = list(Bid.objects.filter(project=project, state=Bid.State.OPENED))
            Declaration.objects.bulk_create(
                [
                    Declaration(member=member, bid=bid, relationship="none", detail="", declared_at=now)
                    for member in CommitteeMember.objects.filter(committee=committee)
                    for bid in bids
                ]
            )
        Project.objects.filter(pk=project.pk).update(state=Project.State.EVALUATING)
        project.refresh_from_db()
        return committee


def _setting(name):
    from django.conf import settings

    return getattr(settings, name)


class QualificationFactory(DjangoModelFactory):
    class Meta:
        model = Qualification

    bid = factory.SubFactory(BidFactory)
    entry_passed = True
    manual_passed = True
    passed = True
    reason = "符合招标文件要求"
    decided_by = factory.SubFactory(UserFactory, roles=("procurement_officer",))
    decided_at = factory.LazyFunction(_now)

    @classmethod
    def qualify_all(cls, project, *, by, failing=()):
        """The qualification review: every opened bid passes, except the
        organizations named in ``failing``."""
        now = timezone.now()
        for bid in Bid.objects.filter(project=project, state=Bid.State.OPENED).select_related("organization"):
            passed = bid.organization.name not in failing
            cls(
                bid=bid,
                manual_passed=passed,
                passed=passed,
                reason="符合招标文件要求" if passed else "缺少资质",
                decided_by=by,
                decided_at=now,
            )
            Bid.objects.filter(pk=bid.pk).update(state=Bid.State.QUALIFIED if passed else Bid.State.DISQUALIFIED)
        project.committee.qualification_done_at = now
        project.committee.save(update_fields=["qualification_done_at"])


class ScoreSheetFactory(DjangoModelFactory):
    """A member's sheet on a qualified bid; ``submitted`` (with ``values``,
    criterion name → score, every reason filled) locks it with its total."""

    class Meta:
        model = ScoreSheet

    # Consumed by _create.
    values = None
    submitted = False

    @classmethod
    def _create(cls, model_class, *args, values=None, submitted=False, **kwargs):
        sheet = super()._create(model_class, *args, **kwargs)
        criteria = score_criteria(sheet.bid.project)
        values = {**DEFAULT_SCORES, **(values or {})}
        Score.objects.bulk_create(
            [
                Score(sheet=sheet, criterion=c, value=values.get(c.name, c.max_score), reason=f"{c.name}的理由")
                for c in criteria
            ]
        )
        if submitted:
            total = quantize(sum((points(c, values.get(c.name, c.max_score)) for c in criteria), Decimal(0)))
            ScoreSheet.objects.filter(pk=sheet.pk).update(
                state=ScoreSheet.State.SUBMITTED, total=total, submitted_at=timezone.now()
            )
            sheet.refresh_from_db()
        return sheet

    @classmethod
    def score_all(cls, project, scores=None):
        """Every serving member submits a sheet on every qualified bid.
        ``scores``: {(member index, organization name): {criterion: value}}."""
        scores = scores or {}
        members = list(CommitteeMember.objects.filter(committee__project=project, status="active").order_by("pk"))
        bids = list(Bid.objects.filter(project=project, state=Bid.State.QUALIFIED).select_related("organization"))
        for index, member in enumerate(members):
            for bid in bids:
                cls(member=member, bid=bid, values=scores.get((index, bid.organization.name)), submitted=True)


class EvaluationReportFactory(DjangoModelFactory):
    """The evaluation report frozen from the current ranking (computed by
    ``ranking()``, as the chair's report is), with a stand-in PDF instead of
    the rendered one.  ``confirmed``: every serving member confirmed it."""

    class Meta:
        model = EvaluationReport

    confirmed = False  # consumed by _create

    project = factory.SubFactory(CommitteeFactory)
    number = factory.LazyAttribute(lambda report: EvaluationReport.objects.filter(project=report.project).count() + 1)
    generated_at = factory.LazyFunction(_now)

    @classmethod
    def _create(cls, model_class, *args, confirmed=False, **kwargs):
        project = kwargs["project"]
        if isinstance(project, Committee):
            project = kwargs["project"] = project.project
        rows = [_row(entry) for entry in ranking(project)]
        members = list(CommitteeMember.objects.filter(committee__project=project, status="active").order_by("pk"))
        chair = next((m for m in members if m.is_chair), members[0])
        kwargs.setdefault("generated_by", chair.evaluator.user)
        body = pdf_bytes(f"{project.ref} evaluation report")
        report = model_class(ranking=rows, recommended_bid_id=rows[0]["bid"] if rows else None, **kwargs)
        report.sha256 = hashlib.sha256(body).hexdigest()
        report.pdf.save(f"{project.ref}-report-{report.number}.pdf", ContentFile(body), save=False)
        report.save()
        if confirmed:
            now = timezone.now()
            ReportConfirmation.objects.bulk_create(
                [ReportConfirmation(report=report, member=m, confirmed_at=now) for m in members]
            )
            report.confirmed_at = now
            report.save(update_fields=["confirmed_at"])
        return report
