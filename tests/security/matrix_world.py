"""The world the permission matrix asks about: one of every object a route
can name, each belonging to somebody, and one account per role.

Roles come in pairs where ownership matters: ``member`` administers the
organization every ``/org/<pk>/`` URL names, ``member_other`` administers a
rival bidder on the same project; ``worker`` files needs for the community
the URLs name, ``worker_other`` for another; ``evaluator`` serves on the
project's committee (not as chair), ``evaluator_off`` is in the pool with
the right expertise but was not drawn; ``officer`` wrote the project,
``officer2`` approved it; ``finance``, ``editor``, ``platform_admin`` and
``superuser`` have their role and nothing else; ``anonymous`` and
``resident`` (no account) have no user.  Built once per test module
(``build_world``)."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cms.setup import ensure_site
from marketplace.core.roles import sync_roles
from marketplace.evaluation.services import awards, committee
from marketplace.models import (
    Bid,
    BidDocument,
    CatalogueVersion,
    Community,
    CommunityFund,
    District,
    EntryStandard,
    Evaluator,
    Membership,
    Notice,
    Project,
    PurchaseMethod,
    ScoreSheet,
    User,
)
from marketplace.needs import services as need_services
from marketplace.organizations.services import memberships
from marketplace.procurement.services import projects as project_services
from tests.catalogue_fixtures import make_item
from tests.evaluation_fixtures import (
    PASSWORD,
    award_top,
    declare_all,
    qualify_all,
    report_and_confirm,
    score_all,
    serving,
)
from tests.needs_fixtures import need_data
from tests.org_fixtures import add_document, pdf_bytes
from tests.project_fixtures import RUBRIC, intention_public, open_now, project_data, submit_bid

ROLE_GROUPS = {
    "worker": ("community_worker",),
    "worker_other": ("community_worker",),
    "member": ("organization_member",),
    "member_other": ("organization_member",),
    "evaluator": ("evaluator",),
    "evaluator_off": ("evaluator",),
    "officer": ("procurement_officer",),
    "officer2": ("procurement_officer",),
    "finance": ("finance_officer",),
    "editor": ("editor",),
    "platform_admin": ("platform_admin",),
    "superuser": (),
}


def _user(username, *groups, **fields):
    fields.setdefault("email", f"{username}@example.test")
    fields.setdefault("verified_at", timezone.now())
    fields.setdefault("self_signed_up", False)
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def _png():
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), (200, 80, 80)).save(buffer, "PNG")
    return buffer.getvalue()


def _organization(name, admin, community):
    """An approved, filed organization with five staff and a charter."""
    from marketplace.models import Organization, StaffMember

    organization = Organization.objects.create(
        name=name,
        track="filed",
        kind="public_service",
        community=community,
        description="社区服务",
        contact_name="张三",
        contact_phone="13800138000",
        contact_email="contact@example.test",
        office="community",
        founded_on=datetime.date(2020, 5, 1),
        wizard_step=3,
        created_by=admin,
    )
    Membership.objects.create(organization=organization, user=admin, role=Membership.Role.ADMIN)
    for position, staff_name in enumerate(["张三", "李四", "王五", "赵六", "钱七"]):
        StaffMember.objects.create(organization=organization, name=staff_name, position=position)
    add_document(organization, "charter", by=admin)
    organization.submit(by=None, reason="fixture")
    organization.approve(by=None, reason="fixture")
    organization.save()
    return organization


def build_world():
    sync_roles()
    w = SimpleNamespace()
    w.home = ensure_site()
    w.district = District.objects.create(code="M01", name="矩阵区")
    w.community = Community.objects.create(district=w.district, street="东城街道", code="M01-01", name="和平社区")
    w.other_community = Community.objects.create(district=w.district, street="东城街道", code="M01-02", name="春晖社区")

    # --- accounts, one per role -------------------------------------------------------------
    users = {}
    for role, groups in ROLE_GROUPS.items():
        fields = {}
        if role == "worker":
            fields["community"] = w.community
        elif role == "worker_other":
            fields["community"] = w.other_community
        elif role == "superuser":
            fields.update(is_superuser=True, is_staff=True)
        users[role] = _user(f"m_{role}", *groups, full_name=f"矩阵{role}", **fields)
    w.users = users

    # --- the catalogue: a published version and a draft one -----------------------------------
    from marketplace.catalogue.services import publish_version
    from marketplace.models import ServiceCategory

    elderly = ServiceCategory.objects.create(code="A", name="养老服务", sort_order=1)
    home_care = ServiceCategory.objects.create(code="A01", name="居家养老", parent=elderly, sort_order=1)
    version = CatalogueVersion.objects.create(year=2026, name="2026版")
    make_item(version, home_care, "A0101", "居家养老服务")
    make_item(version, home_care, "A0102", "老年助餐服务", price_min=Decimal("8.00"), price_max=Decimal("15.00"))
    w.published = publish_version(version, by=users["officer"])
    w.catalogue_item = w.published.items.order_by("code").first()
    w.draft_version = CatalogueVersion.objects.create(year=2027, name="2027版")
    w.draft_item = make_item(w.draft_version, home_care, "A0101", "居家养老服务")
    w.category = elderly
    w.fund = CommunityFund.objects.create(community=w.community, year=timezone.localdate().year, amount=Decimal("1"))
    from marketplace.models import CatalogueImport

    w.catalogue_import = CatalogueImport.objects.create(
        version=w.draft_version, uploaded_by=users["officer"], filename="items.xlsx", content=b""
    )

    # --- needs: filed by ``worker`` for its community; a resident report there ----------------
    w.need = need_services.file_need(by=users["worker"], community=w.community, **need_data())
    w.resident_report = need_services.report_need(
        community=w.community,
        title="小区老人吃饭难",
        description="楼里独居老人做饭困难，希望有送餐服务。",
        name="欧阳秀珍",
        phone="13987654321",
    )

    # --- organizations: ``member``'s bids, ``member_other``'s bids against it ------------------
    w.org = _organization("矩阵社工服务中心", users["member"], w.community)
    w.other_org = _organization("矩阵对手组织", users["member_other"], w.community)
    third_admin = _user("m_third_admin", "organization_member")
    w.third_org = _organization("矩阵第三组织", third_admin, w.community)
    w.staff = w.org.staff.order_by("position").first()
    w.org_document = w.org.documents.first()
    w.invitation, w.invitation_token = memberships.invite(w.org, by=users["member"], email="new@example.test")
    colleague = _user("m_colleague", "organization_member")
    w.colleague_membership = Membership.objects.create(organization=w.org, user=colleague, role=Membership.Role.MEMBER)

    # --- the project: written by ``officer``, approved by ``officer2``, bid on by all three ----
    officer, officer2 = users["officer"], users["officer2"]
    w.entry_standard = EntryStandard.objects.get_or_create(name="矩阵准入标准")[0]
    project = project_services.create_project(
        by=officer,
        data=project_data(method_code="consultation", entry_standard=w.entry_standard),
        items=[w.catalogue_item],
        communities=[w.community],
        criteria=RUBRIC,
    )
    w.project_document = project_services.upload_project_document(
        project,
        by=officer,
        file=SimpleUploadedFile("采购文件.pdf", pdf_bytes("call"), "application/pdf"),
        kind="call",
        title="采购文件",
    )
    project = intention_public(project, by=officer)
    project = project_services.submit_for_approval(project, by=officer)
    project = project_services.approve_project(project, by=officer2)
    w.question = project_services.ask_question(
        project, organization=w.org, by=users["member"], question="服务对象的人数是多少？"
    )
    submit_bid(project, w.org, users["member"], price="120000.00")
    submit_bid(project, w.other_org, users["member_other"], price="100000.00")
    submit_bid(project, w.third_org, third_admin, price="140000.00")
    project = open_now(project)
    w.bid = Bid.objects.get(project=project, organization=w.org)
    w.other_bid = Bid.objects.get(project=project, organization=w.other_org)
    w.bid_document = BidDocument.objects.filter(bid=w.bid).first()

    # --- evaluation: ``evaluator`` serves (not chair); ``evaluator_off`` stays in the pool ------
    expertise = list(committee.default_expertise(project))
    pool = [users["evaluator"]] + [_user(f"m_expert{n}", "evaluator") for n in range(1, 4)]
    for user in pool:
        Evaluator.objects.create(user=user, name=user.username).expertise.set(expertise)
    chair = _user("m_chair", "evaluator")
    Evaluator.objects.create(user=chair, name="m_chair").expertise.set(expertise)
    evaluator_entry = Evaluator.objects.get(user=users["evaluator"])
    chair_entry = Evaluator.objects.get(user=chair)
    committee.form_committee(
        project,
        by=officer,
        expertise=expertise,
        appointments=[(chair_entry, "主任委员"), (evaluator_entry, "熟悉居家养老")],
        seed=1,
    )
    project.refresh_from_db()
    w.evaluator_entry = evaluator_entry
    # In the pool with the right expertise, joined after the draw: never on this committee.
    w.evaluator_off_entry = Evaluator.objects.create(user=users["evaluator_off"], name="m_evaluator_off")
    w.evaluator_off_entry.expertise.set(expertise)
    declare_all(project)
    qualify_all(project, officer)
    score_all(project)
    w.report = report_and_confirm(project)
    w.sheet = ScoreSheet.objects.filter(bid=w.bid).exclude(member__evaluator=evaluator_entry).first()
    assert {m.evaluator.user_id for m in serving(project)} >= {users["evaluator"].pk}
    award_top(project, officer)
    project.refresh_from_db()
    w.project = project
    w.challenge = awards.file_challenge(
        w.bid,
        by=users["member"],
        reasons="评分未按招标文件规定的标准进行。",
        files=[SimpleUploadedFile("质疑.pdf", pdf_bytes("challenge"), "application/pdf")],
    )
    w.challenge_document = w.challenge.documents.first()
    w.report_number = w.report.number
    w.notice = Notice.objects.filter(user=users["member"]).order_by("pk").first()

    # --- Wagtail: pages, an image, a document, a group, a workflow ----------------------------
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection, Page, Workflow
    from wagtail.models import Task as WorkflowTask

    from cms.models import CallAnnouncementPage, SectionPage

    w.section = SectionPage.objects.get(section="projects")
    w.call_page = CallAnnouncementPage.objects.get(project=project)
    w.root_page = Page.get_first_root_node()
    w.revision = w.call_page.latest_revision or w.call_page.save_revision(user=officer)
    w.collection = Collection.get_first_root_node()
    from django.core.files.images import ImageFile

    image = get_image_model()(
        title="矩阵图片", collection=w.collection, file=ImageFile(io.BytesIO(_png()), name="matrix.png")
    )
    image.save()
    w.image = image
    document = get_document_model()(title="矩阵文件", collection=w.collection)
    document.file.save("matrix.pdf", ContentFile(pdf_bytes("wagtail")), save=False)
    document.save()
    w.document = document
    # Files an editor uploaded in the multiple-upload form, not yet made into a document or image.
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import UploadedFile

    w.uploaded_document = UploadedFile.objects.create(
        file=ContentFile(pdf_bytes("upload"), name="upload.pdf"),
        for_content_type=ContentType.objects.get_for_model(get_document_model()),
        uploaded_by_user=users["editor"],
    )
    w.uploaded_image = UploadedFile.objects.create(
        file=ContentFile(_png(), name="upload.png"),
        for_content_type=ContentType.objects.get_for_model(get_image_model()),
        uploaded_by_user=users["editor"],
    )
    w.group = Group.objects.get(name="procurement_officer")
    w.workflow = Workflow.objects.first() or Workflow.objects.create(name="矩阵审核")
    w.task = WorkflowTask.objects.first()
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.models import Site

    w.redirect = Redirect.objects.create(old_path="/matrix-old", redirect_link="/")
    w.site = Site.objects.get(is_default_site=True)
    w.purchase_method = PurchaseMethod.objects.get(code="consultation")
    w.method_change = _method_change(w.purchase_method, officer)
    _contracts(w)
    # Issue 17: the announcements the world's data owes (the admin's note routes name one).
    from cms.announcements import publish_due
    from cms.models import Announcement

    publish_due()
    w.announcement = Announcement.objects.order_by("pk").first()
    return w


def _contracts(w):
    """Issue 15, the contract domain: a contract of ``member``'s organization
    on the project's live award, drafted by ``officer`` and sent for
    signature (its PDF written), so the signing pages have something."""
    from contracts.contracts.models import Contract, ContractClauses, ContractKind
    from contracts.contracts.services import send_for_signature
    from marketplace.models import Award
    from tests.contract_fixtures import ContractFactory

    award = Award.objects.get(project=w.project, cancelled_at__isnull=True)
    contract = ContractFactory(award=award, organization=w.org, drafted_by=w.users["officer"])
    w.contract = send_for_signature(contract, by=w.users["officer"])
    w.contract_document = w.contract.documents.get()
    assert w.contract.state == Contract.State.AWAITING_SIGNATURES
    w.contract_kind = ContractKind.objects.order_by("pk").first()
    w.contract_clauses = ContractClauses.objects.order_by("pk").first()
    w.contract_clauses_revision = w.contract_clauses.live_revision
    _active_contract(w)


def _active_contract(w):
    """Issue 15, delivery, supervision and evaluation: a contract in force of
    ``member``'s organization, on a project of its own (``w.org`` the
    cheapest of two bidders, evaluated and awarded, the challenge period
    over) serving ``worker``'s community.  Through the services: ``member``
    submitted the first milestone's report (one service log entry, one PDF
    of evidence); ``worker`` wrote a supervision record on it with one photo
    and made survey links; ``officer`` assigned ``evaluator``, who declared
    no relationship (the milestone is under evaluation, the sheet not
    scored).  No acceptance record or survey answer exists."""
    from contracts.contracts.models import Contract, Milestone
    from contracts.milestones.models import MilestoneEvaluation
    from contracts.milestones.services import evaluation as evaluation_services
    from contracts.milestones.services import reports as report_services
    from contracts.milestones.services import supervision as supervision_services
    from contracts.milestones.services import surveys as survey_services
    from marketplace.models import Award
    from tests.contract_fixtures import ContractFactory, end_challenge_period
    from tests.factories import (
        BidFactory,
        CommitteeFactory,
        EvaluationReportFactory,
        ProjectFactory,
        QualificationFactory,
        ScoreSheetFactory,
        open_bids,
    )

    users = w.users
    officer, member, worker = users["officer"], users["member"], users["worker"]
    project = ProjectFactory(
        published=True,
        method_code="consultation",
        created_by=officer,
        submitted_by=officer,
        approved_by=users["officer2"],
        items=[w.catalogue_item],
        communities=[w.community],
    )
    submitted_at = timezone.now() - datetime.timedelta(minutes=5)
    BidFactory(
        project=project, organization=w.org, price=Decimal("100000.00"), submitted=True, submitted_at=submitted_at
    )
    BidFactory(project=project, price=Decimal("130000.00"), submitted=True, submitted_at=submitted_at)
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    project.refresh_from_db()
    open_bids(project)
    project.refresh_from_db()
    # Not ``evaluator`` nor ``evaluator_off``: their committees stay as the docstring says.
    panel = Evaluator.objects.filter(user__username__in=("m_chair", "m_expert1", "m_expert2")).order_by("pk")
    CommitteeFactory(project=project, evaluators=list(panel), formed_by=officer, declared=True)
    project.refresh_from_db()
    QualificationFactory.qualify_all(project, by=officer)
    ScoreSheetFactory.score_all(project)
    EvaluationReportFactory(project=project, confirmed=True)
    project.refresh_from_db()
    award_top(project, officer)
    award = end_challenge_period(project)
    assert Award.objects.get(pk=award.pk).bid.organization_id == w.org.pk
    contract = ContractFactory(award=award, active=True, drafted_by=officer)
    assert contract.organization_id == w.org.pk and contract.communities.filter(pk=worker.community_id).exists()
    milestone = contract.milestones.get(number=1)

    report = report_services.save_draft(
        milestone,
        by=member,
        narrative="第一阶段为 40 户老人提供上门服务。",
        entry={
            "day": timezone.localdate(),
            "community": w.community,
            "place": "和平社区活动室",
            "activity": "助餐服务",
            "residents_served": 40,
            "volunteers": 3,
        },
        files=[SimpleUploadedFile("签到表.pdf", pdf_bytes("sign-in sheet"), "application/pdf")],
    )
    report_services.submit_report(milestone, by=member)
    w.active_record = supervision_services.add_record(
        contract,
        by=worker,
        visited_on=timezone.localdate(),
        observed="活动室内二十位老人参加助餐，秩序良好。",
        attendance=20,
        milestone=milestone,
        photos=[SimpleUploadedFile("现场.png", _png(), "image/png")],
    )
    w.active_photo = w.active_record.photos.get()
    w.survey_token = survey_services.make_links(milestone, by=worker, count=3)[0]
    evaluation = evaluation_services.assign(milestone, by=officer, evaluator=w.evaluator_entry)
    w.milestone_evaluation = evaluation_services.declare(evaluation, by=users["evaluator"], relationship="none")

    w.active_contract = contract
    w.active_milestone = Milestone.objects.get(pk=milestone.pk)
    w.active_evidence = report.evidence.get()
    assert w.active_contract.state == Contract.State.ACTIVE
    assert w.active_milestone.state == Milestone.State.UNDER_EVALUATION
    assert w.milestone_evaluation.state == MilestoneEvaluation.State.DECLARED
    _payment(w)


def _payment(w):
    """Issue 16: a payment request on the active contract's second milestone
    (written directly: the routes' access does not depend on how it came),
    so the payment pages are checked against a real row."""
    from decimal import Decimal

    from contracts.payments.models import Payment

    second = w.active_contract.milestones.get(number=2)
    w.payment = Payment.objects.create(
        milestone=second, contract=w.active_contract, amount=Decimal("1000.00"), requested_at=timezone.now()
    )


def _method_change(method, officer):
    """A change to a method's floors that ``officer`` proposed (four eyes), if the project has them."""
    try:
        from marketplace.procurement.services import method_changes
    except ImportError:
        return None
    values = dict(method_changes.governed_values(method))
    values["min_valid_bids"] = (values.get("min_valid_bids") or 1) + 1
    return method_changes.propose_change(method, values=values, by=officer)
