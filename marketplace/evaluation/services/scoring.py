"""Qualification review (资格审查) and scoring: the officer reviews every
opened bid; serving members who declared score the qualified ones; the
chair reopens a sheet or confirms a deviating score.

The arithmetic and the ranking are ``marketplace.evaluation.services.ranking``;
the report is ``.report``; both are re-exported here for callers that
name the whole evaluation step."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import events, notifications
from marketplace.core.audit import record_event
from marketplace.evaluation import messages, permissions
from marketplace.evaluation.models import Qualification, Score, ScoreSheet
from marketplace.evaluation.permissions import may_confirm_deviation, member_sheets_visible
from marketplace.evaluation.services.committee import DECLARED_STATES, active_members, evaluation_url, lock_committee
from marketplace.evaluation.services.ranking import (
    CENT,
    Entry,
    Progress,
    criterion_max,
    deviations,
    points,
    price_score,
    progress,
    quantize,
    rank,
    ranking,
    score_criteria,
)
from marketplace.evaluation.services.report import (
    EvaluationError,
    confirm_report,
    current_report,
    generate_report,
    render_report_pdf,
    report_facts,
    supersede,
)
from marketplace.organizations.services import entry_standards
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services import projects as project_services
from marketplace.procurement.services.bids import notify_bidders

__all__ = [
    "CENT",
    "REASON_LIMIT",
    "Entry",
    "EvaluationError",
    "Progress",
    "clean_scores",
    "confirm_deviation",
    "confirm_report",
    "criterion_max",
    "current_report",
    "deviations",
    "entry_result",
    "fail_if_too_few",
    "generate_report",
    "may_confirm_deviation",
    "member_sheets_visible",
    "opened_bids",
    "points",
    "price_score",
    "progress",
    "rank",
    "ranking",
    "render_report_pdf",
    "reopen_sheet",
    "report_facts",
    "review_qualification",
    "save_scores",
    "score_criteria",
    "supersede",
]

REASON_LIMIT = 1000


# --- qualification ----------------------------------------------------------------------------


def opened_bids(project):
    return list(
        Bid.objects.filter(project=project, state__in=DECLARED_STATES)
        .select_related("organization", "current_version")
        .order_by("current_version__submitted_at", "pk")
    )


def entry_result(project, bid):
    """The automatic entry-standard result, as on the day of the opening."""
    day = timezone.localdate(project.opened_at) if project.opened_at else timezone.localdate()
    return entry_standards.check(project.entry_standard, bid.organization, today=day)


def review_qualification(project, *, by, decisions):
    """The officer's qualification review of every opened bid: ``decisions``
    maps a bid's pk to (meets the call's requirements: bool, reasons).  A bid
    passes only with the entry standard met too.  Too few qualified bids
    fail the project (流标)."""
    with transaction.atomic():
        project, committee, _members = lock_committee(project)
        permissions.require(permissions.can_review_qualification(by, project), EvaluationError)
        bids = opened_bids(project)
        bids = list(
            Bid.objects.select_for_update(of=("self",))
            .filter(pk__in=[b.pk for b in bids])
            .select_related("organization", "current_version")
        )
        now = timezone.now()
        results = {}
        for bid in bids:
            if bid.pk not in decisions:
                raise EvaluationError(
                    _("Decide on every bid; missing: %(name)s.") % {"name": bid.organization.name},
                    "decisions",
                    "undecided_bid",
                )
            manual, reason = decisions[bid.pk]
            reason = (reason or "").strip()
            if not reason:
                raise EvaluationError(
                    _("Give the reasons for %(name)s.") % {"name": bid.organization.name}, "decisions", "reason"
                )
            entry = entry_result(project, bid)
            passed = bool(manual) and entry.eligible
            Qualification.objects.update_or_create(
                bid=bid,
                defaults={
                    "entry_passed": entry.eligible,
                    "entry_problems": [str(rule.message) for rule in entry.failures],
                    "manual_passed": bool(manual),
                    "passed": passed,
                    "reason": reason[: REASON_LIMIT * 4],
                    "decided_by": by,
                    "decided_at": now,
                },
            )
            bid.project = project
            if passed and bid.state != Bid.State.QUALIFIED:
                bid.qualify(by=by, reason=reason)
                bid.save()
            elif not passed and bid.state != Bid.State.DISQUALIFIED:
                bid.disqualify(by=by, reason=reason)
                bid.save()
            results[bid.organization_id] = passed
        committee.qualification_done_at = now
        committee.save(update_fields=["qualification_done_at"])
        qualified = sum(results.values())
        record_event(
            "evaluation.qualification_reviewed",
            actor=by,
            obj=project,
            details={"results": {str(k): v for k, v in results.items()}, "qualified": qualified},
        )
        disqualified = [bid for bid in bids if not results[bid.organization_id]]
        if disqualified:
            notify_bidders(project, messages.QUALIFICATION_FAILED, only=disqualified)
        fail_if_too_few(project, by=by)
    return project


def fail_if_too_few(project, *, by):
    """Inside the caller's transaction, under the project's lock: with fewer
    qualified bids than the project's minimum the project fails (流标).
    Returns whether it failed."""
    qualified = Bid.objects.filter(project=project, state=Bid.State.QUALIFIED).count()
    if qualified >= project.min_valid_bids:
        return False
    reason = _("%(count)s bids passed the qualification review; at least %(min)s are needed.") % {
        "count": qualified,
        "min": project.min_valid_bids,
    }
    project.fail_in_evaluation(by=by, reason=reason)
    project.save()
    project_services.release_needs(project, by, _("%(ref)s failed.") % {"ref": project.ref})
    events.call_changed.send(sender=Project, project=project)
    notify_bidders(
        project,
        messages.TOO_FEW_QUALIFIED,
        {"count": qualified, "min": project.min_valid_bids},
        states=(Bid.State.QUALIFIED, Bid.State.DISQUALIFIED),
    )
    return True


# --- scoring ----------------------------------------------------------------------------------


def clean_scores(criteria, values, *, complete):
    """``values`` maps a criterion's pk to (score, reason) as typed.
    Returns {pk: (Decimal, reason)}.  Every bad entry is reported at once:
    the error carries ``errors`` [(field, message)], the first as its own."""
    cleaned = {}
    errors = []
    for criterion in criteria:
        raw, reason = values.get(criterion.pk, (None, ""))
        raw = "" if raw is None else str(raw).strip()
        reason = (reason or "").strip()
        score_field, reason_field = f"score_{criterion.pk}", f"reason_{criterion.pk}"
        name = {"name": criterion.name}
        if raw == "" and not reason:
            if complete:
                errors.append((score_field, _("“%(name)s”: give a score and a reason.") % name))
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        top = criterion_max(criterion)
        if value is None or not value.is_finite():
            errors.append((score_field, _("“%(name)s”: the score must be a number.") % name))
        elif value < 0 or value > top or value != value.quantize(CENT):
            errors.append(
                (
                    score_field,
                    _("“%(name)s”: the score must be between 0 and %(max)s, with at most two decimals.")
                    % {**name, "max": f"{top.normalize():f}"},
                )
            )
        if not reason:
            errors.append((reason_field, _("“%(name)s”: give a short reason for the score.") % name))
        elif len(reason) > REASON_LIMIT:
            errors.append(
                (
                    reason_field,
                    _("“%(name)s”: keep the reason under %(limit)s characters.") % {**name, "limit": REASON_LIMIT},
                )
            )
        cleaned[criterion.pk] = (value, reason)
    if errors:
        error = EvaluationError(errors[0][1], errors[0][0])
        error.errors = errors
        raise error
    return cleaned


def save_scores(project, bid, *, by, values, submit=False):
    """Save (and with ``submit``, submit and lock) the member's sheet on a
    qualified bid."""
    with transaction.atomic():
        project, committee, members = lock_committee(project)
        permissions.require(permissions.can_score(by, project), EvaluationError)
        member = next(m for m in members if m.active and m.evaluator.user_id == by.pk)
        bid = Bid.objects.filter(pk=bid.pk, project=project).first()
        if bid is None or bid.state != Bid.State.QUALIFIED:
            raise EvaluationError(_("Only qualified bids are scored."), code="not_qualified")
        sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(member=member, bid=bid)
        if sheet.state != ScoreSheet.State.DRAFT:
            raise EvaluationError(
                _("This score sheet is submitted and locked; the chair can reopen it."), code="sheet_locked"
            )
        criteria = score_criteria(project)
        cleaned = clean_scores(criteria, values, complete=submit)
        for criterion in criteria:
            if criterion.pk in cleaned:
                value, reason = cleaned[criterion.pk]
                Score.objects.update_or_create(
                    sheet=sheet, criterion=criterion, defaults={"value": value, "reason": reason}
                )
        if submit:
            scores = {score.criterion_id: score.value for score in sheet.scores.all()}
            sheet.total = quantize(sum((points(c, scores[c.pk]) for c in criteria), Decimal(0)))
            sheet.submitted_at = timezone.now()
            sheet.submit(by=by, reason="")
            sheet.save()
            _flag_deviations(committee, bid)
        else:
            record_event("scoresheet.saved", actor=by, obj=sheet)
    return sheet


def _flag_deviations(committee, bid):
    """Once every serving member has submitted on ``bid``, flag the totals
    that deviate from the others' mean by more than the margin."""
    serving = list(active_members(committee))
    sheets = list(ScoreSheet.objects.select_for_update().filter(bid=bid, member__in=serving).order_by("member_id"))
    if len(sheets) < len(serving) or any(s.state != ScoreSheet.State.SUBMITTED for s in sheets):
        return
    flags = deviations([s.total for s in sheets], committee.deviation_margin)
    for sheet, flagged in zip(sheets, flags, strict=True):
        if sheet.flagged != flagged:
            sheet.flagged = flagged
            sheet.flag_confirmed_by = None
            sheet.flag_confirmed_at = None
            sheet.flag_note = ""
            sheet.save(update_fields=["flagged", "flag_confirmed_by", "flag_confirmed_at", "flag_note"])
            if flagged:
                record_event(
                    "scoresheet.flagged",
                    obj=sheet,
                    details={"total": sheet.total, "margin": committee.deviation_margin},
                )


