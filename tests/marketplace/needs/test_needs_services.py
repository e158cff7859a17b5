"""Services of the demand list: who may do what, the fund rule, the audit
trail of every transition, and that a refused call changes nothing."""

from decimal import Decimal

import pytest

from marketplace.models import AuditEvent, CommunityFund, Need, ResidentReport
from marketplace.needs import selectors, services
from tests.needs_fixtures import need_data
from tests.project_fixtures import bare_project


def _snapshot():
    return (
        list(Need.objects.order_by("pk").values()),
        list(ResidentReport.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


# --- permissions -------------------------------------------------------------------


@pytest.mark.django_db
def test_worker_files_for_own_community_with_an_audit_event(worker, community):
    need = services.file_need(by=worker, community=community, **need_data())
    assert need.state == Need.State.SUBMITTED and need.community == community and need.filed_by == worker
    assert need.year == need.period_start.year
    event = AuditEvent.objects.get(action="need.file", object_id=str(need.pk))
    assert event.actor == worker and event.to_state == "submitted"


@pytest.mark.django_db
def test_worker_cannot_file_for_another_community(worker, other_community):
    before = _snapshot()
    with pytest.raises(services.NeedError):
        services.file_need(by=worker, community=other_community, **need_data())
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["procurement_officer", "organization_member", "editor"])
def test_only_community_workers_file_needs(make_user, community, role):
    user = make_user(role, community=community)  # a community alone gives no right
    with pytest.raises(services.NeedError):
        services.file_need(by=user, community=community, **need_data())
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_worker_without_community_cannot_file(make_user, community):
    user = make_user("community_worker")
    with pytest.raises(services.NeedError):
        services.file_need(by=user, community=community, **need_data())
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_worker_cannot_triage_or_decline_another_communitys_report(other_worker, report):
    before = _snapshot()
    with pytest.raises(services.NeedError):
        services.triage_report(report, by=other_worker, **need_data())
    with pytest.raises(services.NeedError):
        services.decline_report(report, by=other_worker, reason="不受理")
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["community_worker", "evaluator", "finance_officer", "editor"])
def test_only_officers_assess_and_decide(make_user, make_need, community, role):
    submitted = make_need("submitted")
    assessed = make_need("assessed", title="已评估的需求")
    accepted = make_need("accepted", title="已接受的需求")
    user = make_user(role, community=community)
    project = bare_project(user, [accepted.community])
    before = _snapshot()
    with pytest.raises(services.NeedError):
        services.assess_need(submitted, by=user, assessment="x")
    with pytest.raises(services.NeedError):
        services.accept_need(assessed, by=user, public_answer="x")
    with pytest.raises(services.NeedError):
        services.decline_need(assessed, by=user, public_answer="x")
    with pytest.raises(services.NeedError):
        services.plan_need(accepted, by=user, project=project)
    assert _snapshot() == before


# --- transitions and their audit events ------------------------------------------------


@pytest.mark.django_db
def test_every_transition_writes_an_audit_event(worker, officer, community, report):
    need = services.file_need(by=worker, community=community, **need_data())
    services.assess_need(need, by=officer, assessment="需求真实", assessed_cost=Decimal("11000"))
    services.accept_need(need, by=officer, public_answer="同意")
    services.plan_need(need, by=officer, project=bare_project(officer, [community]), reason="项目 P-7")
    declined = services.file_need(by=worker, community=community, **need_data(title="另一项"))
    services.assess_need(declined, by=officer, assessment="重复")
    services.decline_need(declined, by=officer, public_answer="与已有项目重复")
    triaged = services.triage_report(report, by=worker, **need_data(title="送餐服务"))
    other_report = services.report_need(
        community=community, title="路灯", description="路灯坏了", name="张三", phone="13800000000"
    )
    services.decline_report(other_report, by=worker, reason="属于市政维修")

    def event(action, obj):
        return AuditEvent.objects.get(
            action=action, object_id=str(obj.pk), object_type=f"marketplace.{obj._meta.model_name}"
        )

    expected = [
        ("need.assess", need, officer, "submitted", "assessed", "需求真实"),
        ("need.accept", need, officer, "assessed", "accepted", "同意"),
        ("need.plan", need, officer, "accepted", "planned", "项目 P-7"),
        ("need.decline", declined, officer, "assessed", "declined", "与已有项目重复"),
        ("residentreport.triage", report, worker, "new", "triaged", None),
        ("residentreport.decline", other_report, worker, "new", "declined", "属于市政维修"),
    ]
    for action, obj, actor, source, target, reason in expected:
        found = event(action, obj)
        assert (found.actor, found.from_state, found.to_state) == (actor, source, target), action
        if reason is not None:
            assert found.reason == reason
    assert event("need.file", triaged).details["resident_report"] == report.pk
    need.refresh_from_db()
    assert need.state == "planned" and need.decided_by == officer and need.assessed_by == officer
    assert need.assessed_cost == Decimal("11000.00") and need.public_answer == "同意"


@pytest.mark.django_db
def test_resident_personal_data_stays_out_of_the_audit_log(report, worker):
    services.triage_report(report, by=worker, **need_data())
    for event in AuditEvent.objects.all():
        text = f"{event.reason} {event.details}"
        assert "欧阳秀珍" not in text and "13987654321" not in text


