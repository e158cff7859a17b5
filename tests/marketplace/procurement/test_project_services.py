"""Purchase projects: the rules of drafting, approval, publication,
clarifications, addenda, cancellation and re-tendering (services)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from marketplace.core import workdays
from marketplace.models import Addendum, AuditEvent, Bid, Need, Project, PurchaseMethod
from marketplace.procurement.selectors import bids as selectors
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import projects as services
from marketplace.procurement.services.bids import BidError
from marketplace.procurement.services.projects import ProjectError, clean_rubric
from tests.project_fixtures import RUBRIC, fill_bid, open_now, project_data, submit_bid

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
IN_MARCH = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


# --- working days and minimum periods --------------------------------------------------


def test_working_days_follow_the_chinese_calendar_across_the_spring_festival():
    # 2026: Spring Festival holiday 15–23 February; Saturday 14 and Saturday 28 February are adjusted workdays.
    start = datetime.date(2026, 2, 10)  # a Tuesday
    assert workdays.is_workday(datetime.date(2026, 2, 14))  # Saturday, adjusted working day
    assert not workdays.is_workday(datetime.date(2026, 2, 17))  # the first day of the year
    # 11, 12, 13, 14 (adjusted), then nothing until 24 February
    assert workdays.days_between(start, datetime.date(2026, 2, 23), "working") == 4
    assert workdays.days_between(start, datetime.date(2026, 2, 24), "working") == 5
    assert workdays.add_days(start, 5, "working") == datetime.date(2026, 2, 24)
    # the same span counts 14 calendar days
    assert workdays.days_between(start, datetime.date(2026, 2, 24), "calendar") == 14


def test_working_days_beyond_the_published_calendar_count_monday_to_friday():
    assert not workdays.calendar_known(datetime.date(2099, 1, 5))
    assert workdays.is_workday(datetime.date(2099, 1, 5))  # a Monday
    assert not workdays.is_workday(datetime.date(2099, 1, 3))  # a Saturday


@pytest.mark.django_db
def test_single_source_needs_five_working_days_of_notice_over_the_spring_festival():
    method = PurchaseMethod.objects.get(code="single_source")
    published = datetime.datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI)  # Thursday before the holiday
    # 13, 14 (adjusted Saturday), 24, 25, 26 → five working days end on 26 February
    assert services.earliest_deadline(method, published) == datetime.date(2026, 2, 26)
    with pytest.raises(ProjectError) as error:
        services.check_bidding_period(method, published, datetime.datetime(2026, 2, 25, 17, 0, tzinfo=SHANGHAI))
    assert error.value.field == "deadline"
    services.check_bidding_period(method, published, datetime.datetime(2026, 2, 26, 9, 0, tzinfo=SHANGHAI))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "too_short", "enough"),
    [("public_tender", 19, 20), ("consultation", 9, 10)],
)
def test_minimum_bidding_period_in_calendar_days(code, too_short, enough):
    method = PurchaseMethod.objects.get(code=code)
    published = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(ProjectError):
        services.check_bidding_period(method, published, published + datetime.timedelta(days=too_short))
    services.check_bidding_period(method, published, published + datetime.timedelta(days=enough))


@pytest.mark.django_db
def test_methods_are_configuration():
    codes = dict(PurchaseMethod.objects.values_list("code", "min_valid_bids"))
    assert codes == {"public_tender": 3, "consultation": 2, "commission": 1, "venture": 3, "single_source": 1}
    tender = PurchaseMethod.objects.get(code="public_tender")
    assert (tender.min_period, tender.period_unit, tender.addendum_min_days) == (20, "calendar", 15)
    # A changed number changes the rule, with no code involved.
    PurchaseMethod.objects.filter(code="public_tender").update(min_period=25)
    tender.refresh_from_db()
    published = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(ProjectError):
        services.check_bidding_period(tender, published, published + datetime.timedelta(days=24))


# --- the rubric ----------------------------------------------------------------------------


def _rubric(price=20, plan=50, team=30, **changes):
    rows = [
        {"name": "价格", "weight": Decimal(price), "is_price": True},
        {"name": "服务方案", "weight": Decimal(plan), "description": "方案", "max_score": Decimal("50")},
        {"name": "团队", "weight": Decimal(team), "description": "团队", "max_score": Decimal("30")},
    ]
    for index, fields in changes.items():
        rows[int(index[1:])].update(fields)
    return rows


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_rubric(plan=40), "90"),
        (_rubric(plan=60), "110"),
        (_rubric(price=5, plan=65), "5"),
        (_rubric(price=35, plan=35), "35"),
        (_rubric(r0={"is_price": False, "description": "x", "max_score": 10}), "price"),
        (_rubric(r1={"is_price": True}), "price"),
        (_rubric(r1={"description": ""}), "服务方案"),
        (_rubric(r2={"max_score": None}), "团队"),
        (_rubric(r2={"name": "服务方案"}), "same name"),
        ([], "criteria"),
    ],
)
def test_rubric_rules(rows, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ProjectError) as error:
        clean_rubric(rows)
    assert message in error.value.message
    assert error.value.field == "criteria"


def test_a_valid_rubric_passes_with_decimal_weights():
    criteria = clean_rubric(_rubric(price="10.5", plan="59.5", team=30))
    assert sum(c.weight for c in criteria) == 100


@pytest.mark.django_db
def test_price_weight_range_is_a_setting(settings):
    settings.RUBRIC_PRICE_WEIGHT_MAX = 40
    criteria = clean_rubric(_rubric(price=35, plan=35))
    assert [(c.name, c.weight, c.is_price) for c in criteria] == [
        ("价格", Decimal("35"), True),
        ("服务方案", Decimal("35"), False),
        ("团队", Decimal("30"), False),
    ]


# --- drafting -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_plans_needs_and_numbers_the_project(make_project, make_need, community):
    need = make_need("accepted")
    project = make_project("draft", needs=[need])
    need.refresh_from_db()
    assert need.state == Need.State.PLANNED and need.project == project
    year = timezone.localdate().year
    assert project.ref == f"SFQ-{year}-0001"
    assert make_project("draft", title="第二个", budget=Decimal("1000")).ref == f"SFQ-{year}-0002"
    assert AuditEvent.objects.filter(action="need.plan", object_id=str(need.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget": Decimal("0")}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"budget": Decimal("10.001")}, "budget"),
        ({"title": "  "}, "title"),
        ({"service_end_delta": 400}, "period_justification"),
        ({"service_end_delta": 1200, "period_justification": "三年期"}, "service_end"),
        ({"service_end_delta": -1}, "service_end"),
        ({"method_code": "commission"}, "named_organization"),
    ],
)
def test_bad_drafts_are_refused_and_change_nothing(officer, published, community, overrides, field):
    overrides = dict(overrides)
    delta = overrides.pop("service_end_delta", None)
    data = project_data(**overrides)
    if delta is not None:
        data["service_end"] = data["service_start"] + datetime.timedelta(days=delta)
    with pytest.raises(ProjectError) as error:
        services.create_project(
            by=officer, data=data, items=published.items.all()[:1], communities=[community], criteria=RUBRIC
        )
    assert error.value.field == field
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_three_year_period_with_justification_is_accepted(make_project):
    start = timezone.localdate() + datetime.timedelta(days=60)
    project = make_project(
        "draft",
        service_start=start,
        service_end=start.replace(year=start.year + 3) - datetime.timedelta(days=1),
        period_justification="服务对象需要长期陪伴",
    )
    assert project.period_justification


@pytest.mark.django_db
def test_budget_over_the_community_funds_needs_an_override(make_project, community):
    # The default fund is 200,000 CNY a year.
    with pytest.raises(ProjectError) as error:
        make_project("draft", budget=Decimal("200000.01"))
    assert error.value.field == "budget_override_reason"
    assert not Project.objects.exists()
    project = make_project("draft", budget=Decimal("250000"), budget_override_reason="区级统筹资金补足")
    assert project.budget_override_reason
    # The first project now holds the whole fund: a second one needs an override too.
    with pytest.raises(ProjectError):
        make_project("draft", budget=Decimal("1000"))


@pytest.mark.django_db
@time_machine.travel(IN_MARCH)  # the needs' period (December) must start after the deadline
def test_a_projects_needs_count_once_against_the_fund(make_project, make_need):
    need = make_need("accepted", estimated_budget=Decimal("150000"))
    # 150,000 of 200,000 is held by the accepted need; the project takes it up with 50,000 more.
    project = make_project(
        "draft", needs=[need], budget=Decimal("200000"), service_start=need.period_start, service_end=need.period_end
    )
    assert project.budget_override_reason == ""


@pytest.mark.django_db
def test_only_accepted_needs_can_be_taken_up(make_project, make_need):
    with pytest.raises(ProjectError) as error:
        make_project("draft", needs=[make_need("assessed")])
    assert error.value.field == "needs"


@pytest.mark.django_db
def test_commission_names_an_approved_organization(make_project, make_org):
    suspended = make_org("suspended")
    with pytest.raises(ProjectError) as error:
        make_project("draft", method_code="commission", named_organization=suspended, justification="唯一")
    assert error.value.field == "named_organization"
    approved = make_org("approved")
    with pytest.raises(ProjectError) as error:
        make_project("draft", method_code="commission", named_organization=approved)
    assert error.value.field == "justification"
    project = make_project("draft", method_code="commission", named_organization=approved, justification="唯一")
    assert project.min_valid_bids == 1


@pytest.mark.django_db
def test_venture_budget_cap(make_project):
    with pytest.raises(ProjectError) as error:
        make_project("draft", method_code="venture", budget=Decimal("100000.01"))
    assert error.value.field == "budget"


@pytest.mark.django_db
def test_min_valid_bids_cannot_go_below_the_method(make_project):
    with pytest.raises(ProjectError) as error:
        make_project("draft", min_valid_bids=2)
    assert error.value.field == "min_valid_bids"
    assert make_project("draft", min_valid_bids=4).min_valid_bids == 4


# --- four eyes -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_author_cannot_approve(make_project, officer):
    project = make_project("pending_approval")
    with pytest.raises(ProjectError):
        services.approve_project(project, by=officer)
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL


@pytest.mark.django_db
def test_the_submitter_cannot_approve_a_colleagues_draft(make_project, officer, make_user):
    third = make_user("procurement_officer", username="officer3")
    project = make_project("draft")
    services.submit_for_approval(project, by=third)
    with pytest.raises(ProjectError):
        services.approve_project(project, by=third)
    with pytest.raises(ProjectError):
        services.approve_project(project, by=officer)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["organization_member", "community_worker", "evaluator", "editor", "finance_officer"])
def test_only_officers_draft_and_approve(make_project, make_user, role):
    user = make_user(role)
    project = make_project("pending_approval")
    with pytest.raises(ProjectError):
        services.approve_project(project, by=user)
    with pytest.raises(ProjectError):
        services.cancel_project(project, by=user, reason="x")
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL


@pytest.mark.django_db
def test_approval_publishes_and_audits(make_project, second_officer):
    project = make_project("published")
    assert project.approved_by == second_officer and project.published_at is not None
    actions = list(
        AuditEvent.objects.filter(object_id=str(project.pk), object_type="marketplace.project").values_list(
            "action", flat=True
        )
    )
    assert actions == ["project.create", "project.intention", "project.submit_for_approval", "project.publish"]


@pytest.mark.django_db
def test_approval_rechecks_the_period_against_the_clock(make_project, second_officer):
    project = make_project("pending_approval", days=21)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        with pytest.raises(ProjectError) as error:
            services.approve_project(project, by=second_officer)
    assert error.value.field == "deadline"


@pytest.mark.django_db
def test_return_sends_the_draft_back_with_a_reason(make_project, second_officer):
    project = make_project("pending_approval")
    with pytest.raises(ProjectError):
        services.return_project(project, by=second_officer, reason=" ")
    project = services.return_project(project, by=second_officer, reason="预算依据不足")
    assert project.state == Project.State.DRAFT and project.returned_reason == "预算依据不足"


# --- cancellation, failure, re-tender --------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(IN_MARCH)  # the needs' period (December) must start after the deadline
def test_cancel_needs_a_reason_and_releases_needs(make_project, make_need, officer):
    need = make_need("accepted")
    project = make_project("published", needs=[need], service_start=need.period_start, service_end=need.period_end)
    with pytest.raises(ProjectError):
        services.cancel_project(project, by=officer, reason="")
    project = services.cancel_project(project, by=officer, reason="需求已由其他渠道满足")
    need.refresh_from_db()
    assert project.state == Project.State.CANCELLED and need.state == Need.State.ACCEPTED
    assert need.project == project  # the last project that held it
    with pytest.raises(ProjectError):
        services.cancel_project(project, by=officer, reason="again")


@pytest.mark.django_db
@time_machine.travel(IN_MARCH)  # the needs' period (December) must start after the deadline
def test_failed_project_can_be_retendered_once(make_project, make_need, officer, bidder, org_admin):
    need = make_need("accepted")
    project = make_project(
        "published",
        method_code="consultation",
        days=15,
        needs=[need],
        service_start=need.period_start,
        service_end=need.period_end,
    )
    submit_bid(project, bidder, org_admin)
    project = open_now(project)
    assert project.state == Project.State.FAILED
    need.refresh_from_db()
    assert need.state == Need.State.ACCEPTED
    copy = services.retender(project, by=officer)
    need.refresh_from_db()
    assert copy.state == Project.State.DRAFT and copy.retender_of == project and copy.ref != project.ref
    assert need.state == Need.State.PLANNED and need.project == copy
    assert [c.name for c in copy.criteria.all()] == [c.name for c in project.criteria.all()]
    assert copy.deadline > timezone.now()
    with pytest.raises(ProjectError):
        services.retender(project, by=officer)


# --- clarifications and addenda --------------------------------------------------------------


@pytest.mark.django_db
def test_questions_from_eligible_organizations_only(
    make_project, bidder, org_admin, make_org, officer, django_capture_on_commit_callbacks
):
    from marketplace.procurement.services.bids import BidError

    project = make_project("published")
    suspended = make_org("suspended")
    with pytest.raises(BidError):
        services.ask_question(project, organization=suspended, by=suspended.memberships.get().user, question="?")
    with pytest.raises(BidError):
        services.ask_question(project, organization=bidder, by=officer, question="能否分包？")
    with pytest.raises(ProjectError):
        services.ask_question(project, organization=bidder, by=org_admin, question="  ")
    question = services.ask_question(project, organization=bidder, by=org_admin, question="能否分包？")
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.answer_question(question, by=officer, answer="不允许分包。")
    assert answered.answered_at is not None
    with pytest.raises(ProjectError):
        services.answer_question(question, by=officer, answer="again")
    assert org_admin.notices.filter(subject__contains=project.ref).exists()


@pytest.mark.django_db
def test_addendum_close_to_the_deadline_moves_it_and_asks_for_confirmation(
    make_project, bidder, org_admin, officer, django_capture_on_commit_callbacks
):
    project = make_project("published", days=25)
    version = submit_bid(project, bidder, org_admin)
    with time_machine.travel(project.deadline - datetime.timedelta(days=5)):
        with django_capture_on_commit_callbacks(execute=True):
            addendum = services.issue_addendum(project, by=officer, text="服务人数由80人调整为100人")
        project.refresh_from_db()
        assert addendum.extended and addendum.new_deadline > addendum.old_deadline
        # 15 calendar days from the addendum
        assert timezone.localdate(project.deadline) == timezone.localdate() + datetime.timedelta(days=15)
    bid = Bid.objects.get()
    assert bid.needs_confirmation and bid.current_version == version
    assert (
        org_admin.notices.filter(subject__contains="Addendum").exists()
        or org_admin.notices.filter(subject__contains="更正").exists()
        or org_admin.notices.count() >= 2
    )


@pytest.mark.django_db
def test_addendum_far_from_the_deadline_keeps_it(make_project, officer):
    project = make_project("published", days=40)
    old = project.deadline
    addendum = services.issue_addendum(project, by=officer, text="补充说明服务地点")
    project.refresh_from_db()
    assert not addendum.extended and project.deadline == old and project.revision == 1
    with pytest.raises(ProjectError):
        services.issue_addendum(project, by=officer, text="x", new_deadline=old - datetime.timedelta(days=1))
    assert Addendum.objects.count() == 1


@pytest.mark.django_db
def test_unconfirmed_bid_after_an_addendum_does_not_count(make_project, bidder, org_admin, officer):
    from marketplace.procurement.services import bids as bid_services

    project = make_project("published", method_code="consultation", days=15, min_valid_bids=2)
    submit_bid(project, bidder, org_admin)
    services.issue_addendum(project, by=officer, text="更正")
    project = open_now(project)
    assert Bid.objects.get().state == Bid.State.WITHDRAWN
    assert project.opening.valid_count == 0
    assert bid_services  # the confirmation path is tested in test_bid_services


# --- found in review ------------------------------------------------------------


@pytest.mark.django_db
def test_a_huge_price_is_a_clear_error_not_a_crash(make_project, bidder, org_admin):
    project = make_project()
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    for price in ("1e100", "99999999999.00"):
        with pytest.raises(BidError) as error:
            bid_services.save_bid(bid, by=org_admin, price=price)
        assert error.value.field == "price"


@pytest.mark.django_db
def test_a_crash_report_carries_no_bid_content(client, make_project, bidder, org_admin, settings, monkeypatch):
    settings.ADMINS = [("ops", "ops@example.test")]
    settings.DEBUG = False
    project = make_project()
    bid_services.start_bid(project, bidder, by=org_admin)

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bid_services, "save_bid", crash)
    client.raise_request_exception = False
    client.force_login(org_admin)
    mail.outbox.clear()
    response = client.post(
        f"/org/{bidder.pk}/bids/{project.ref}/",
        {"action": "save", "price": "1000.00", "team": "SECRET-TEAM-XYZ", "experience": "x"},
    )
    assert response.status_code == 500
    assert all("SECRET-TEAM-XYZ" not in message.body for message in mail.outbox)


@pytest.mark.django_db
def test_after_the_opening_officers_read_only_what_was_opened(make_project, make_org, bidder, org_admin, officer):
    project = make_project(method_code="consultation", days=15)
    first = submit_bid(project, bidder, org_admin)
    bid = Bid.objects.get(organization=bidder)
    fill_bid(bid, org_admin, price="99.00")
    second = bid_services.submit_bid(bid, by=org_admin)
    drafter = make_org("approved")
    draft = bid_services.start_bid(project, drafter, by=drafter.memberships.get().user)
    withdrawn_org = make_org("approved")
    user = withdrawn_org.memberships.get().user
    submit_bid(project, withdrawn_org, user)
    bid_services.withdraw_bid(Bid.objects.get(organization=withdrawn_org), by=user)
    open_now(project)
    assert list(selectors.bids_for(officer)) == [bid]
    assert selectors.bid_for(officer, draft.pk) is None
    assert list(selectors.versions_for(officer)) == [second]
    assert selectors.version_for(officer, first.pk) is None
    assert selectors.version_for(org_admin, first.pk) == first  # the bidder keeps its history


@pytest.mark.django_db
def test_a_cancelled_draft_never_becomes_public(client, make_project, officer):
    project = make_project("draft")
    services.cancel_project(project, by=officer, reason="内部原因")
    assert client.get("/projects/").content.decode().count(project.ref) == 0
    assert client.get(f"/projects/{project.ref}/").status_code == 404
    assert client.get(f"/projects/{project.ref}/pdf/").status_code == 404


@pytest.mark.django_db
def test_an_officer_who_edited_the_draft_cannot_approve_it(make_project, officer, second_officer, published):
    project = make_project("draft")
    data = {field: getattr(project, field) for field in services.DRAFT_FIELDS}
    data["budget"] = Decimal("140000.00")
    services.update_project(
        project,
        by=second_officer,
        data=data,
        items=project.catalogue_items.all(),
        communities=project.communities.all(),
        criteria=RUBRIC,
    )
    services.submit_for_approval(project, by=officer)
    with pytest.raises(ProjectError):
        services.approve_project(project, by=second_officer)
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL


@pytest.mark.django_db
def test_venture_rule_ignores_cancelled_and_failed_projects(make_project, bidder, org_admin, officer):
    first = make_project(method_code="venture", budget=Decimal("50000"))
    submit_bid(first, bidder, org_admin, price="40000.00")
    services.cancel_project(first, by=officer, reason="取消")
    second = make_project(method_code="venture", budget=Decimal("50000"), title="另一个")
    assert not bid_services.eligibility_problems(second, bidder)


@pytest.mark.django_db
def test_a_project_moved_to_another_year_does_not_borrow_its_old_hold(make_project, officer, community, published):
    project = make_project("draft", budget=Decimal("150000"))
    next_year = project.service_start.replace(year=project.service_start.year + 1, month=3, day=1)
    make_project(
        "draft",
        budget=Decimal("200000"),
        service_start=next_year,
        service_end=next_year + datetime.timedelta(days=100),
        title="占满次年",
    )
    data = {field: getattr(project, field) for field in services.DRAFT_FIELDS}
    data.update(service_start=next_year, service_end=next_year + datetime.timedelta(days=100))
    with pytest.raises(ProjectError) as error:
        services.update_project(
            project,
            by=officer,
            data=data,
            items=project.catalogue_items.all(),
            communities=project.communities.all(),
            criteria=RUBRIC,
        )
    assert error.value.field == "budget_override_reason"


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
def test_a_need_taken_out_of_a_draft_forgets_the_project(make_project, make_need, officer):
    # A fixed day: the need's service period (December) must start after the
    # deadline, which a run in December would not give.
    need = make_need("accepted")
    project = make_project("draft", needs=[need], service_start=need.period_start, service_end=need.period_end, days=1)
    data = {field: getattr(project, field) for field in services.DRAFT_FIELDS}
    services.update_project(
        project,
        by=officer,
        data=data,
        items=project.catalogue_items.all(),
        communities=project.communities.all(),
        criteria=RUBRIC,
        needs=[],
    )
    need.refresh_from_db()
    assert need.state == Need.State.ACCEPTED and need.project is None


@pytest.mark.django_db
def test_cancelling_after_the_deadline_waits_for_the_opening(make_project, officer, bidder, org_admin):
    project = make_project()
    submit_bid(project, bidder, org_admin)
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ProjectError):
        services.cancel_project(project, by=officer, reason="不想开标")
    project.refresh_from_db()
    assert project.state == Project.State.PUBLISHED


def test_a_cancel_accepted_before_the_deadline_is_not_refused_when_the_clock_passes_it(
    make_project, officer, monkeypatch
):
    """The service checks the guard, then the transition checks it again: the
    deadline passing in between must not turn an accepted cancel into a
    TransitionNotAllowed.  Both read the moment the service took the lock."""
    from marketplace.procurement.models import projects as project_models

    project = make_project()

    class LaterClock:
        @staticmethod
        def now():  # every clock read by the guard itself lands after the deadline
            return project.deadline + datetime.timedelta(seconds=1)

    monkeypatch.setattr(project_models, "timezone", LaterClock)
    services.cancel_project(project, by=officer, reason="需求已变更")
    project.refresh_from_db()
    assert project.state == Project.State.CANCELLED


@pytest.mark.django_db
def test_service_must_start_after_the_deadline(officer, published, community):
    data = project_data()
    data["service_start"] = timezone.localdate(data["deadline"])
    with pytest.raises(ProjectError) as error:
        services.create_project(
            by=officer, data=data, items=published.items.all()[:1], communities=[community], criteria=RUBRIC
        )
    assert error.value.field == "service_start"


@pytest.mark.django_db
def test_unconfirmed_bidders_are_told_their_bid_did_not_count(
    make_project, bidder, org_admin, officer, django_capture_on_commit_callbacks
):
    project = make_project(method_code="consultation", days=15)
    submit_bid(project, bidder, org_admin)
    services.issue_addendum(project, by=officer, text="更正")
    open_now(project)
    assert org_admin.notices.filter(subject__contains=project.ref).count() >= 3
    assert AuditEvent.objects.filter(action="bid.withdraw", object_type="marketplace.bid").exists()


@pytest.mark.django_db
def test_an_entry_standard_used_by_an_open_call_cannot_change(client, make_project, officer, site):
    from marketplace.models import EntryStandard

    project = make_project()
    standard = project.entry_standard
    client.force_login(officer)
    url = f"/admin/entry-standards/edit/{standard.pk}/"
    response = client.post(
        url,
        {
            "name": standard.name,
            "description": "改为更严格",
            "required_track": "registered",
            "min_years_since_founding": "3",
            "qualification": "",
            "min_qualified_staff": "0",
            "min_performance_grade": "",
        },
    )
    assert response.status_code == 200
    assert project.ref in response.content.decode()
    standard.refresh_from_db()
    assert standard.required_track == "" and standard == EntryStandard.objects.get(pk=standard.pk)


@pytest.mark.django_db
def test_purchase_methods_keep_the_legal_floors_and_freeze_during_open_calls(make_project):
    from django.core.exceptions import ValidationError

    from marketplace.models import PurchaseMethod

    tender = PurchaseMethod.objects.get(code="public_tender")
    tender.min_period = 15
    with pytest.raises(ValidationError) as error:
        tender.full_clean()
    assert "min_period" in error.value.message_dict
    consultation = PurchaseMethod.objects.get(code="consultation")
    consultation.min_period = 12  # stricter than the law: fine
    consultation.full_clean()
    make_project(method_code="consultation", days=15)
    with pytest.raises(ValidationError):
        consultation.full_clean()


@pytest.mark.django_db
def test_the_bidder_downloads_its_document_with_plain_string_headers(client, make_project, bidder, org_admin):
    """A WSGI server (gunicorn, wsgiref) refuses header values that are str
    subclasses such as a TextChoices member; the test client does not."""
    from wsgiref.headers import Headers

    from marketplace.models import BidDocument

    project = make_project()
    submit_bid(project, bidder, org_admin)
    document = BidDocument.objects.get()
    client.force_login(org_admin)
    response = client.get(f"/org/{bidder.pk}/bids/{project.ref}/documents/{document.pk}/")
    assert response.status_code == 200
    for name, value in response.items():
        assert type(value) is str, name
    Headers(list(response.items()))  # what wsgiref checks
