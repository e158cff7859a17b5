"""Qualification review (资格审查), scoring, ranking and the evaluation
report (评审报告).

The price score is computed, never entered:
    price score = lowest valid price ÷ bid price × price weight
A non-price criterion is scored 0..its maximum and counts
``score × weight ÷ maximum`` points; a member's non-price total is the sum.
A bid's total = price score + the mean of the members' non-price totals.
Ranking: total (higher first), then price (lower first), then the non-price
mean (higher first), then the earlier submission.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.core import events, notifications
from marketplace.core.audit import record_event
from marketplace.core.pdf import render_pdf
from marketplace.evaluation.models import EvaluationReport, Qualification, ReportConfirmation, Score, ScoreSheet
from marketplace.evaluation.services.committee import CommitteeError, _lock_committee, active_members, evaluation_url
from marketplace.organizations.services import entry_standards
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.services import projects as project_services
from marketplace.procurement.services.projects import _notify_officers, _require_officer

CENT = Decimal("0.01")
REASON_LIMIT = 1000


class EvaluationError(CommitteeError):
    """An evaluation rule was broken (message for the user, field for the form)."""


def _q(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- ranking (pure) -------------------------------------------------------------------------


@dataclass
class Entry:
    bid_id: int
    organization: str
    price: Decimal
    member_totals: list  # Decimal non-price totals, one per member
    submitted_at: object = None
    price_score: Decimal = Decimal(0)
    non_price: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    rank: int = 0
    extra: dict = field(default_factory=dict)


def price_score(lowest, price, weight):
    """Lowest valid price ÷ this price × the price weight, to the cent."""
    return _q(Decimal(lowest) / Decimal(price) * Decimal(weight))


def rank(entries, price_weight):
    """Score and order ``entries`` (qualified bids); returns them ranked 1..n."""
    entries = list(entries)
    if not entries:
        return []
    lowest = min(entry.price for entry in entries)
    for entry in entries:
        entry.price_score = price_score(lowest, entry.price, price_weight)
        totals = entry.member_totals
        entry.non_price = _q(sum(totals, Decimal(0)) / len(totals)) if totals else Decimal("0.00")
        entry.total = entry.price_score + entry.non_price
    entries.sort(key=lambda e: (-e.total, e.price, -e.non_price, e.submitted_at or timezone.now(), e.bid_id))
    for position, entry in enumerate(entries, start=1):
        entry.rank = position
    return entries


def deviations(totals, margin):
    """For each member's total, whether it differs from the mean of the
    other members' totals by more than ``margin``."""
    flags = []
    for index, total in enumerate(totals):
        others = totals[:index] + totals[index + 1 :]
        if not others:
            flags.append(False)
            continue
        mean = sum(others, Decimal(0)) / len(others)
        flags.append(abs(total - mean) > margin)
    return flags


def criterion_max(criterion):
    return criterion.max_score if criterion.max_score is not None else criterion.weight


def points(criterion, value):
    """What a score on a criterion counts, in points of the rubric's 100."""
    return Decimal(value) * criterion.weight / criterion_max(criterion)


# --- qualification ----------------------------------------------------------------------------


def opened_bids(project):
    from marketplace.evaluation.services.committee import DECLARED_STATES

    return list(
        Bid.objects.filter(project=project, state__in=DECLARED_STATES)
        .select_related("organization", "current_version")
        .order_by("current_version__submitted_at", "pk")
    )


def entry_result(project, bid):
    """The automatic entry-standard result, as on the day of the opening."""
    day = timezone.localdate(project.opened_at) if project.opened_at else timezone.localdate()
    return entry_standards.check(project.entry_standard, bid.organization, today=day)


def _current_report(project):
    return EvaluationReport.objects.filter(project=project, superseded_at__isnull=True).first()


