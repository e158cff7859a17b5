"""Award (中标/成交), result notices and challenges (质疑).

The officer awards the top-ranked bid of the confirmed evaluation report;
another bid only when every bid ranked above it declined or was
disqualified, with a written reason.  Unsuccessful bidders may challenge
within ``CHALLENGE_FILING_WORKING_DAYS`` working days of the result; the
officer answers within ``CHALLENGE_ANSWER_WORKING_DAYS``; while the period
runs or a challenge is open no contract can be made.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import events, notifications, workdays
from marketplace.core.audit import record_event
from marketplace.core.models.users import User
from marketplace.core.uploads import UploadRefusedError
from marketplace.evaluation import messages, permissions
from marketplace.evaluation.models import Award, Challenge, ChallengeDocument, Qualification, ScoreSheet
from marketplace.evaluation.services.committee import active_members, evaluation_url, lock_project
from marketplace.evaluation.services.report import EvaluationError, supersede
from marketplace.evaluation.services.scoring import fail_if_too_few
from marketplace.organizations.services import documents
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services import projects as project_services
from marketplace.procurement.services.bids import notify_bidders
from marketplace.procurement.services.projects import notify_officers

CHALLENGE_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_CHALLENGE_DOCUMENTS = 10


class AwardError(EvaluationError):
    """An award or challenge rule was broken (message for the user)."""

    default_code = "award"


def end_of_working_day(start, count):
    """The end (23:59:59 local time) of the ``count``-th working day after
    the day of ``start``."""
    day = workdays.add_days(timezone.localdate(start), count, "working")
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


live_award = permissions.live_award


def result_letter_url(bid):
    return reverse("orgs:bid_result", args=[bid.organization_id, bid.project.ref])


# --- who may be awarded ------------------------------------------------------------------------


def next_in_line(project, report):
    """The report's rows with, for each, whether it may be awarded now, and
    the bid to award (``EvaluationReport.next_in_line``)."""
    return report.next_in_line()


def record_decline(bid, *, by, reason):
    """The officer records that a ranked organization declined the award
    (its written statement), so the next one may be awarded.  Before the
    award any ranked bid may decline; after it, the winner may (before the
    contract): the award is cancelled and the project returns to the award
    step on the same confirmed report."""
    reason = (reason or "").strip()
    if not reason:
        raise AwardError(_("Give the reason the organization gave for declining."), "reason", "reason")
    with transaction.atomic():
        project = lock_project(bid.project)
        bid = Bid.objects.select_for_update(of=("self",)).get(pk=bid.pk, project=project)
        bid.project = project
        permissions.require(permissions.can_record_decline(by, bid), AwardError)
        if project.state == Project.State.AWARDED:
            return _winner_declines(project, bid, by=by, reason=reason)
        bid.declined_at = timezone.now()
        bid.decline_reason = reason
        bid.save(update_fields=["declined_at", "decline_reason", "updated_at"])
        record_event("bid.declined", actor=by, obj=bid, reason=reason, details={"project": project.ref})
    return bid


def _winner_declines(project, bid, *, by, reason):
    live = Award.objects.select_for_update().get(pk=live_award(project).pk)
    live.cancelled_at = timezone.now()
    live.cancel_reason = reason
    live.save(update_fields=["cancelled_at", "cancel_reason"])
    record_event(
        "award.cancelled", actor=by, obj=live, reason=reason, details={"project": project.ref, "remedy": "declined"}
    )
    for other in Bid.objects.select_for_update(of=("self",)).filter(project=project):
        if other.state in (Bid.State.AWARDED, Bid.State.NOT_AWARDED):
            other.project = project
            other.reinstate(by=by, reason=reason)
            if other.pk == bid.pk:
                other.declined_at = timezone.now()
                other.decline_reason = reason
            other.save()
    record_event(
        "bid.declined", actor=by, obj=bid, reason=reason, details={"project": project.ref, "after_award": True}
    )
    project.reopen_evaluation(by=by, reason=reason)
    project.save()
    events.award_cancelled.send(sender=Project, project=project, award=live)
    notify_bidders(project, messages.AWARD_DECLINED, {"reason": reason})
    bid.refresh_from_db()
    return bid


def disqualify_ranked(bid, *, by, reason):
    """After the report: a ranked bid found not to qualify after all (false
    documents, a lapsed licence) is disqualified, with reasons."""
    reason = (reason or "").strip()
    if not reason:
        raise AwardError(_("Give the reasons for disqualifying this bid."), "reason", "reason")
    with transaction.atomic():
        project = lock_project(bid.project)
        bid = Bid.objects.select_for_update(of=("self",)).get(pk=bid.pk, project=project)
        bid.project = project
        permissions.require(permissions.can_disqualify_ranked(by, bid), AwardError)
        Qualification.objects.filter(bid=bid).update(
            passed=False, manual_passed=False, reason=reason, decided_by=by, decided_at=timezone.now()
        )
        bid.disqualify(by=by, reason=reason)
        bid.save()
        notify_bidders(project, messages.BID_DISQUALIFIED, {"reason": reason}, only=[bid])
        fail_if_too_few(project, by=by)
    return bid


def award(project, bid, *, by, reason=""):
    """Award ``bid``: the report's top-ranked bid, or the next in line when
    every bid above it declined or was disqualified (reason required)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        project = lock_project(project)
        # Project.award carries procurement's state rule only; who may award,
        # and on which report, is evaluation's rule: permissions.can_award.
        permissions.require(permissions.can_award(by, project), AwardError)
        report = permissions.confirmed_report(project)
        _rows, chosen = report.next_in_line()
        if chosen.pk != bid.pk:
            raise AwardError(
                _("Only the highest-ranked bid still available can be awarded: %(name)s.")
                % {"name": chosen.organization.name},
                "bid",
                "not_next_in_line",
            )
        recommended_id = report.recommended_bid_id
        if chosen.pk != recommended_id and not reason:
            raise AwardError(
                _("The committee recommended another bid: give the reason for awarding this one."), "reason", "reason"
            )
        row = next(r for r in report.ranking if r["bid"] == chosen.pk)
        now = timezone.now()
        bids = list(Bid.objects.select_for_update(of=("self",)).filter(project=project).select_related("organization"))
        try:
            with transaction.atomic():
                live = Award.objects.create(
                    project=project,
                    bid=chosen,
                    report=report,
                    rank=row["rank"],
                    recommended_bid_id=recommended_id,
                    price=Decimal(row["price"]),
                    reason=reason,
                    awarded_by=by,
                    awarded_at=now,
                    challenge_deadline=end_of_working_day(now, settings.CHALLENGE_FILING_WORKING_DAYS),
                )
        except IntegrityError:
            raise AwardError(_("This project was awarded a moment ago."), code="already_awarded") from None
        for other in bids:
            other.project = project
            if other.pk == chosen.pk:
                other.award(by=by, reason=reason)
                other.save()
            elif other.state == Bid.State.QUALIFIED:
                other.not_award(by=by, reason="")
                other.save()
        project.award(by=by, reason=reason)
        project.save()
        record_event(
            "award.made",
            actor=by,
            obj=live,
            reason=reason,
            details={
                "project": project.ref,
                "bid": chosen.pk,
                "organization": chosen.organization_id,
                "rank": row["rank"],
                "recommended_bid": recommended_id,
                "price": row["price"],
                "report": report.pk,
                "report_sha256": report.sha256,
                "challenge_deadline": live.challenge_deadline,
            },
        )
        events.award_made.send(sender=Project, project=project, award=live)
        _tell_bidders(project, live, bids)
        notify_officers(
            project,
            messages.AWARDED,
            {
                "name": chosen.organization.name,
                "deadline": project_services.format_when(live.challenge_deadline),
            },
            exclude=[],
        )
    return live


