"""The procurement officers' side of evaluation, award and challenges
(/work/projects/<ref>/evaluation/ and /work/projects/challenges/).

After the opening an officer forms the committee (a recorded random draw
from the evaluator pool, or members appointed by name with a reason), sets
its chair, fills a vacant seat, reviews each bid's qualification, follows the
committee's progress (no scores before the report), reads the evaluation
report, awards the next-in-line bid of the confirmed report, records a
decline or a disqualification, and answers and decides challenges.  Every
change goes through ``marketplace.evaluation.services.committee``, ``.evaluation`` and
``.awards``; a broken rule comes back as a ``ProjectError`` shown on its
field, and nothing changes.  Bids are read through
``marketplace.procurement.selectors.bids``.
"""

from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core.models.audit import AuditEvent
from marketplace.core.reauth import reauth_required
from marketplace.evaluation.forms import awards as forms
from marketplace.evaluation.models import (
    Challenge,
    ChallengeDocument,
    Committee,
    CommitteeMember,
    EvaluationReport,
    Evaluator,
    Qualification,
)
from marketplace.evaluation.services import awards as award_services
from marketplace.evaluation.services import committee as committee_services
from marketplace.evaluation.services import scoring as evaluation_services
from marketplace.organizations.services import documents as document_services
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.selectors import work as selectors
from marketplace.procurement.services.projects import ProjectError
from marketplace.procurement.views.projects import _load, _pdf_response, officer_required

PER_PAGE = 20
TEMPLATE = "marketplace/procurement/projects/evaluation.html"
DRAW_ACTIONS = ("committee.formed", "committee.replacement_drawn", "committee.replacement_unavailable")

DRAW_LABELS = {
    "committee.formed": gettext_lazy("Committee drawn"),
    "committee.replacement_drawn": gettext_lazy("Replacement drawn"),
    "committee.replacement_unavailable": gettext_lazy("No evaluator left to draw as a replacement"),
}

CHALLENGE_ACTIONS = {
    "challenge.filed": gettext_lazy("Challenge filed"),
    "challenge.mark_answered": gettext_lazy("Answered"),
    "challenge.uphold": gettext_lazy("Upheld"),
    "challenge.dismiss": gettext_lazy("Dismissed"),
}


def _evaluation_url(project, anchor=""):
    url = reverse("projects:evaluation", args=[project.ref])
    return f"{url}#{anchor}" if anchor else url


def _challenge_url(challenge):
    return reverse("projects:challenge", args=[challenge.project.ref, challenge.pk])


# --- working days, in words ------------------------------------------------------------------------


def answer_time(deadline, now=None):
    """How long the officer has left to answer (working days)."""
    days = award_services.working_time_left(deadline, now)
    if days > 0:
        text = _("Working days left: %(count)s") % {"count": days}
    elif days == 0:
        text = _("Due today (its last working day)")
    else:
        text = _("Overdue by %(count)s working days") % {"count": -days}
    return {"days": days, "overdue": days < 0, "text": text}


def period_time(deadline, now=None):
    """How long the challenge period still runs (working days)."""
    days = award_services.working_time_left(deadline, now)
    if days > 0:
        text = _("Working days left: %(count)s") % {"count": days}
    elif days == 0:
        text = _("Ends today (its last working day)")
    else:
        text = _("The challenge period is over.")
    return {"days": days, "over": days < 0, "text": text}


# --- the evaluation page ------------------------------------------------------------------------------


def _officer_bids(user, project):
    """The project's opened bids, through the sealed-bid selector."""
    return list(
        bid_selectors.opened_bids(user, project)
        .filter(state__in=bid_selectors.OPENED_STATES)
        .select_related("organization", "current_version")
        .order_by("current_version__submitted_at", "pk")
    )


def _serving_members(project):
    return CommitteeMember.objects.filter(
        committee__project=project, status=CommitteeMember.Status.ACTIVE
    ).select_related("evaluator")


def _committee_form(project, data=None):
    return forms.CommitteeForm(
        data,
        initial=None if data is not None else {"expertise": list(committee_services.default_expertise(project))},
        size=project.method.committee_size or 0,
        evaluators=committee_services.eligible_evaluators(project).order_by("name", "pk"),
        prefix="committee",
    )