def review_qualification(project, *, by, decisions):
    """The officer's qualification review of every opened bid: ``decisions``
    maps a bid's pk to (meets the call's requirements: bool, reasons).  A bid
    passes only with the entry standard met too.  Too few qualified bids
    fail the project (流标)."""
    with transaction.atomic():
        _require_officer(by)
        project, committee, _members = _lock_committee(project)
        if project.state != Project.State.EVALUATING:
            raise EvaluationError(_("The qualification review takes place during the evaluation."))
        if _current_report(project) is not None:
            raise EvaluationError(_("The evaluation report is out: the qualification review is closed."))
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
                    _("Decide on every bid; missing: %(name)s.") % {"name": bid.organization.name}, "decisions"
                )
            manual, reason = decisions[bid.pk]
            reason = (reason or "").strip()
            if not reason:
                raise EvaluationError(
                    _("Give the reasons for %(name)s.") % {"name": bid.organization.name}, "decisions"
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
            from marketplace.procurement.services.bids import notify_bidders

            notify_bidders(
                project,
                subject=_("%(ref)s: your bid did not pass the qualification review") % {"ref": project.ref},
                body=_("The reasons are in your bid's page. You may challenge the result once it is published."),
                only=disqualified,
            )
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
    from marketplace.procurement.services.bids import notify_bidders

    notify_bidders(
        project,
        subject=_("%(ref)s: too few qualified bids, the call failed") % {"ref": project.ref},
        body=reason,
        states=(Bid.State.QUALIFIED, Bid.State.DISQUALIFIED),
    )
    return True


# --- scoring ----------------------------------------------------------------------------------


def _member_of(members, by):
    member = next((m for m in members if m.active and m.evaluator.user_id == getattr(by, "pk", None)), None)
    if member is None:
        raise EvaluationError(_("You are not serving on this committee."))
    return member


def _chair_of(members, by):
    member = _member_of(members, by)
    if not member.is_chair:
        raise EvaluationError(_("Only the chair of the committee may do this."))
    return member


def _require_scoring(project, committee, member):
    if project.state != Project.State.EVALUATING:
        raise EvaluationError(_("Scoring takes place during the evaluation."))
    if member.declared_at is None:
        raise EvaluationError(_("Declare your interests before you read or score any bid."))
    if committee.qualification_done_at is None:
        raise EvaluationError(_("The qualification review is not finished yet."))


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


def score_criteria(project):
    return list(project.criteria.filter(is_price=False).order_by("position", "pk"))


def save_scores(project, bid, *, by, values, submit=False):
    """Save (and with ``submit``, submit and lock) the member's sheet on a
    qualified bid."""
    with transaction.atomic():
        project, committee, members = _lock_committee(project)
        member = _member_of(members, by)
        _require_scoring(project, committee, member)
        bid = Bid.objects.filter(pk=bid.pk, project=project).first()
        if bid is None or bid.state != Bid.State.QUALIFIED:
            raise EvaluationError(_("Only qualified bids are scored."))
        sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(member=member, bid=bid)
        if sheet.state != ScoreSheet.State.DRAFT:
            raise EvaluationError(_("This score sheet is submitted and locked; the chair can reopen it."))
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
            sheet.total = _q(sum((points(c, scores[c.pk]) for c in criteria), Decimal(0)))
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


def reopen_sheet(sheet, *, by, reason):
    """The chair reopens a submitted sheet for a correction (reason
    required, audited); a report generated before is superseded."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError(_("Give the reason for reopening the score sheet."), "reason")
    with transaction.atomic():
        project, committee, members = _lock_committee(sheet.bid.project)
        _chair_of(members, by)
        if project.state != Project.State.EVALUATING:
            raise EvaluationError(_("Score sheets can be reopened only during the evaluation."))
        sheet = ScoreSheet.objects.select_for_update().select_related("member__evaluator__user").get(pk=sheet.pk)
        if sheet.member.committee_id != committee.pk or sheet.state != ScoreSheet.State.SUBMITTED:
            raise EvaluationError(_("Only a submitted sheet can be reopened."))
        report = _current_report(project)
        if report is not None:
            _supersede(report, by, reason)
        sheet.reopen(by=by, reason=reason)
        sheet.reopened_count += 1
        sheet.submitted_at = None
        sheet.flagged = False
        sheet.flag_confirmed_by = None
        sheet.flag_confirmed_at = None
        sheet.flag_note = ""
        sheet.save()
        notifications.notify_users(
            [sheet.member.evaluator.user],
            subject=_("%(ref)s: your score sheet was reopened") % {"ref": project.ref},
            body=_("The chair reopened your score sheet for a correction: %(reason)s") % {"reason": reason},
            link=evaluation_url(project),
        )
    return sheet


def may_confirm_deviation(member, sheet):
    """The chair confirms a flagged sheet; the chair's own flagged sheet is
    confirmed by another serving member.  Either way the confirming member
    has submitted his own sheet on that bid (and so may read this one)."""
    if member is None or not member.active or sheet.member_id == member.pk:
        return False
    if not (member.is_chair or sheet.member.is_chair):
        return False
    return member_sheets_visible(member, sheet.bid)


def confirm_deviation(sheet, *, by, note):
    """Confirm that a flagged score stands after reading its reasons."""
    note = (note or "").strip()
    if not note:
        raise EvaluationError(_("Say why the deviating score stands."), "note")
    with transaction.atomic():
        project, committee, members = _lock_committee(sheet.bid.project)
        member = _member_of(members, by)
        sheet = ScoreSheet.objects.select_for_update().select_related("member", "bid").get(pk=sheet.pk)
        if sheet.member.committee_id != committee.pk or not sheet.flagged or sheet.state != ScoreSheet.State.SUBMITTED:
            raise EvaluationError(_("Only a flagged, submitted sheet needs this confirmation."))
        if not may_confirm_deviation(member, sheet):
            raise EvaluationError(
                _(
                    "The chair confirms a deviating score, after submitting his own sheet on the bid; the chair's "
                    "own deviating score is confirmed by another member."
                )
            )
        sheet.flag_confirmed_by = by
        sheet.flag_confirmed_at = timezone.now()
        sheet.flag_note = note
        sheet.save(update_fields=["flag_confirmed_by", "flag_confirmed_at", "flag_note"])
        record_event("scoresheet.deviation_confirmed", actor=by, obj=sheet, reason=note)
    return sheet


# --- progress, ranking and the report ----------------------------------------------------------


@dataclass
class Progress:
    serving: list
    qualified: list
    sheets: dict  # (member_id, bid_id) -> ScoreSheet
    problems: list

    @property
    def ready(self):
        return not self.problems


def progress(project):
    """What stands between the committee and its report."""
    committee = getattr(project, "committee", None)
    problems = []
    if committee is None:
        return Progress([], [], {}, [_("No committee yet.")])
    serving = list(active_members(committee))
    qualified = list(
        Bid.objects.filter(project=project, state=Bid.State.QUALIFIED)
        .select_related("organization", "current_version")
        .order_by("current_version__submitted_at", "pk")
    )
    sheets = {
        (s.member_id, s.bid_id): s
        for s in ScoreSheet.objects.filter(member__in=serving, bid__in=qualified).select_related("member__evaluator")
    }
    if len(serving) < committee.size:
        problems.append(_("%(count)s of %(size)s seats are filled.") % {"count": len(serving), "size": committee.size})
    if not any(m.is_chair for m in serving):
        problems.append(_("The committee has no chair."))
    undeclared = [m.evaluator.name for m in serving if m.declared_at is None]
    if undeclared:
        problems.append(_("Not yet declared: %(names)s.") % {"names": "、".join(undeclared)})
    if committee.qualification_done_at is None:
        problems.append(_("The qualification review is not finished."))
    missing = sum(
        1
        for m in serving
        for b in qualified
        if (m.pk, b.pk) not in sheets or sheets[(m.pk, b.pk)].state != ScoreSheet.State.SUBMITTED
    )
    if missing:
        problems.append(
            ngettext("%(count)s score sheet is not submitted.", "%(count)s score sheets are not submitted.", missing)
            % {"count": missing}
        )
    unconfirmed = sum(1 for s in sheets.values() if s.flagged and s.flag_confirmed_at is None)
    if unconfirmed:
        problems.append(
            ngettext(
                "%(count)s deviating score awaits the chair's confirmation.",
                "%(count)s deviating scores await the chair's confirmation.",
                unconfirmed,
            )
            % {"count": unconfirmed}
        )
    return Progress(serving, qualified, sheets, problems)


def ranking(project, state=None):
    """The current ranking from the submitted sheets of serving members."""
    state = state or progress(project)
    price = project.criteria.filter(is_price=True).first()
    weight = price.weight if price else Decimal(0)
    entries = []
    for bid in state.qualified:
        totals = [
            state.sheets[(m.pk, bid.pk)].total
            for m in state.serving
            if (m.pk, bid.pk) in state.sheets and state.sheets[(m.pk, bid.pk)].state == ScoreSheet.State.SUBMITTED
        ]
        entries.append(
            Entry(
                bid_id=bid.pk,
                organization=bid.organization.name,
                price=bid.current_version.price,
                member_totals=totals,
                submitted_at=bid.current_version.submitted_at,
                extra={"organization_id": bid.organization_id},
            )
        )
    return rank(entries, weight)


def _supersede(report, by, reason):
    report.superseded_at = timezone.now()
    report.save(update_fields=["superseded_at"])
    record_event("evaluationreport.superseded", actor=by, obj=report, reason=reason)


def report_facts(project, report=None, *, public=False):
    """Everything the report shows.  ``public`` leaves out what the public
    result does not show: the declarations' details and, unless configured,
    each member's scores."""
    from django.conf import settings

    committee = project.committee
    members = list(committee.members.select_related("evaluator").order_by("-is_chair", "joined_at", "pk"))
    serving = [m for m in members if m.active]
    rows = report.ranking if report is not None else [_row(e) for e in ranking(project)]
    qualifications = list(
        Qualification.objects.filter(bid__project=project).select_related("bid__organization").order_by("bid__pk")
    )
    declarations = {}
    for member in members:
        declarations[member.pk] = list(member.declarations.select_related("bid__organization").order_by("bid__pk"))
        member.conflicts = [d for d in declarations[member.pk] if d.conflict]
    criteria = score_criteria(project)
    # The public sees members' sheets only if configured, and only those of
    # the report the award rests on (not new ones from a re-evaluation).
    show_sheets = not public or (
        settings.RESULTS_PUBLISH_MEMBER_SCORES and report is not None and report.superseded_at is None
    )
    sheets = []
    if show_sheets:
        for member in serving:
            member_sheets = []
            for sheet in (
                ScoreSheet.objects.filter(
                    member=member,
                    state=ScoreSheet.State.SUBMITTED,
                    bid__state__in=(Bid.State.QUALIFIED, Bid.State.AWARDED, Bid.State.NOT_AWARDED),
                )
                .select_related("bid__organization")
                .prefetch_related("scores")
                .order_by("bid__pk")
            ):
                by_criterion = {score.criterion_id: score for score in sheet.scores.all()}
                member_sheets.append({"sheet": sheet, "scores": [(c, by_criterion.get(c.pk)) for c in criteria]})
            sheets.append({"member": member, "sheets": member_sheets})
    price = project.criteria.filter(is_price=True).first()
    return {
        "project": project,
        "report": report,
        "committee": committee,
        "members": members,
        "serving": serving,
        "rows": rows,
        "qualifications": qualifications,
        "declarations": declarations,
        "criteria": criteria,
        "price_criterion": price,
        "sheets": sheets,
        "show_sheets": show_sheets,
        "public": public,
        "confirmations": list(report.confirmations.select_related("member__evaluator")) if report and report.pk else [],
    }


def _row(entry):
    return {
        "rank": entry.rank,
        "bid": entry.bid_id,
        "organization": entry.organization,
        "organization_id": entry.extra.get("organization_id"),
        "price": f"{entry.price:.2f}",
        "price_score": f"{entry.price_score:.2f}",
        "non_price": f"{entry.non_price:.2f}",
        "total": f"{entry.total:.2f}",
        "member_totals": [f"{t:.2f}" for t in entry.member_totals],
    }


def render_report_pdf(project, report, *, public=False):
    return render_pdf("pdf/evaluation_report.html", report_facts(project, report, public=public))


def generate_report(project, *, by):
    """The chair freezes the ranking into the evaluation report (PDF) once
    every sheet is in; every member then confirms it."""
    with transaction.atomic():
        project, committee, members = _lock_committee(project)
        _chair_of(members, by)
        if project.state != Project.State.EVALUATING:
            raise EvaluationError(_("The report is generated during the evaluation."))
        if _current_report(project) is not None:
            raise EvaluationError(_("The report is already generated; reopen a score sheet to change it."))
        state = progress(project)
        if state.problems:
            raise EvaluationError(" ".join(str(p) for p in state.problems))
        rows = [_row(entry) for entry in ranking(project, state)]
        number = EvaluationReport.objects.filter(project=project).count() + 1
        report = EvaluationReport(
            project=project,
            number=number,
            ranking=rows,
            recommended_bid_id=rows[0]["bid"] if rows else None,
            generated_by=by,
            generated_at=timezone.now(),
        )
        body = render_report_pdf(project, report)
        report.sha256 = hashlib.sha256(body).hexdigest()
        report.pdf.save(f"{project.ref}-report-{number}.pdf", ContentFile(body), save=False)
        report.save()
        record_event(
            "evaluationreport.generated",
            actor=by,
            obj=report,
            details={"project": project.ref, "number": number, "sha256": report.sha256, "ranking": rows},
        )
        notifications.notify_users(
            [m.evaluator.user for m in members if m.active],
            subject=_("%(ref)s: confirm the evaluation report") % {"ref": project.ref},
            body=_("The chair generated the evaluation report. Read it and confirm it with your password."),
            link=evaluation_url(project),
        )
    return report


def current_report(project):
    return _current_report(project)


def confirm_report(report, *, by, password, request=None):
    """A serving member confirms the report by re-entering the password.

    From a view, ``request`` is given: the password is checked under the
    sign-in lockout (a wrong one counts; a locked account is refused),
    before the transaction, so that a refusal does not roll the count back."""
    password_ok = None
    if request is not None:
        from marketplace.core import lockout

        try:
            password_ok = lockout.check_password(request, by, password)
        except lockout.LockedOutError as exc:
            raise EvaluationError(exc.message, "password") from None
    with transaction.atomic():
        project, committee, members = _lock_committee(report.project)
        member = _member_of(members, by)
        report = EvaluationReport.objects.select_for_update().get(pk=report.pk)
        if report.superseded_at is not None or project.state != Project.State.EVALUATING:
            raise EvaluationError(_("This report is no longer current."))
        if password_ok is None:
            password_ok = bool(password) and by.check_password(password)
        if not password_ok:
            raise EvaluationError(_("The password is not correct."), "password")
        if ReportConfirmation.objects.filter(report=report, member=member).exists():
            raise EvaluationError(_("You have already confirmed this report."))
        ReportConfirmation.objects.create(report=report, member=member, confirmed_at=timezone.now())
        record_event(
            "evaluationreport.confirmed",
            actor=by,
            obj=report,
            details={"member": member.evaluator_id, "sha256": report.sha256, "method": "password"},
        )
        serving = {m.pk for m in members if m.active}
        confirmed = set(ReportConfirmation.objects.filter(report=report).values_list("member_id", flat=True))
        if serving <= confirmed and report.confirmed_at is None:
            report.confirmed_at = timezone.now()
            report.save(update_fields=["confirmed_at"])
            record_event("evaluationreport.complete", obj=report, details={"project": project.ref})
            _notify_officers(
                project,
                exclude=[],
                subject=_("%(ref)s: the evaluation report is confirmed") % {"ref": project.ref},
                body=_("Every member confirmed the evaluation report. The project can be awarded."),
            )
    return report


def member_sheets_visible(member, bid):
    """A member sees the others' scores on a bid only after submitting his own."""
    return ScoreSheet.objects.filter(member=member, bid=bid, state=ScoreSheet.State.SUBMITTED).exists()
