"""The evaluation report (评审报告): the chair freezes the ranking into a
PDF once every sheet is in; every serving member confirms it with the
password; a reopened sheet (or an upheld challenge) supersedes it."""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import lockout, notifications
from marketplace.core.audit import record_event
from marketplace.core.pdf import render_pdf
from marketplace.evaluation import messages, permissions
from marketplace.evaluation.models import EvaluationReport, Qualification, ReportConfirmation, ScoreSheet
from marketplace.evaluation.services.committee import CommitteeError, evaluation_url, lock_committee
from marketplace.evaluation.services.ranking import progress, ranking, score_criteria
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.services.projects import notify_officers


class EvaluationError(CommitteeError):
    """An evaluation rule was broken (message for the user, field for the form)."""

    default_code = "evaluation"


def current_report(project):
    """The project's report that is not superseded, or None."""
    return EvaluationReport.objects.filter(project=project, superseded_at__isnull=True).first()


def supersede(report, by, reason):
    """Inside the caller's transaction: ``report`` is no longer current."""
    report.superseded_at = timezone.now()
    report.save(update_fields=["superseded_at"])
    record_event("evaluationreport.superseded", actor=by, obj=report, reason=reason)


def report_facts(project, report=None, *, public=False):
    """Everything the report shows.  ``public`` leaves out what the public
    result does not show: the declarations' details and, unless configured,
    each member's scores."""
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
        project, committee, members = lock_committee(project)
        permissions.require(permissions.can_generate_report(by, project), EvaluationError)
        state = progress(project)
        if state.problems:
            raise EvaluationError(" ".join(str(p) for p in state.problems), code="not_ready")
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
        notifications.send(
            messages.REPORT_GENERATED,
            [m.evaluator.user for m in members if m.active],
            {"ref": project.ref, "title": project.title},
            link=evaluation_url(project),
        )
    return report


def confirm_report(report, *, by, password, request=None):
    """A serving member confirms the report by re-entering the password.

    From a view, ``request`` is given: the password is checked under the
    sign-in lockout (a wrong one counts; a locked account is refused),
    before the transaction, so that a refusal does not roll the count back."""
    password_ok = None
    if request is not None:
        try:
            password_ok = lockout.check_password(request, by, password)
        except lockout.LockedOutError as exc:
            raise EvaluationError(exc.message, "password", "locked_out") from None
    with transaction.atomic():
        project, committee, members = lock_committee(report.project)
        report = EvaluationReport.objects.select_for_update().get(pk=report.pk)
        report.project = project
        decision = permissions.can_confirm_report(by, report)
        if getattr(decision, "code", None) != "already_confirmed":  # the password is checked first
            permissions.require(decision, EvaluationError)
        if password_ok is None:
            password_ok = bool(password) and by.check_password(password)
        if not password_ok:
            raise EvaluationError(_("The password is not correct."), "password", "wrong_password")
        permissions.require(decision, EvaluationError)
        member = next(m for m in members if m.active and m.evaluator.user_id == by.pk)
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
            notify_officers(project, messages.REPORT_CONFIRMED, exclude=[])
    return report