def _tell_bidders(project, live, bids):
    deadline = project_services.format_when(live.challenge_deadline)
    for bid in bids:
        if bid.state not in (Bid.State.AWARDED, Bid.State.NOT_AWARDED, Bid.State.DISQUALIFIED):
            continue
        users = User.objects.filter(memberships__organization_id=bid.organization_id, is_active=True)
        won = bid.pk == live.bid_id
        bid.project = project
        notifications.send(
            messages.BID_WON if won else messages.BID_LOST,
            list(users),
            # The price as it always read ("%s" of the Decimal), in every language.
            {"ref": project.ref, "title": project.title, "price": str(live.price), "deadline": deadline},
            link=result_letter_url(bid),
        )


# --- the contract gate ------------------------------------------------------------------------------


def contract_blocked_reason(project, now=None):
    """Why no contract may be made for ``project`` yet, or None."""
    now = now or timezone.now()
    live = live_award(project)
    if live is None:
        return _("The project has no award.")
    if now <= live.challenge_deadline:
        return _("The challenge period runs until %(deadline)s.") % {
            "deadline": project_services.format_when(live.challenge_deadline)
        }
    # Any open challenge of the project, including one against an award that
    # was since cancelled: it must be answered and decided first.
    if Challenge.objects.filter(project=project, state__in=Challenge.OPEN_STATES).exists():
        return _("A challenge is open.")
    return None