def _draws(committee):
    events = list(
        AuditEvent.objects.filter(
            object_type="marketplace.committee", object_id=str(committee.pk), action__in=DRAW_ACTIONS
        ).order_by("created_at", "pk")
    )
    ids = {pk for event in events for pk in (event.details or {}).get("drawn", [])}
    names = {e.pk: e.name for e in Evaluator.objects.filter(pk__in=ids)}
    draws = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        drawn = details.get("drawn") or []
        draws.append(
            {
                "event": event,
                "label": DRAW_LABELS.get(event.action, event.action),
                "seed": details.get("seed", ""),
                "candidates": details.get("candidates") or [],
                "drawn": [{"pk": pk, "name": names.get(pk, "")} for pk in drawn],
                "count": len(drawn),
            }
        )
    return draws


def _ranking_rows(project, report):
    rows, chosen = award_services.next_in_line(project, report)
    for row in rows:
        bid = row["bid_obj"]
        if bid is None:
            row["status"], row["status_key"] = "—", ""
        elif bid.declined_at is not None:
            row["status"], row["status_key"] = _("Declined"), "declined"
        elif row["available"]:
            row["status"], row["status_key"] = _("Available"), "available"
        else:
            row["status"], row["status_key"] = bid.get_state_display(), bid.state
        row["recommended"] = row["bid"] == report.recommended_bid_id
    return rows, chosen


def _committee_context(request, project, committee, bound):
    context = {}
    state = project.state
    if committee is None:
        if state == project.State.CLOSED:
            eligible = committee_services.eligible_evaluators(project)
            default = list(committee_services.default_expertise(project))
            context.update(
                {
                    "committee_form": bound.get("committee") or _committee_form(project),
                    "eligible_count": eligible.count(),
                    "eligible_default_count": committee_services.eligible_evaluators(
                        project, expertise=default
                    ).count(),
                    "default_expertise": default,
                }
            )
        return context
    members = list(
        committee.members.select_related("evaluator").order_by("-is_chair", "joined_at", "pk"),
    )
    serving = [m for m in members if m.active]
    context.update(
        {
            "members": members,
            "serving_count": len(serving),
            "expertise": list(committee.expertise.all()),
            "draws": _draws(committee),
        }
    )
    if state == project.State.EVALUATING:
        chair = next((m for m in serving if m.is_chair), None)
        context["chair_form"] = bound.get("chair") or forms.ChairForm(
            initial={"member": chair.pk if chair else None}, members=_serving_members(project), prefix="chair"
        )
        if len(serving) < committee.size:
            context["appoint_form"] = bound.get("appoint") or forms.AppointForm(
                evaluators=committee_services.eligible_evaluators(project), prefix="appoint"
            )
    return context


def _qualification_context(request, project, committee, report, bound):
    bids = _officer_bids(request.user, project)
    qualifications = {q.bid_id: q for q in Qualification.objects.filter(bid_id__in=[b.pk for b in bids])}
    context = {
        "qualification_rows": [
            {"bid": bid, "qualification": qualifications.get(bid.pk)} for bid in bids if bid.pk in qualifications
        ],
    }
    if project.state == project.State.EVALUATING and committee is not None and report is None:
        results = {bid.pk: evaluation_services.entry_result(project, bid) for bid in bids}
        form = bound.get("qualification") or forms.QualificationForm(
            bids=bids, results=results, qualifications=qualifications, prefix="qualification"
        )
        form.results = results
        context["qualification_form"] = form
    return context