@pytest.mark.django_db
def test_transitions_out_of_order_are_refused(make_need, officer):
    submitted = make_need("submitted")
    with pytest.raises(services.NeedError):
        services.accept_need(submitted, by=officer, public_answer="同意")
    with pytest.raises(services.NeedError):
        services.plan_need(submitted, by=officer, project=bare_project(officer, [submitted.community]))
    declined = make_need("declined", title="被拒绝的")
    with pytest.raises(services.NeedError):
        services.accept_need(declined, by=officer, public_answer="同意")
    submitted.refresh_from_db()
    declined.refresh_from_db()
    assert (submitted.state, declined.state) == ("submitted", "declined")


@pytest.mark.django_db
def test_state_cannot_be_assigned_directly(make_need):
    need = make_need("submitted")
    with pytest.raises(AttributeError):
        need.state = "accepted"


@pytest.mark.django_db
def test_handled_report_cannot_be_handled_again(report, worker):
    services.decline_report(report, by=worker, reason="重复")
    with pytest.raises(services.NeedError):
        services.triage_report(report, by=worker, **need_data())
    assert not Need.objects.exists()


# --- the fund rule ----------------------------------------------------------------------


@pytest.mark.django_db
def test_missing_fund_row_means_the_default(community):
    assert selectors.fund_amount(community, 2026) == Decimal("200000.00")
    CommunityFund.objects.create(community=community, year=2026, amount=Decimal("150000"))
    assert selectors.fund_amount(community, 2026) == Decimal("150000.00")
    assert selectors.fund_amount(community, 2027) == Decimal("200000.00")


@pytest.mark.django_db
def test_accept_beyond_the_fund_needs_an_override_reason(make_need, officer, community):
    year = make_need("accepted", estimated_budget=Decimal("150000")).year
    CommunityFund.objects.create(community=community, year=year, amount=Decimal("160000"))
    big = make_need("assessed", title="大项目", estimated_budget=Decimal("20000"))
    before = _snapshot()
    with pytest.raises(services.NeedError) as refused:
        services.accept_need(big, by=officer, public_answer="同意", override_reason="  ")
    assert "160,000.00" in str(refused.value)  # money is grouped the same way everywhere
    assert _snapshot() == before  # nothing changed, no audit event

    services.accept_need(big, by=officer, public_answer="同意", override_reason="区级统筹资金补足")
    big.refresh_from_db()
    assert big.state == "accepted" and big.fund_override_reason == "区级统筹资金补足"
    override = AuditEvent.objects.get(action="need.fund_override", object_id=str(big.pk))
    assert override.actor == officer and override.details["fund"] == "160000.00"
    assert AuditEvent.objects.get(action="need.accept", object_id=str(big.pk)).reason == "区级统筹资金补足"
    status = selectors.fund_status(community, year)
    assert status.committed == Decimal("170000.00") and status.exceeded


@pytest.mark.django_db
def test_accept_within_the_fund_needs_no_override(make_need, officer, community):
    need = make_need("assessed", estimated_budget=Decimal("200000"))  # exactly the default fund
    services.accept_need(need, by=officer, public_answer="同意", override_reason="not needed")
    need.refresh_from_db()
    assert need.state == "accepted" and need.fund_override_reason == ""
    assert not AuditEvent.objects.filter(action="need.fund_override").exists()


@pytest.mark.django_db
def test_the_assessed_cost_counts_against_the_fund(make_need, officer, worker, community):
    need = services.file_need(by=worker, community=community, **need_data(estimated_budget=Decimal("1000")))
    services.assess_need(need, by=officer, assessment="低估了", assessed_cost=Decimal("250000"))
    with pytest.raises(services.NeedError):
        services.accept_need(need, by=officer, public_answer="同意")
    need.refresh_from_db()
    assert need.state == "assessed"


@pytest.mark.django_db
def test_declined_and_other_years_do_not_count(make_need, community, other_community, other_worker):
    year = make_need("accepted", estimated_budget=Decimal("1000")).year
    make_need("planned", title="b", estimated_budget=Decimal("2000"))
    make_need("declined", title="c", estimated_budget=Decimal("4000"))
    make_need("assessed", title="d", estimated_budget=Decimal("8000"))
    make_need("accepted", title="e", by=other_worker, estimated_budget=Decimal("16000"))
    assert selectors.fund_status(community, year).committed == Decimal("3000.00")
    statuses = selectors.fund_statuses([(community.pk, year), (other_community.pk, year), (community.pk, year + 1)])
    assert statuses[(community.pk, year)].committed == Decimal("3000.00")
    assert statuses[(other_community.pk, year)].committed == Decimal("16000.00")
    assert statuses[(community.pk, year + 1)].committed == Decimal("0")


# --- side effects after commit ------------------------------------------------------------


@pytest.mark.django_db
def test_workers_are_told_of_a_new_report_after_commit(
    worker, community, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.report_need(
            community=community, title="需要助餐", description="老人多", name="钱七", phone="13811112222"
        )
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [[worker.email]]
    assert "钱七" not in mailoutbox[0].body and "13811112222" not in mailoutbox[0].body


@pytest.mark.django_db
def test_refused_decision_sends_nothing(make_need, officer, worker, mailoutbox, django_capture_on_commit_callbacks):
    need = make_need("assessed")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(services.NeedError):
            services.decline_need(need, by=officer, public_answer="  ")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_need(need, by=officer, public_answer="不属于购买范围")
    assert [m.to for m in mailoutbox] == [[worker.email]]