def mark_contracted(project, *, by):
    """The contracts app calls this when the contract is made: refused while
    the challenge period runs or a challenge is open (server clock, under
    the project's lock)."""
    with transaction.atomic():
        project = lock_project(project)
        permissions.require(permissions.can_mark_contracted(by, project), AwardError)
        project.contract(by=by, reason="")
        project.save()
    return project


# --- challenges --------------------------------------------------------------------------------------


def challengeable_bid(project, bid):
    """May this bid's organization challenge the live award now?  Returns
    (award, problem) (``permissions.challengeable``)."""
    live, refused = permissions.challengeable(project, bid)
    return live, (refused.reason if refused is not None else None)


def file_challenge(bid, *, by, reasons, files=()):
    """An unsuccessful bidder's challenge with its reasons and documents
    (PDF, JPEG or PNG, content-checked)."""
    reasons = (reasons or "").strip()
    files = [f for f in files if f]
    if len(reasons) < 10:
        raise AwardError(_("State the grounds of the challenge (at least 10 characters)."), "reasons", "reasons")
    if len(files) > MAX_CHALLENGE_DOCUMENTS:
        raise AwardError(
            _("At most %(count)s documents.") % {"count": MAX_CHALLENGE_DOCUMENTS}, "files", "too_many_files"
        )
    # Every document is checked before anything is stored, so a bad one
    # leaves no file behind.
    checked = []
    for file in files:
        try:
            size, sha256, _content_type = documents.read_upload(file, limit=CHALLENGE_DOCUMENT_MAX_BYTES)
        except UploadRefusedError as error:
            raise AwardError(error.message, "files", error.code) from None
        checked.append((file, (size, sha256)))
    with transaction.atomic():
        project = lock_project(bid.project)
        bid = Bid.objects.select_for_update(of=("self",)).select_related("organization").get(pk=bid.pk)
        bid.project = project
        permissions.require(permissions.can_file_challenge(by, bid), AwardError)
        live = live_award(project)
        now = timezone.now()
        challenge = Challenge.objects.create(
            project=project,
            award=live,
            bid=bid,
            organization=bid.organization,
            reasons=reasons,
            filed_by=by,
            filed_at=now,
            answer_due=end_of_working_day(now, settings.CHALLENGE_ANSWER_WORKING_DAYS),
        )
        for file, (size, sha256) in checked:
            name = documents.clean_original_name(getattr(file, "name", ""))
            document = ChallengeDocument(challenge=challenge, title=name, original_name=name, size=size, sha256=sha256)
            document.file.save(name, file, save=False)
            document.save()
        record_event(
            "challenge.filed",
            actor=by,
            obj=challenge,
            to_state=challenge.state,
            details={
                "project": project.ref,
                "organization": bid.organization_id,
                "documents": challenge.documents.count(),
                "answer_due": challenge.answer_due,
            },
        )
        notify_officers(
            project,
            messages.CHALLENGE_FILED,
            {"name": bid.organization.name, "due": project_services.format_when(challenge.answer_due)},
            exclude=[],
        )
    return challenge


def _lock_challenge(challenge):
    project = lock_project(challenge.project)
    challenge = (
        Challenge.objects.select_for_update(of=("self",)).select_related("organization", "award").get(pk=challenge.pk)
    )
    return project, challenge


def _tell_challenger(challenge, message_type, context):
    users = User.objects.filter(memberships__organization_id=challenge.organization_id, is_active=True)
    project = challenge.bid.project = challenge.project
    notifications.send(
        message_type,
        list(users),
        {"ref": project.ref, "title": project.title, **context},
        link=result_letter_url(challenge.bid),
    )


def answer_challenge(challenge, *, by, answer):
    """The officer's written answer (submitted → answered)."""
    answer = (answer or "").strip()
    if not answer:
        raise AwardError(_("Write the answer to the challenge."), "answer", "answer")
    with transaction.atomic():
        project, challenge = _lock_challenge(challenge)
        permissions.require(permissions.can_answer_challenge(by, challenge), AwardError)
        challenge.answer = answer
        challenge.answered_by = by
        challenge.answered_at = timezone.now()
        challenge.mark_answered(by=by, reason=answer)
        challenge.save()
        _tell_challenger(challenge, messages.CHALLENGE_ANSWERED, {"answer": answer})
    return challenge


