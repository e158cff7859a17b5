"""Fuzzed input on evaluation, award and challenge: the committee form, the
appointment and chair forms, the declaration of interests, the
qualification review, score sheets, the chair's reopen and deviation notes,
the report's generation and confirmation, the award, decline and
disqualification, an unsuccessful bidder's challenge (with files) and the
officer's answer and decision (harness: ``test_fuzz_support``).

The project is walked through the real services between the groups of
forms; every fuzzed request is rolled back."""

from django.urls import reverse

from marketplace.evaluation.services import committee as committee_services
from marketplace.evaluation.services import scoring as evaluation_services
from marketplace.models import Bid, Evaluator
from tests.evaluation_fixtures import (
    PASSWORD,
    award_top,
    declare_all,
    evaluated,
    form,
    qualify_all,
    score_all,
    serving,
)
from tests.security.test_fuzz_support import SIGN_IN_RECORDS, WRONG_IDS, attempt, fuzz_form, sign_in


def test_fuzz_committee_declaration_qualification_and_scores(db, client, opened, pool, officer, make_evaluator):
    project = opened
    size = project.method.committee_size
    expertise = [str(c.pk) for c in committee_services.default_expertise(project)]
    outsider = Evaluator.objects.get(name="无关专家")
    sign_in(client, officer)
    base = {"committee-expertise": expertise, "committee-confirm": "on"}
    base.update({f"committee-appoint_{i}": "" for i in range(size)})
    base.update({f"committee-reason_{i}": "" for i in range(size)})
    base["committee-appoint_0"], base["committee-reason_0"] = str(pool[0].pk), "熟悉该领域"
    ids = {f"committee-appoint_{i}": [outsider.pk, pool[1].pk] for i in range(size)}
    fuzz_form(client, reverse("projects:committee", args=[project.ref]), base, id_fields=ids, examples=30)

    form(project, officer)
    project.refresh_from_db()
    members = serving(project)
    spare = next(e for e in pool if e.pk not in {m.evaluator_id for m in members})
    fuzz_form(client, reverse("projects:chair", args=[project.ref]), {"chair-member": str(members[1].pk)},
              id_fields={"chair-member": [outsider.pk, 10**6]}, examples=10)  # fmt: skip
    fuzz_form(client, reverse("projects:appoint", args=[project.ref]),
              {"appoint-evaluator": str(spare.pk), "appoint-reason": "补充专家"}, examples=10)  # fmt: skip

    # The declaration, as a serving member.
    member = members[0]
    bids = list(committee_services.bidders_to_declare(project))
    declaration = {"confirm": "on"}
    for bid in bids:
        declaration[f"relationship_{bid.pk}"] = "none"
        declaration[f"detail_{bid.pk}"] = ""
    sign_in(client, member.evaluator.user)
    fuzz_form(client, reverse("evaluate:declare", args=[project.ref]), declaration, examples=25)

    declare_all(project)
    sign_in(client, officer)
    qualification = {"qualification-confirm": "on"}
    for bid in evaluation_services.opened_bids(project):
        qualification[f"qualification-passed_{bid.pk}"] = "on"
        qualification[f"qualification-reason_{bid.pk}"] = "符合招标文件要求"
    fuzz_form(client, reverse("projects:qualification", args=[project.ref]), qualification, examples=20)

    qualify_all(project, officer)
    bid = Bid.objects.filter(project=project, state=Bid.State.QUALIFIED).order_by("pk").first()
    criteria = list(evaluation_services.score_criteria(project))
    scores = {"action": "submit", "confirm": "on"}
    for criterion in criteria:
        scores[f"score_{criterion.pk}"] = "20"
        scores[f"reason_{criterion.pk}"] = f"{criterion.name}的理由"
    sign_in(client, member.evaluator.user)
    fuzz_form(client, reverse("evaluate:bid", args=[project.ref, bid.pk]), scores, examples=35)

    score_all(project)
    chair = next(m for m in serving(project) if m.is_chair)
    sheet = chair.sheets.order_by("pk").first()
    sign_in(client, chair.evaluator.user)
    if sheet is not None:
        fuzz_form(client, reverse("evaluate:reopen", args=[project.ref, sheet.pk]),
                  {f"reopen-{sheet.pk}-reason": "分数有误"}, examples=10)  # fmt: skip
        fuzz_form(client, reverse("evaluate:confirm_deviation", args=[project.ref, sheet.pk]),
                  {f"deviation-{sheet.pk}-note": "评分有依据"}, examples=10)  # fmt: skip
    fuzz_form(client, reverse("evaluate:generate_report", args=[project.ref]), {"generate-confirm": "on"},
              examples=8)  # fmt: skip
    evaluation_services.generate_report(project, by=chair.evaluator.user)
    fuzz_form(client, reverse("evaluate:confirm_report", args=[project.ref]),
              {"confirm-report-password": PASSWORD, "confirm-report-confirm": "on"}, ignore=SIGN_IN_RECORDS,
              examples=15)  # fmt: skip
    for wrong in WRONG_IDS:
        attempt(client, f"/evaluate/{project.ref}/bids/{wrong}/", scores)
        attempt(client, f"/evaluate/{project.ref}/sheets/{wrong}/reopen/", {"reason": "x"})
        attempt(client, f"/evaluate/{wrong}/declare/", declaration)


