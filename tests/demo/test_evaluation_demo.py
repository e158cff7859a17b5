"""The demo evaluator pool and the demo projects past their opening: one
evaluating (the demo evaluator has not declared yet), one awarded with the
challenge period running (the demo organization lost), one awarded with the
period over after a dismissed challenge; idempotent."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone, translation

from demo import evaluation as demo_evaluation
from demo import seed as demo
from demo.evaluation import EVALUATORS, PROJECTS
from marketplace.core import workdays
from marketplace.core.audit import verify_chain
from marketplace.evaluation.services import awards, committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import Bid, Challenge, Committee, Evaluator, Project, ScoreSheet, User

TITLES = {spec["key"]: spec["title"] for spec in PROJECTS}


def _row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def _result_page_model():
    try:
        from cms.models import ResultAnnouncementPage
    except ImportError:  # the public result pages are not built yet
        return None
    return ResultAnnouncementPage


@pytest.mark.django_db
def test_demo_evaluation(settings, client, seeded_demo):
    settings.DEBUG = True
    assert "Demo evaluation: 3 new projects" in seeded_demo.output
    officer = User.objects.get(username="officer")

    # The pool: every demo evaluator is verified, may evaluate and signs in.
    assert Evaluator.objects.count() == len(EVALUATORS)
    for username, *_rest in EVALUATORS:
        user = User.objects.get(username=username)
        assert user.verified_at is not None and user.has_perm(committee.EVALUATE_PERMISSION)
        assert user.evaluator_profile.expertise.exists()
    assert Evaluator.objects.filter(kind=Evaluator.Kind.THIRD_PARTY).exists()
    assert client.login(username="evaluator7", password=demo.DEMO_PASSWORD)

    # Evaluating: the demo evaluator sits on the committee and has not declared;
    # the others declared, the qualification is reviewed, some sheets are in.
    evaluating = Project.objects.get(title=TITLES["evaluating"])
    assert evaluating.state == Project.State.EVALUATING
    seat = committee.member_for(User.objects.get(username="evaluator"), evaluating)
    assert seat is not None and seat.declared_at is None and not seat.is_chair
    others = [m for m in committee.active_members(evaluating.committee) if m.pk != seat.pk]
    assert others and all(m.declared_at is not None for m in others)
    assert evaluating.committee.qualification_done_at is not None
    sheets = ScoreSheet.objects.filter(member__committee=evaluating.committee)
    assert sheets.filter(state=ScoreSheet.State.SUBMITTED).exists()
    assert sheets.filter(state=ScoreSheet.State.DRAFT).exists()
    assert Bid.objects.filter(project=evaluating, state=Bid.State.DISQUALIFIED).count() == 1
    assert not evaluation.progress(evaluating).ready

    # Awarded, the period running: the demo organization lost and may challenge.
    running = Project.objects.get(title=TITLES["running"])
    assert running.state == Project.State.AWARDED
    with translation.override("en"):
        assert "challenge period" in str(awards.contract_blocked_reason(running))
    org_user = User.objects.get(username="org")
    lost = Bid.objects.get(project=running, organization__memberships__user=org_user)
    assert lost.state == Bid.State.NOT_AWARDED
    live, problem = awards.challengeable_bid(running, lost)
    assert live is not None and problem is None
    assert evaluation.current_report(running).confirmed_at is not None

    # Awarded, the period over: a challenge was dismissed; a contract may be made.
    over = Project.objects.get(title=TITLES["over"])
    assert over.state == Project.State.AWARDED
    assert awards.contract_blocked_reason(over) is None
    live = awards.live_award(over)
    today = timezone.localdate()
    assert workdays.days_between(timezone.localdate(live.awarded_at), today, "working") > 7
    assert workdays.days_between(timezone.localdate(live.challenge_deadline), today, "working") >= 1
    challenge = Challenge.objects.get(project=over)
    assert challenge.state == Challenge.State.DISMISSED and challenge.documents.count() == 1
    assert live.awarded_at < challenge.filed_at < challenge.answered_at < challenge.decided_at < live.challenge_deadline
    # The history is consistent: bids before the deadline, the opening, the committee, the award.
    for bid in Bid.objects.filter(project=over).select_related("current_version"):
        assert bid.current_version.submitted_at < over.deadline <= over.opened_at
    assert over.opened_at < over.committee.formed_at < live.awarded_at
    flagged = ScoreSheet.objects.get(member__committee=over.committee, flagged=True)
    assert flagged.flag_confirmed_at is not None

    # The result pages exist once the public pages are built.
    page_model = _result_page_model()
    if page_model is not None:
        for project in (running, over):
            assert page_model.objects.filter(project=project, live=True).exists()

    # The walkthrough's starting point is untouched, and the pool can fill its committee.
    closed = Project.objects.get(state=Project.State.CLOSED)
    assert not Committee.objects.filter(project=closed).exists()
    expertise = list(committee.default_expertise(closed))
    assert committee.eligible_evaluators(closed, expertise=expertise).count() >= closed.method.committee_size

    assert verify_chain().ok

    # Seeding again changes nothing.
    counts = _row_counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _row_counts() == counts
    # Nothing new is reported; the committee table is printed again for the accounts list.
    assert "Demo evaluation: " not in out.getvalue()
    assert demo_evaluation.COMMITTEES_TITLE in out.getvalue()

    # The walkthrough: the officer forms the committee of the closed project.
    committee.form_committee(closed, by=officer, expertise=expertise)
    closed.refresh_from_db()
    assert closed.state == Project.State.EVALUATING


@pytest.mark.django_db
def test_a_project_that_cannot_be_seeded_is_skipped_whole_and_made_next_time(settings, monkeypatch):
    """A failing step (say, a demo evaluator whose password was changed
    cannot confirm a report) skips that project entirely; the rest is
    seeded, and the next run makes it."""
    settings.DEBUG = True

    def refuse(*args, **kwargs):
        raise awards.AwardError("refused for the test")

    monkeypatch.setattr(demo_evaluation.awards, "file_challenge", refuse)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "skipped: refused for the test" in out.getvalue()
    assert not Project.objects.filter(title=TITLES["over"]).exists()
    assert not Challenge.objects.exists()
    assert Project.objects.filter(title=TITLES["running"], state=Project.State.AWARDED).exists()
    assert verify_chain().ok

    monkeypatch.undo()
    call_command("seed_demo", stdout=io.StringIO())
    assert Project.objects.get(title=TITLES["over"]).state == Project.State.AWARDED
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_readme_names_who_sits_on_each_demo_committee(seeded_demo):
    """A new user learns from the README which evaluator account to try."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    lines = demo_evaluation.committee_lines()
    assert len(lines) == 5  # a blank line, the title, three committees
    for line in lines[2:]:
        title, names = line.strip().split(": ", 1)
        members = ", ".join(
            f"`{name.split(' ')[0]}`" + (" (chair)" if name.endswith("(chair)") else "") for name in names.split(", ")
        )
        assert f"| {title} | {members} |" in readme