def decide_challenge(challenge, *, by, upheld, reason, remedy="", public_summary=""):
    """Uphold (with a remedy: back to evaluation, or cancel the award and
    the project) or dismiss an answered challenge, with reasons and the
    neutral summary of the grounds that the public announcement shows."""
    reason = (reason or "").strip()
    if not reason:
        raise AwardError(_("Give the reasons for the decision."), "reason", "reason")
    public_summary = (public_summary or "").strip()
    if not public_summary:
        raise AwardError(
            _("Write the summary of the grounds for the public announcement."), "public_summary", "public_summary"
        )
    if upheld and remedy not in Challenge.Remedy.values:
        raise AwardError(_("Choose what follows from upholding the challenge."), "remedy", "remedy")
    with transaction.atomic():
        project, challenge = _lock_challenge(challenge)
        permissions.require(permissions.can_decide_challenge(by, challenge), AwardError)
        challenge.decision_reason = reason
        challenge.public_summary = public_summary
        challenge.decided_by = by
        challenge.decided_at = timezone.now()
        if not upheld:
            challenge.dismiss(by=by, reason=reason)
            challenge.save()
            events.challenge_decided.send(sender=Project, project=project, challenge=challenge)
            _tell_challenger(challenge, messages.CHALLENGE_DISMISSED, {"reason": reason})
            return challenge
        challenge.remedy = remedy
        challenge.uphold(by=by, reason=reason, remedy=remedy)
        challenge.save()
        if challenge.award.cancelled_at is None and project.state == Project.State.AWARDED:
            _undo_award(project, challenge.award, by=by, reason=reason, remedy=remedy)
        events.challenge_decided.send(sender=Project, project=project, challenge=challenge)
        _tell_challenger(challenge, messages.CHALLENGE_UPHELD, {"reason": reason})
    return challenge


def _undo_award(project, live, *, by, reason, remedy):
    live = Award.objects.select_for_update().get(pk=live.pk)
    live.cancelled_at = timezone.now()
    live.cancel_reason = reason
    live.save(update_fields=["cancelled_at", "cancel_reason"])
    record_event(
        "award.cancelled", actor=by, obj=live, reason=reason, details={"project": project.ref, "remedy": remedy}
    )
    bids = list(Bid.objects.select_for_update(of=("self",)).filter(project=project))
    if remedy == Challenge.Remedy.REEVALUATE:
        for bid in bids:
            bid.project = project
            if bid.state in (Bid.State.AWARDED, Bid.State.NOT_AWARDED):
                bid.reinstate(by=by, reason=reason)
                bid.save()
        report = permissions.current_report(project)
        if report is not None:
            supersede(report, by, reason)
        for sheet in ScoreSheet.objects.select_for_update().filter(
            member__committee__project=project, state=ScoreSheet.State.SUBMITTED
        ):
            sheet.reopen(by=by, reason=reason)
            sheet.reopened_count += 1
            sheet.submitted_at = None
            sheet.flagged = False
            sheet.flag_confirmed_at = None
            sheet.flag_confirmed_by = None
            sheet.save()
        project.reopen_evaluation(by=by, reason=reason)
        project.save()
        message = messages.REEVALUATION
    else:
        for bid in bids:
            if bid.state == Bid.State.AWARDED:
                bid.project = project
                bid.revoke_award(by=by, reason=reason)
                bid.save()
        project.cancel_award(by=by, reason=reason)
        project.cancel_reason = reason
        project.cancelled_at = timezone.now()
        project.save()
        project_services.release_needs(project, by, _("%(ref)s was cancelled.") % {"ref": project.ref})
        message = messages.AWARD_CANCELLED
    events.award_cancelled.send(sender=Project, project=project, award=live)
    notify_bidders(project, message, {"reason": reason})
    if remedy == Challenge.Remedy.REEVALUATE:
        notifications.send(
            message,
            [m.evaluator.user for m in active_members(project.committee)],
            {"ref": project.ref, "title": project.title, "reason": reason},
            link=evaluation_url(project),
        )


def working_time_left(deadline, now=None):
    """Working days left until ``deadline`` (0 on its last day; negative once
    past), for the workspace."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    end = timezone.localdate(deadline)
    if now > deadline:
        return -workdays.days_between(end, today, "working") or -1
    return workdays.days_between(today, end, "working")