def _award_context(request, project, report, bound):
    context = {}
    awards = list(project.awards.select_related("bid__organization", "awarded_by", "report").order_by("-awarded_at"))
    live = next((a for a in awards if a.cancelled_at is None), None)
    context["cancelled_awards"] = [a for a in awards if a.cancelled_at is not None]
    if live is not None:
        rows, _chosen = _ranking_rows(project, live.report)
        challenges = list(project.challenges.select_related("organization").order_by("filed_at", "pk"))
        if project.state == project.State.AWARDED:
            pk = live.bid_id
            context["winner_decline_form"] = bound.get(("decline", pk)) or forms.DeclineForm(prefix=f"decline-{pk}")
        context.update(
            {
                "award": live,
                "award_rows": rows,
                "period": period_time(live.challenge_deadline),
                "contract_blocked": award_services.contract_blocked_reason(project)
                if project.state == project.State.AWARDED
                else None,
                "challenges": [
                    {"challenge": c, "left": answer_time(c.answer_due) if c.state == c.State.SUBMITTED else None}
                    for c in challenges
                ],
            }
        )
        return context
    if project.state != project.State.EVALUATING or report is None or report.confirmed_at is None:
        return context
    rows, chosen = _ranking_rows(project, report)
    recommended = chosen is None or chosen.pk == report.recommended_bid_id
    for row in rows:
        if row["available"]:
            pk = row["bid"]
            row["decline_form"] = bound.get(("decline", pk)) or forms.DeclineForm(prefix=f"decline-{pk}")
            row["disqualify_form"] = bound.get(("disqualify", pk)) or forms.DisqualifyForm(prefix=f"disqualify-{pk}")
    context.update(
        {
            "ranking_rows": rows,
            "chosen": chosen,
            "recommended_row": next((row for row in rows if row["recommended"]), None),
            "chosen_is_recommended": recommended,
            "award_form": (
                bound.get("award") or forms.AwardForm(initial={"bid": chosen.pk}, recommended=recommended)
                if chosen is not None
                else None
            ),
        }
    )
    return context


def _evaluation_context(request, project, *, bound=None):
    bound = bound or {}
    context = {"project": project}
    if project.opened_at is None:
        return context
    committee = Committee.objects.filter(project=project).select_related("formed_by").first()
    reports = list(EvaluationReport.objects.filter(project=project).select_related("generated_by").order_by("-number"))
    report = next((r for r in reports if r.superseded_at is None), None)
    context.update(
        {
            "committee": committee,
            "reports": reports,
            "report": report,
            "confirmations": list(report.confirmations.select_related("member__evaluator")) if report else [],
        }
    )
    context.update(_committee_context(request, project, committee, bound))
    if committee is not None:
        context.update(_qualification_context(request, project, committee, report, bound))
        if project.state == project.State.EVALUATING:
            context["progress"] = evaluation_services.progress(project)
    context.update(_award_context(request, project, report, bound))
    return context


@never_cache
@officer_required
def evaluation(request, ref):
    project = _load(ref)
    return render(request, TEMPLATE, _evaluation_context(request, project))


def _act(request, project, name, form, call, success, anchor):
    """Run one action of the evaluation page: on success back to the page;
    on a broken rule the page again with the form's errors (status 200)."""
    if form.is_valid():
        try:
            call(form)
        except ProjectError as error:
            form.add_service_error(error)
            messages.error(request, _("Nothing was changed: %(message)s") % {"message": error.message})
        else:
            messages.success(request, success)
            return redirect(_evaluation_url(project, anchor))
    else:
        messages.error(request, _("Nothing was changed: correct the form below."))
    project = selectors.project_for_officer(project.ref)
    return render(request, TEMPLATE, _evaluation_context(request, project, bound={name: form}))


def _post_only(request, project):
    return None if request.method == "POST" else redirect(_evaluation_url(project))