@pytest.mark.django_db
def test_the_demo_has_contracts_in_every_state(seeded_demo):
    """Issue 15: every contract page has something to show on ``make run``."""
    from contracts.contracts.models import Contract, Milestone
    from contracts.milestones import lights
    from contracts.milestones.models import SupervisionRecord, SurveyResponse
    from demo import contracts as demo_contracts

    assert "Demo contracts: 9 new" in seeded_demo.output
    by_key = {spec["key"]: Contract.objects.get(project__title=spec["title"]) for spec in demo_contracts.PROJECTS}
    assert by_key["awaiting"].state == Contract.State.AWAITING_SIGNATURES
    assert by_key["terminated"].state == Contract.State.TERMINATED
    grades = {key: by_key[key].grade for key in ("grade_a", "grade_b", "grade_c", "grade_d")}
    assert grades == {"grade_a": "A", "grade_b": "B", "grade_c": "C", "grade_d": "D"}
    assert all(by_key[key].state == Contract.State.COMPLETED for key in grades)
    # The D was accepted below the pass mark only with a second officer's approval.
    below = by_key["grade_d"].milestones.get()
    assert below.override_reason and below.override_approved_by.username == "officer2"

    today = timezone.localdate()
    colours = {m.number: lights.milestone_light(m, today) for m in by_key["lights"].milestones.all()}
    assert by_key["lights"].milestones.get(number=1).state == Milestone.State.ACCEPTED
    assert colours[2].colour == "yellow"
    assert colours[3].colour == "green"
    red = lights.milestone_light(by_key["rectified"].milestones.get(number=2), today)
    assert red.colour == "red"
    rectified = by_key["rectified"].milestones.get(number=1)
    assert rectified.state == Milestone.State.SUBMITTED and rectified.reports.count() == 2
    collecting = by_key["survey"].milestones.get(number=1)
    assert collecting.state == Milestone.State.UNDER_EVALUATION
    assert 0 < SurveyResponse.objects.filter(milestone=collecting).count() < by_key["survey"].min_responses
    assert SupervisionRecord.objects.filter(contract=by_key["lights"]).exists()
    # The walkthrough's award is left for the officer to draft.
    assert not Contract.objects.filter(project__title=TITLES["over"]).exists()
