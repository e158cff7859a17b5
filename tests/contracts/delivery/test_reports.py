"""Milestone reports: the organization writes a draft (nothing typed lost
whichever button is pressed), submits it (pending → submitted), and after a
rejection writes the rectification (round 2) with the reasons shown.
Every refusal from the refused user's side; bad input changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from contracts.contracts.models import Contract, Milestone
from contracts.milestones.models import Evidence, MilestoneReport, ServiceLogEntry
from contracts.milestones.services import reports
from contracts.milestones.services.reports import DeliveryError
from marketplace.models import AuditEvent, Notice
from tests.contracts.delivery.conftest import fake_pdf, pdf_upload, png_upload

pytestmark = pytest.mark.django_db


def zh(message, **values):
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % values if values else text


def page(response):
    return response.content.decode()


def entry(contract, **overrides):
    data = {
        "day": timezone.localdate(),
        "community": contract.communities.first(),
        "place": "社区活动室",
        "activity": "老年人智能手机培训",
        "residents_served": 25,
        "volunteers": 3,
    }
    data.update(overrides)
    return data


def post_data(contract, **overrides):
    data = {
        "narrative": "本阶段完成智能手机培训四次，服务老人一百人次。",
        "day": timezone.localdate().isoformat(),
        "community": contract.communities.first().pk,
        "place": "社区活动室",
        "activity": "老年人智能手机培训",
        "residents_served": "25",
        "volunteers": "3",
        "evidence_title": "签到表",
        "save": "1",
        "complete": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def report_url(milestone):
    return reverse("delivery_org:report", args=[milestone.contract.organization_id, milestone.pk])


def set_state(milestone, state, **fields):
    Milestone.objects.filter(pk=milestone.pk).update(state=state, **fields)
    milestone.refresh_from_db()
    return milestone


# --- the services ----------------------------------------------------------------------------------------


def test_a_member_saves_a_draft_then_submits_it(contract, milestone, member, officer):
    report = reports.save_draft(
        milestone, by=member, narrative="第一阶段服务报告。", entry=entry(contract), files=[pdf_upload()]
    )
    assert report.round == 1 and report.submitted_at is None
    assert report.log.count() == 1 and report.evidence.get().content_type == "application/pdf"
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.PENDING
    reports.submit_report(milestone, by=member)
    milestone.refresh_from_db()
    report.refresh_from_db()
    assert milestone.state == Milestone.State.SUBMITTED
    assert report.submitted_at is not None and report.submitted_by == member
    assert AuditEvent.objects.filter(action="milestone.submit_report", object_id=str(milestone.pk)).exists()
    assert Notice.objects.filter(user=officer).exists()


def test_submitting_needs_a_narrative_and_a_log_entry(milestone, member):
    reports.save_draft(milestone, by=member, narrative="只有叙述。")
    with pytest.raises(DeliveryError) as refused:
        reports.submit_report(milestone, by=member)
    assert refused.value.code == "report_incomplete"
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.PENDING


def test_another_organizations_member_may_not_write(milestone, outsider):
    with pytest.raises(DeliveryError) as refused:
        reports.save_draft(milestone, by=outsider, narrative="冒名报告")
    assert refused.value.code == "permission"
    assert not MilestoneReport.objects.exists()


def test_an_officer_may_not_write_or_submit(contract, milestone, member, officer):
    reports.save_draft(milestone, by=member, narrative="报告。", entry=entry(contract))
    with pytest.raises(DeliveryError):
        reports.save_draft(milestone, by=officer, narrative="改写")
    with pytest.raises(DeliveryError):
        reports.submit_report(milestone, by=officer)
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.PENDING
    assert MilestoneReport.objects.get().narrative == "报告。"


@pytest.mark.parametrize("state", ["draft", "awaiting_signatures", "completed", "terminated"])
def test_reports_only_on_active_contracts(contract, milestone, member, state):
    Contract.objects.filter(pk=contract.pk).update(state=state)
    milestone = Milestone.objects.get(pk=milestone.pk)
    with pytest.raises(DeliveryError):
        reports.save_draft(milestone, by=member, narrative="报告。", entry=entry(contract))
    assert not MilestoneReport.objects.exists()
    # and the transition itself refuses, whatever calls it
    from marketplace.core.fsm import refusal

    assert refusal(milestone.submit_report, member)[1] == "contract_not_active"


def test_a_submitted_milestone_takes_no_new_draft(contract, milestone, member):
    reports.save_draft(milestone, by=member, narrative="报告。", entry=entry(contract))
    reports.submit_report(milestone, by=member)
    with pytest.raises(DeliveryError):
        reports.save_draft(milestone, by=member, narrative="再改")
    assert MilestoneReport.objects.get().narrative == "报告。"


def test_rectification_is_the_next_round(contract, milestone, member):
    first = reports.save_draft(milestone, by=member, narrative="第一轮。", entry=entry(contract))
    reports.submit_report(milestone, by=member)
    set_state(milestone, Milestone.State.REJECTED, decision_reason="服务记录不完整，缺少签到表。")
    second = reports.save_draft(milestone, by=member, narrative="整改后的报告。", entry=entry(contract))
    assert (first.round, second.round) == (1, 2)
    assert second.pk != first.pk
    reports.submit_report(milestone, by=member)
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.SUBMITTED
    first.refresh_from_db()
    assert first.narrative == "第一轮。"  # the earlier round stays as submitted
    set_state(milestone, Milestone.State.REJECTED)
    assert reports.save_draft(milestone, by=member, narrative="第三轮。").round == 3


def test_a_log_entry_in_another_community_or_the_future_is_refused(contract, milestone, member, other_community):
    with pytest.raises(DeliveryError) as refused:
        reports.save_draft(milestone, by=member, narrative="报告。", entry=entry(contract, community=other_community))
    assert refused.value.field == "community"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DeliveryError) as refused:
        reports.save_draft(milestone, by=member, narrative="报告。", entry=entry(contract, day=tomorrow))
    assert refused.value.field == "day"
    assert not MilestoneReport.objects.exists() and not ServiceLogEntry.objects.exists()


def test_evidence_is_sniffed_a_text_file_named_pdf_is_refused(milestone, member):
    with pytest.raises(DeliveryError) as refused:
        reports.save_draft(milestone, by=member, narrative="报告。", files=[fake_pdf()])
    assert refused.value.code == "unknown_type" and refused.value.field == "evidence"
    assert not Evidence.objects.exists() and not MilestoneReport.objects.exists()


def test_evidence_over_the_size_limit_is_refused(milestone, member, settings):
    settings.MILESTONE_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(DeliveryError) as refused:
        reports.save_draft(milestone, by=member, narrative="报告。", files=[pdf_upload()])
    assert refused.value.code == "too_large"
    assert not Evidence.objects.exists()


def test_evidence_is_stored_privately(milestone, member, settings):
    report = reports.save_draft(milestone, by=member, narrative="报告。", files=[png_upload()])
    evidence = report.evidence.get()
    path = evidence.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert "现场" not in evidence.file.name  # the stored name says nothing
    assert evidence.content_type == "image/png"


# --- the pages ----------------------------------------------------------------------------------------


def test_every_button_saves_what_was_typed_first(contract, milestone, member_client):
    response = member_client.post(report_url(milestone), post_data(contract, evidence=pdf_upload()))
    assert response.status_code == 302
    report = MilestoneReport.objects.get()
    entry_pk = report.log.get().pk
    evidence_pk = report.evidence.get().pk
    # Removing the entry with another narrative typed: the narrative is saved too.
    response = member_client.post(
        report_url(milestone),
        {
            "narrative": "改过的叙述。",
            "remove_entry": str(entry_pk),
            "remove_evidence": str(evidence_pk),
            "complete": "1",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative == "改过的叙述。"
    assert not report.log.exists() and not report.evidence.exists()


def test_the_report_page_submits_with_confirmation(contract, milestone, member_client):
    member_client.post(report_url(milestone), post_data(contract))
    response = member_client.post(
        report_url(milestone),
        post_data(
            contract,
            save=None,
            submit="1",
            day=None,
            community=None,
            place=None,
            activity=None,
            residents_served=None,
            volunteers=None,
            confirm="on",
        ),
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.SUBMITTED
    page_after = member_client.get(reverse("delivery_org:milestone", args=[contract.organization_id, milestone.pk]))
    assert "本阶段完成智能手机培训四次" in page(page_after)


def test_submitting_without_the_confirmation_changes_nothing_and_keeps_the_text(contract, milestone, member_client):
    response = member_client.post(report_url(milestone), post_data(contract, save=None, submit="1"))
    assert response.status_code == 200
    assert zh("Tick the box to confirm before submitting.") in page(response)
    assert "本阶段完成智能手机培训四次" in page(response) and "社区活动室" in page(response)
    # one box says what to correct (the walk found a second, flash box saying "nothing saved" beside it)
    assert page(response).count('class="form-errors"') == 1 and not list(response.context["messages"])
    assert zh("This step was not taken. Please correct:") in page(response)
    assert not MilestoneReport.objects.exists()
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.PENDING


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"residents_served": "-4"}, "residents_served"),
        ({"residents_served": "很多"}, "residents_served"),
        ({"place": ""}, "place"),
        ({"day": "2026-13-40"}, "day"),
        ({"community": "999999"}, "community"),
        ({"day": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}, "day"),
    ],
)
def test_bad_log_entries_are_refused_and_the_text_kept(contract, milestone, member_client, overrides, field):
    response = member_client.post(report_url(milestone), post_data(contract, **overrides))
    assert response.status_code == 200
    assert f'id="field-{field}"' in page(response) and "field-invalid" in page(response)
    assert "本阶段完成智能手机培训四次" in page(response)
    assert not MilestoneReport.objects.exists() and not ServiceLogEntry.objects.exists()


def test_a_fake_pdf_is_refused_on_the_page(contract, milestone, member_client):
    response = member_client.post(report_url(milestone), post_data(contract, evidence=fake_pdf()))
    assert response.status_code == 200
    assert "field-evidence" in page(response) and "本阶段完成智能手机培训四次" in page(response)
    assert not MilestoneReport.objects.exists() and not Evidence.objects.exists()


def test_the_rejection_reasons_are_shown_for_rectification(contract, milestone, member, member_client):
    reports.save_draft(milestone, by=member, narrative="第一轮。", entry=entry(contract))
    reports.submit_report(milestone, by=member)
    set_state(milestone, Milestone.State.REJECTED, decision_reason="缺少居民签到表，请补充。")
    response = member_client.get(report_url(milestone))
    assert "缺少居民签到表，请补充。" in page(response)
    assert zh("Rectified report (round %(round)s)", round=2) in page(response)


@pytest.mark.parametrize("who", ["outsider", "officer", "worker", "anonymous"])
def test_others_cannot_open_the_organizations_report_pages(contract, milestone, client, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("delivery_org:index", args=[contract.organization_id]),
        reverse("delivery_org:milestone", args=[contract.organization_id, milestone.pk]),
        report_url(milestone),
    ):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 404), url
        response = client.post(url, post_data(contract))
        assert response.status_code == (302 if who == "anonymous" else 404), url
    assert not MilestoneReport.objects.exists()


def test_evidence_is_served_only_to_readers(contract, milestone, member, member_client, client, officer, outsider):
    report = reports.save_draft(milestone, by=member, narrative="报告。", files=[pdf_upload()])
    evidence = report.evidence.get()
    response = member_client.get(reverse("delivery_org:evidence", args=[contract.organization_id, evidence.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    b"".join(response.streaming_content)
    officer_url = reverse("delivery:evidence", args=[evidence.pk])
    client.force_login(officer)
    response = client.get(officer_url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    client.force_login(outsider)
    assert client.get(officer_url).status_code == 404
    assert client.get(reverse("delivery_org:evidence", args=[contract.organization_id, evidence.pk])).status_code == 404


def test_officers_read_the_report(contract, milestone, member, client, officer):
    reports.save_draft(milestone, by=member, narrative="可供评估的报告。", entry=entry(contract))
    reports.submit_report(milestone, by=member)
    client.force_login(officer)
    response = client.get(reverse("delivery:milestone", args=[milestone.pk]))
    assert response.status_code == 200 and "可供评估的报告。" in page(response)
    assert "老年人智能手机培训" in page(response)


def test_the_milestones_evaluator_reads_the_evidence_once_declared(
    contract, milestone, member, officer, make_evaluator, client
):
    from contracts.milestones.models import MilestoneEvaluation

    report = reports.save_draft(milestone, by=member, narrative="报告。", entry=entry(contract), files=[pdf_upload()])
    reports.submit_report(milestone, by=member)
    evaluator = make_evaluator("第三方评估")
    other = make_evaluator("别的专家")
    evaluation = MilestoneEvaluation.objects.create(
        milestone=milestone, report=report, evaluator=evaluator, assigned_by=officer, assigned_at=timezone.now()
    )
    url = reverse("delivery:evidence", args=[report.evidence.get().pk])
    client.force_login(evaluator.user)
    assert client.get(url).status_code == 404  # assigned, but no conflict declared yet: sees nothing
    MilestoneEvaluation.objects.filter(pk=evaluation.pk).update(state=MilestoneEvaluation.State.DECLARED)
    response = client.get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    # an evaluator never writes the report
    with pytest.raises(DeliveryError):
        set_state(milestone, Milestone.State.REJECTED)
        reports.save_draft(milestone, by=evaluator.user, narrative="评估人改写")


def test_a_cut_off_upload_saves_nothing_and_keeps_the_text(contract, milestone, member_client):
    """A file over the platform's ceiling stops the body; the fields after it (the buttons, the end
    marker) never arrive: nothing is saved and what arrived is shown again."""
    data = post_data(contract)
    del data["complete"]
    response = member_client.post(report_url(milestone), data)
    assert response.status_code == 200
    assert "field-evidence" in page(response) and "本阶段完成智能手机培训四次" in page(response)
    assert not MilestoneReport.objects.exists()


# --- a subsidy contract: the documented cost (issue 16, 1) ---------------------------------------------------


def test_a_subsidy_report_needs_its_documented_cost(contract, milestone, member, member_client):
    """A contract whose terms cap the payment at a share of the documented
    cost asks for that cost on the report: without it the report is not
    submitted (the page says so and keeps what was typed); with it, it is."""
    from decimal import Decimal

    assert "documented_cost" not in page(member_client.get(report_url(milestone)))  # other contracts: no field
    Contract.objects.filter(pk=contract.pk).update(cost_share_cap=Decimal("50"))
    assert zh("Documented cost of this milestone (CNY)") in page(member_client.get(report_url(milestone)))
    missing = member_client.post(report_url(milestone), post_data(contract, save=None, submit="1", confirm="on"))
    assert zh("Enter the documented cost before submitting.") in page(missing)
    assert "老年人智能手机培训" in page(missing)  # kept
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.PENDING
    bad = member_client.post(report_url(milestone), post_data(contract, documented_cost="-5"))
    assert bad.status_code == 200 and "documented_cost" in page(bad)
    assert not MilestoneReport.objects.filter(milestone=milestone, documented_cost__isnull=False).exists()
    with pytest.raises(DeliveryError) as refused:
        reports.save_draft(milestone, by=member, narrative="x", documented_cost=Decimal("-1"))
    assert refused.value.code == "cost"
    member_client.post(
        report_url(milestone), post_data(contract, save=None, submit="1", confirm="on", documented_cost="12000.50")
    )
    milestone.refresh_from_db()
    assert milestone.state == Milestone.State.SUBMITTED
    assert MilestoneReport.objects.get(milestone=milestone).documented_cost == Decimal("12000.50")
