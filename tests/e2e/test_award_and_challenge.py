"""Journey d: evaluation → award → challenge.

The evaluation is written by the factories (closed project with two
opened bids, committee declared, bids qualified and scored, report
confirmed).  In the browser: the officer awards, with the confirmation tick
and the re-authentication (password and authenticator code) the step asks
for; the losing bidder opens the message, reads the result letter and
files a challenge with its grounds; the officer finds the challenge.
"""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from marketplace.models import Bid, Project
from tests.e2e.pages import BidResultPage, EvaluationPage, NoticesPage, Page, ReauthPage, shows, zh
from tests.factories import (
    PASSWORD,
    CommitteeFactory,
    EvaluationReportFactory,
    ProjectFactory,
    QualificationFactory,
    ScoreSheetFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

WINNER, LOSER = "安康社工服务中心", "夕阳红志愿服务队"
GROUNDS = "评审委员会对我方服务方案的评分未说明理由，与招标文件第三章的评分标准不符，请求复核。"


def code_for(user):
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def evaluated(site):
    officer = UserFactory(username="e2e-officer", full_name="王采购", roles=("procurement_officer",))
    project = ProjectFactory(
        closed=True,
        created_by=officer,
        title="和平社区儿童课后托管服务",
        bidders=["100000.00", "120000.00"],
        bidders__names=[WINNER, LOSER],
    )
    CommitteeFactory(project=project, declared=True, formed_by=officer)
    QualificationFactory.qualify_all(project, by=officer)
    ScoreSheetFactory.score_all(project)
    EvaluationReportFactory(project=project, confirmed=True)
    loser = Bid.objects.select_related("organization").get(project=project, organization__name=LOSER)
    return project, officer, loser.organization


def test_award_then_a_losing_bidder_challenges(new_context, sign_in, audit, evaluated):
    project, officer, loser = evaluated

    # The officer awards the committee's recommendation.
    officer_page = sign_in(new_context(), officer, fresh_reauth=False).new_page()
    evaluation = EvaluationPage(officer_page, audit).open(f"/work/projects/{project.ref}/evaluation/")
    assert shows(evaluation.text(), "The committee recommends %(name)s (ranked first).")
    assert WINNER in evaluation.text()
    reauth = evaluation.award(next_page=ReauthPage)
    assert reauth.heading() == zh("Confirm it is you")
    assert zh("What you typed on the previous page is kept and sent when you continue.") in reauth.text()
    evaluation = reauth.confirm(PASSWORD, code_for(officer), next_page=EvaluationPage)
    assert zh("The project was awarded. Bidders are notified and the challenge period runs.") in evaluation.messages()
    assert evaluation.awarded_to() == WINNER
    assert zh("No challenge was filed.") in evaluation.text()
    project.refresh_from_db()
    assert project.state == Project.State.AWARDED

    # The losing bidder reads the message, the result and files a challenge.
    bidder_page = sign_in(new_context(), loser.created_by).new_page()
    notices = NoticesPage(bidder_page, audit).open()
    assert project.title in notices.text() or project.ref in notices.text()
    result = notices.follow(notices.main.locator("form[action*='/open/'] button").first, BidResultPage)
    assert f"/org/{loser.pk}/bids/{project.ref}/result/" in bidder_page.url
    assert LOSER in result.text() or project.title in result.text()
    letter = result.main.locator(f'a[href$="/bids/{project.ref}/result/letter.pdf"]')
    assert letter.count() == 1
    response = bidder_page.request.get(letter.first.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    result = result.challenge(GROUNDS)
    assert GROUNDS in result.text()
    assert shows(result.text(), "Our challenge of %(when)s")

    # The officer sees it among the open challenges.
    challenges = Page(officer_page, audit).open("/work/projects/challenges/")
    assert LOSER in challenges.text() and project.ref in challenges.text()
    challenge = challenges.follow(challenges.main.get_by_role("link", name=LOSER).first, Page)
    assert GROUNDS in challenge.text()
    audit.assert_clean()
