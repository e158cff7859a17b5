"""Resident satisfaction surveys (居民满意度, issue 15, 11).

- ``make_links``: a community worker of a community the contract serves
  makes N one-time links.  Each token is ``secrets.token_urlsafe(32)`` (256
  random bits, 43 characters); only its SHA-256 is stored, and the tokens
  are returned once, to be shown and printed (``pdfs.survey_links_pdf``).
- ``answer``: a resident answers once per token, anonymously.  The token is
  spent by a conditional UPDATE (``used=False → True``) inside the
  transaction that writes the response, so two answers racing on one token
  make one response.  The response keeps no link to its token, no name,
  phone or IP, only the day; nothing here writes an audit event with the
  request's data.  A comment carrying personal data is refused (and the
  token is not spent).
- ``moderate``: an officer publishes or refuses a comment before any public
  display; personal data is never published."""

import hashlib
import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.milestones.models import SurveyResponse, SurveyToken
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.services.evaluation import EvaluationError
from contracts.milestones.services.locks import lock_milestone
from marketplace.core import privacy
from marketplace.core.audit import record_event

#: bytes of randomness per token (``token_urlsafe`` gives 4/3 as many characters)
TOKEN_BYTES = 32
MAX_LINKS = 300
SCALE = range(1, 6)


class SurveyError(EvaluationError):
    default_code = "survey_refused"


def token_hash(token):
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def make_links(milestone, *, by, count):
    """Make ``count`` links; returns the tokens (shown once, never stored)."""
    if not isinstance(count, int) or not 1 <= count <= MAX_LINKS:
        raise SurveyError(
            _("Make from 1 to %(max)s links at a time.") % {"max": MAX_LINKS}, "count", "count_out_of_range"
        )
    with transaction.atomic():
        milestone = lock_milestone(milestone)
        rules.require(rules.can_make_links(by, milestone), SurveyError)
        batch = (milestone.survey_tokens.aggregate(last=Max("batch"))["last"] or 0) + 1
        tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _n in range(count)]
        SurveyToken.objects.bulk_create(
            [SurveyToken(milestone=milestone, token_hash=token_hash(t), batch=batch, created_by=by) for t in tokens]
        )
        record_event("survey.links_made", actor=by, obj=milestone, details={"count": count, "batch": batch})
        return tokens


def unused_tokens_of(milestone, tokens):
    """The tokens among ``tokens`` that are links of ``milestone`` not yet
    answered (the printable sheet is made only of those)."""
    tokens = [t for t in dict.fromkeys(str(t).strip() for t in tokens) if t]
    hashes = {token_hash(t): t for t in tokens}
    known = set(
        SurveyToken.objects.filter(milestone=milestone, used=False, token_hash__in=hashes).values_list(
            "token_hash", flat=True
        )
    )
    return [t for h, t in hashes.items() if h in known]


def link_for(token):
    """The survey token's row (with its milestone and contract) if it can
    still be answered, else None: the public page tells nothing more."""
    if not token or len(token) > 200:
        return None
    row = (
        SurveyToken.objects.select_related("milestone__contract")
        .filter(token_hash=token_hash(token), used=False)
        .first()
    )
    if row is None or not rules.survey_open(row.milestone):
        return None
    return row


def refuse_personal_data(text, field="comment"):
    kinds = privacy.find_personal_data(text)
    if kinds:
        raise SurveyError(
            _("Your comment contains %(kinds)s. Remove it: the survey is anonymous.")
            % {"kinds": privacy.describe(kinds)},
            field,
            "personal_data",
        )


def answer(token, *, overall, answers, comment=""):
    """Record one anonymous answer and spend the token; ``answers`` maps
    each of the contract's question pks to 1..5."""
    comment = (comment or "").strip()
    if overall not in SCALE:
        raise SurveyError(_("Choose from 1 to 5."), "overall", "answer_out_of_range")
    refuse_personal_data(comment)
    with transaction.atomic():
        row = link_for(token)
        if row is None:
            raise SurveyError(_("This survey link was used already or is not valid."), None, "token_unusable")
        milestone = row.milestone
        questions = list(milestone.contract.survey_questions.values_list("pk", flat=True))
        stored = {}
        for pk in questions:
            value = answers.get(pk)
            if value not in SCALE:
                raise SurveyError(_("Choose from 1 to 5."), f"question_{pk}", "answer_out_of_range")
            stored[str(pk)] = value
        # Spend the token: only one of two racing answers finds it unused.
        spent = SurveyToken.objects.filter(pk=row.pk, used=False).update(used=True)
        if spent != 1:
            raise SurveyError(_("This survey link was used already or is not valid."), None, "token_unusable")
        return SurveyResponse.objects.create(
            milestone=milestone,
            answered_on=timezone.localdate(),
            overall=overall,
            answers=stored,
            comment=comment,
            moderation=SurveyResponse.Moderation.PENDING if comment else SurveyResponse.Moderation.NONE,
        )


def moderate(response, *, by, publish):
    with transaction.atomic():
        response = SurveyResponse.objects.select_for_update().get(pk=response.pk)
        rules.require(rules.can_moderate(by, response), SurveyError)
        if publish:
            refuse_personal_data(response.comment, field=None)
        response.moderation = SurveyResponse.Moderation.PUBLISHED if publish else SurveyResponse.Moderation.REFUSED
        response.save(update_fields=["moderation"])
        record_event(
            "survey.comment_moderated",
            actor=by,
            obj=response,
            details={"milestone": response.milestone_id, "published": bool(publish)},
        )
        return response


def answer_counts(milestone):
    """``{"overall": {1: n, ..., 5: n}, <question pk>: {...}}``: how many
    residents gave each answer (for the acceptance file; no comment)."""
    questions = list(milestone.contract.survey_questions.order_by("order"))
    counts = {"overall": dict.fromkeys(SCALE, 0), **{q.pk: dict.fromkeys(SCALE, 0) for q in questions}}
    for overall, answers in milestone.survey_responses.values_list("overall", "answers"):
        counts["overall"][overall] += 1
        for question in questions:
            value = (answers or {}).get(str(question.pk))
            if value in SCALE:
                counts[question.pk][value] += 1
    return questions, counts


def all_answers(milestone):
    """Every 1..5 answer given on the milestone (overall and the questions)."""
    values = []
    for overall, answers in milestone.survey_responses.values_list("overall", "answers"):
        values.append(overall)
        values.extend(v for v in (answers or {}).values() if v in SCALE)
    return values