def _committee_sheet(committee, sheet, *related):
    """``sheet`` locked, its member's committee (with its locked project) attached."""
    sheet = ScoreSheet.objects.select_for_update().select_related(*related).get(pk=sheet.pk)
    if sheet.member.committee_id == committee.pk:
        sheet.member.committee = committee
    return sheet


def reopen_sheet(sheet, *, by, reason):
    """The chair reopens a submitted sheet for a correction (reason
    required, audited); a report generated before is superseded."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError(_("Give the reason for reopening the score sheet."), "reason", "reason")
    with transaction.atomic():
        project, committee, members = lock_committee(sheet.bid.project)
        sheet = _committee_sheet(committee, sheet, "member__evaluator__user")
        if sheet.member.committee_id != committee.pk:
            raise EvaluationError(_("Only a submitted sheet can be reopened."), code="not_submitted")
        permissions.require(permissions.can_reopen_sheet(by, sheet), EvaluationError)
        report = current_report(project)
        if report is not None:
            supersede(report, by, reason)
        sheet.reopen(by=by, reason=reason)
        sheet.reopened_count += 1
        sheet.submitted_at = None
        sheet.flagged = False
        sheet.flag_confirmed_by = None
        sheet.flag_confirmed_at = None
        sheet.flag_note = ""
        sheet.save()
        notifications.send(
            messages.SHEET_REOPENED,
            [sheet.member.evaluator.user],
            {"ref": project.ref, "title": project.title, "reason": reason},
            link=evaluation_url(project),
        )
    return sheet


def confirm_deviation(sheet, *, by, note):
    """Confirm that a flagged score stands after reading its reasons."""
    note = (note or "").strip()
    if not note:
        raise EvaluationError(_("Say why the deviating score stands."), "note", "note")
    with transaction.atomic():
        project, committee, members = lock_committee(sheet.bid.project)
        sheet = _committee_sheet(committee, sheet, "member", "bid")
        if sheet.member.committee_id != committee.pk:
            raise EvaluationError(_("Only a flagged, submitted sheet needs this confirmation."), code="not_flagged")
        permissions.require(permissions.can_confirm_deviation(by, sheet), EvaluationError)
        sheet.flag_confirmed_by = by
        sheet.flag_confirmed_at = timezone.now()
        sheet.flag_note = note
        sheet.save(update_fields=["flag_confirmed_by", "flag_confirmed_at", "flag_note"])
        record_event("scoresheet.deviation_confirmed", actor=by, obj=sheet, reason=note)
    return sheet
