"""The PDFs of milestone evaluation, in Simplified Chinese (the language of
record), through ``marketplace.core.pdf.render_pdf``:

- the acceptance record (验收记录) of a milestone: the expert sheet, the
  satisfaction results as counts per answer, the supervision records and
  the residents' committees' opinions, and the decision; its SHA-256 is
  kept on the ``AcceptanceRecord``.  No resident data: no comment, no
  token, nothing about who answered.
- the printable sheet of survey links: one QR code (``segno``, an SVG data
  URI) and the written link per token, cut-out cards for paper handouts."""

import segno
from django.urls import reverse

from contracts.milestones.models import CommitteeOpinion, SupervisionRecord
from contracts.milestones.services import surveys
from marketplace.core.notifications import absolute_url
from marketplace.core.pdf import render_pdf


def survey_url(token):
    return absolute_url(reverse("survey:answer", args=[token]))


def qr_data_uri(text):
    return segno.make(text, error="m").svg_data_uri(scale=3, border=2)


def survey_links_pdf(milestone, tokens):
    cards = [{"url": survey_url(token), "qr": qr_data_uri(survey_url(token))} for token in tokens]
    return render_pdf(
        "pdf/survey_links.html",
        {
            "milestone": milestone,
            "contract": milestone.contract,
            "questions": list(milestone.contract.survey_questions.order_by("order")),
            "cards": cards,
        },
    )


def acceptance_context(milestone, *, facts, evaluation, accepted, reason):
    questions, counts = surveys.answer_counts(milestone)
    supervision = list(
        SupervisionRecord.objects.filter(contract=milestone.contract, milestone=milestone)
        .select_related("community")
        .order_by("visited_on", "pk")
    )
    opinions = list(
        CommitteeOpinion.objects.filter(milestone=milestone).select_related("community").order_by("community__name")
    )
    return {
        "contract": milestone.contract,
        "milestone": milestone,
        "facts": facts,
        "evaluation": evaluation,
        "scores": list(evaluation.scores.select_related("criterion").order_by("criterion__order"))
        if evaluation
        else [],
        "overall_counts": [counts["overall"][value] for value in surveys.SCALE],
        "question_counts": [(q, [counts[q.pk][value] for value in surveys.SCALE]) for q in questions],
        "scale": list(surveys.SCALE),
        "supervision": supervision,
        "opinions": opinions,
        "accepted": accepted,
        "reason": reason,
        "decided_by": milestone.decided_by.display_name if milestone.decided_by_id else "",
        "override_approved_by": (
            milestone.override_approved_by.display_name if milestone.override_approved_by_id else ""
        ),
    }


def acceptance_pdf(milestone, **kwargs):
    return render_pdf("pdf/acceptance.html", acceptance_context(milestone, **kwargs))