@officer_required
@reauth_required
def form_committee(request, ref):
    project = _load(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        committee_services.form_committee(
            project,
            by=request.user,
            expertise=form.cleaned_data["expertise"],
            appointments=form.appointments(),
        )

    return _act(
        request,
        project,
        "committee",
        _committee_form(project, request.POST),
        call,
        _("The committee was formed. Its members are asked to declare their interests."),
        "committee",
    )


@officer_required
def set_chair(request, ref):
    project = _load(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        committee_services.set_chair(project, by=request.user, member=form.cleaned_data["member"])

    return _act(
        request,
        project,
        "chair",
        forms.ChairForm(request.POST, members=_serving_members(project), prefix="chair"),
        call,
        _("The chair was changed."),
        "committee",
    )


@officer_required
@reauth_required
def appoint(request, ref):
    project = _load(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        committee_services.appoint_member(
            project, by=request.user, evaluator=form.cleaned_data["evaluator"], reason=form.cleaned_data["reason"]
        )

    return _act(
        request,
        project,
        "appoint",
        forms.AppointForm(request.POST, evaluators=committee_services.eligible_evaluators(project), prefix="appoint"),
        call,
        _("The member was appointed and asked to declare."),
        "committee",
    )


@officer_required
@reauth_required
def qualification(request, ref):
    project = _load(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        evaluation_services.review_qualification(project, by=request.user, decisions=form.decisions())

    return _act(
        request,
        project,
        "qualification",
        forms.QualificationForm(
            request.POST, bids=_officer_bids(request.user, project), results={}, prefix="qualification"
        ),
        call,
        _("The qualification review was recorded."),
        "qualification",
    )


@officer_required
@reauth_required
def award(request, ref):
    project = _load(ref)
    if (response := _post_only(request, project)) is not None:
        return response
    report = evaluation_services.current_report(project)
    chosen = award_services.next_in_line(project, report)[1] if report is not None else None
    recommended = chosen is None or chosen.pk == report.recommended_bid_id
    form = forms.AwardForm(request.POST, recommended=recommended)

    def call(form):
        bid = bid_selectors.opened_bids(request.user, project).filter(pk=form.cleaned_data["bid"]).first()
        if bid is None:
            raise award_services.AwardError(_("That bid is not one of this project's opened bids."), "bid")
        award_services.award(project, bid, by=request.user, reason=form.cleaned_data.get("reason", ""))

    return _act(
        request,
        project,
        "award",
        form,
        call,
        _("The project was awarded. Bidders are notified and the challenge period runs."),
        "award",
    )


def _ranked_bid(request, project, bid_pk):
    bid = bid_selectors.opened_bids(request.user, project).filter(pk=bid_pk).select_related("organization").first()
    if bid is None:
        raise Http404
    return bid


@officer_required
@reauth_required
def decline(request, ref, bid_pk):
    project = _load(ref)
    bid = _ranked_bid(request, project, bid_pk)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        award_services.record_decline(bid, by=request.user, reason=form.cleaned_data["reason"])

    return _act(
        request,
        project,
        ("decline", bid.pk),
        forms.DeclineForm(request.POST, prefix=f"decline-{bid.pk}"),
        call,
        _("The decline of %(name)s was recorded.") % {"name": bid.organization.name},
        "award",
    )


@officer_required
@reauth_required
def disqualify(request, ref, bid_pk):
    project = _load(ref)
    bid = _ranked_bid(request, project, bid_pk)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        award_services.disqualify_ranked(bid, by=request.user, reason=form.cleaned_data["reason"])

    return _act(
        request,
        project,
        ("disqualify", bid.pk),
        forms.DisqualifyForm(request.POST, prefix=f"disqualify-{bid.pk}"),
        call,
        _("The bid of %(name)s was disqualified.") % {"name": bid.organization.name},
        "award",
    )


@never_cache
@officer_required
def report_pdf(request, ref, number):
    project = _load(ref)
    report = EvaluationReport.objects.filter(project=project, number=number).first()
    if report is None or not report.pdf:
        raise Http404
    return _pdf_response(report.pdf, f"{project.ref}-evaluation-report-{report.number}.pdf")


# --- challenges ------------------------------------------------------------------------------------


def _challenge(project, pk):
    challenge = (
        Challenge.objects.filter(project=project, pk=pk)
        .select_related("organization", "award__bid__organization", "filed_by", "answered_by", "decided_by")
        .first()
    )
    if challenge is None:
        raise Http404
    challenge.project = project
    return challenge


def _challenge_history(challenge):
    rows = []
    events = AuditEvent.objects.filter(object_type="marketplace.challenge", object_id=str(challenge.pk))
    for event in events.select_related("actor").order_by("created_at", "pk"):
        rows.append(
            {
                "event": event,
                "action": CHALLENGE_ACTIONS.get(event.action, event.action),
                "actor": event.actor.display_name if event.actor else (event.actor_label or _("The platform")),
            }
        )
    return rows


def _challenge_context(challenge, *, bound=None):
    bound = bound or {}
    state = challenge.state
    return {
        "project": challenge.project,
        "challenge": challenge,
        "documents": list(challenge.documents.all()),
        "left": answer_time(challenge.answer_due) if state == Challenge.State.SUBMITTED else None,
        "answer_form": bound.get("answer") or forms.ChallengeAnswerForm(prefix="answer")
        if state == Challenge.State.SUBMITTED
        else None,
        "decision_form": bound.get("decide") or forms.ChallengeDecisionForm(prefix="decide")
        if state == Challenge.State.ANSWERED
        else None,
        "history": _challenge_history(challenge),
    }


@never_cache
@officer_required
def challenge(request, ref, pk):
    project = _load(ref)
    return render(
        request, "marketplace/procurement/projects/challenge.html", _challenge_context(_challenge(project, pk))
    )


def _challenge_act(request, challenge, name, form, call, success):
    if request.method != "POST":
        return redirect(_challenge_url(challenge))
    if form.is_valid():
        try:
            call(form)
        except ProjectError as error:
            form.add_service_error(error)
            messages.error(request, _("Nothing was changed: %(message)s") % {"message": error.message})
        else:
            messages.success(request, success)
            return redirect(_challenge_url(challenge))
    else:
        messages.error(request, _("Nothing was changed: correct the form below."))
    challenge = _challenge(challenge.project, challenge.pk)
    return render(
        request, "marketplace/procurement/projects/challenge.html", _challenge_context(challenge, bound={name: form})
    )


@officer_required
@reauth_required
def answer_challenge(request, ref, pk):
    found = _challenge(_load(ref), pk)

    def call(form):
        award_services.answer_challenge(found, by=request.user, answer=form.cleaned_data["answer"])

    return _challenge_act(
        request,
        found,
        "answer",
        forms.ChallengeAnswerForm(request.POST if request.method == "POST" else None, prefix="answer"),
        call,
        _("The answer was sent to the organization."),
    )


@officer_required
@reauth_required
def decide_challenge(request, ref, pk):
    found = _challenge(_load(ref), pk)

    def call(form):
        award_services.decide_challenge(
            found,
            by=request.user,
            upheld=form.upheld,
            reason=form.cleaned_data["reason"],
            remedy=form.cleaned_data["remedy"] if form.upheld else "",
        )

    return _challenge_act(
        request,
        found,
        "decide",
        forms.ChallengeDecisionForm(request.POST if request.method == "POST" else None, prefix="decide"),
        call,
        _("The decision was recorded and the organization is told."),
    )


@never_cache
@officer_required
def challenge_document(request, ref, pk, doc_pk):
    found = _challenge(_load(ref), pk)
    document = ChallengeDocument.objects.filter(challenge=found, pk=doc_pk).first()
    if document is None:
        raise Http404
    with document.file.open("rb") as handle:
        head = handle.read(16)
    kind = document_services.sniff(head)
    # A plain str: WSGI servers refuse str subclasses in headers.
    served = SimpleNamespace(
        file=document.file,
        original_name=document.original_name,
        content_type=str(kind.value) if kind is not None else "application/octet-stream",
    )
    return document_services.file_response(served)


@never_cache
@officer_required
def challenges(request):
    """Open challenges on every project, the oldest answer due first."""
    found = (
        Challenge.objects.filter(state__in=Challenge.OPEN_STATES)
        .select_related("project", "organization")
        .order_by("answer_due", "pk")
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {"challenge": c, "left": answer_time(c.answer_due, now) if c.state == Challenge.State.SUBMITTED else None}
        for c in page
    ]
    return render(
        request,
        "marketplace/procurement/projects/challenges.html",
        {
            "challenges_page": page,
            "rows": rows,
            "querystring_base": "",
            "answer_days": settings.CHALLENGE_ANSWER_WORKING_DAYS,
        },
    )