def test_fuzz_award_and_challenge(db, client, opened, pool, officer):
    project = opened
    evaluated(project, officer)
    report = evaluation_services.current_report(project)
    others = Bid.objects.filter(project=project).exclude(pk=report.recommended_bid_id).order_by("pk")
    sign_in(client, officer)
    award_url = reverse("projects:award", args=[project.ref])
    fuzz_form(client, award_url, {"bid": str(report.recommended_bid_id), "reason": "", "confirm": "on"},
              id_fields={"bid": [b.pk for b in others] + [10**6]}, examples=25)  # fmt: skip
    loser = others.first()
    fuzz_form(client, reverse("projects:decline", args=[project.ref, report.recommended_bid_id]),
              {f"decline-{report.recommended_bid_id}-reason": "无法履约",
               f"decline-{report.recommended_bid_id}-confirm": "on"}, examples=10)  # fmt: skip
    fuzz_form(client, reverse("projects:disqualify", args=[project.ref, loser.pk]),
              {f"disqualify-{loser.pk}-reason": "资质过期", f"disqualify-{loser.pk}-confirm": "on"},
              examples=10)  # fmt: skip

    award_top(project, officer)
    user = loser.organization.memberships.get().user
    sign_in(client, user)
    challenge_url = reverse("orgs:challenge", args=[loser.organization.pk, project.ref])
    grounds = "评分过程未按招标文件执行，请复核。"
    fuzz_form(client, challenge_url, {"reasons": grounds, "confirm": "on", "complete": "1"}, files=["files"],
              examples=30)  # fmt: skip

    from marketplace.evaluation.services import awards as award_services

    challenge = award_services.file_challenge(loser, by=user, reasons="评分过程未按招标文件执行，请复核。")
    sign_in(client, officer)
    fuzz_form(client, reverse("projects:challenge_answer", args=[project.ref, challenge.pk]),
              {"answer-answer": "已复核，评分符合规定。"}, examples=12)  # fmt: skip
    fuzz_form(client, reverse("projects:challenge_decide", args=[project.ref, challenge.pk]),
              {"decide-outcome": "dismissed", "decide-reason": "理由不成立", "decide-remedy": "",
               "decide-public_summary": "质疑评分过程。", "decide-confirm": "on"}, examples=20)  # fmt: skip
    for wrong in WRONG_IDS:
        attempt(client, f"/work/projects/{project.ref}/challenges/{wrong}/decide/", {"decide-outcome": "upheld"})
        attempt(client, f"/work/projects/{project.ref}/bids/{wrong}/decline/", {"confirm": "on"})
        attempt(client, f"/work/projects/{project.ref}/report/{wrong}/report.pdf", method="get")
