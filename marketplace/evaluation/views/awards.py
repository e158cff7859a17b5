"""The procurement officers' side of evaluation and award
(/work/projects/<ref>/evaluation/); the challenge pages are
``marketplace.evaluation.views.challenges``.

After the opening an officer forms the committee (a recorded random draw
from the evaluator pool, or members appointed by name with a reason), sets
its chair, fills a vacant seat, reviews each bid's qualification, follows the
committee's progress (no scores before the report), reads the evaluation
report, awards the next-in-line bid of the confirmed report, and records a
decline or a disqualification.  Every change goes through
``marketplace.evaluation.services.committee``, ``.scoring`` and ``.awards``; a
broken rule comes back as a ``DomainError`` shown on its field, and nothing
changes.  Which forms the page shows is ``marketplace.evaluation.permissions``
(``available_actions``): the rules the services apply.  Bids are read through
``marketplace.procurement.selectors.bids``, the rest through
``marketplace.evaluation.selectors``.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core.actions import run_action
from marketplace.core.decorators import officer_required
from marketplace.core.reauth import reauth_required
from marketplace.evaluation import permissions
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.evaluation.forms import awards as forms
from marketplace.evaluation.services import awards as award_services
from marketplace.evaluation.services import committee as committee_services
from marketplace.evaluation.services import scoring as evaluation_services
from marketplace.evaluation.views.challenges import answer_time, period_time
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.selectors import work as selectors
from marketplace.procurement.views.projects import load_project, pdf_response

TEMPLATE = "marketplace/procurement/projects/evaluation.html"
#: the steps of the evaluation page, each shown exactly when its service would accept
PAGE_ACTIONS = ("form_committee", "set_chair", "appoint_member", "review_qualification", "award")

DRAW_LABELS = {
    "committee.formed": gettext_lazy("Committee drawn"),
    "committee.replacement_drawn": gettext_lazy("Replacement drawn"),
    "committee.replacement_unavailable": gettext_lazy("No evaluator left to draw as a replacement"),
}


def _evaluation_url(project, anchor=""):
    url = reverse("projects:evaluation", args=[project.ref])
    return f"{url}#{anchor}" if anchor else url


# --- the evaluation page ------------------------------------------------------------------------------


def _officer_bids(user, project):
    """The project's opened bids, through the sealed-bid selector."""
    return list(
        bid_selectors.opened_bids(user, project)
        .filter(state__in=bid_selectors.OPENED_STATES)
        .select_related("organization", "current_version")
        .order_by("current_version__submitted_at", "pk")
    )


def _committee_form(project, data=None):
    return forms.CommitteeForm(
        data,
        initial=None if data is not None else {"expertise": list(committee_services.default_expertise(project))},
        size=project.method.committee_size or 0,
        evaluators=committee_services.eligible_evaluators(project).order_by("name", "pk"),
        prefix="committee",
    )


def _chair_form(project, data=None, *, chair=None):
    initial = None if data is not None else {"member": chair.pk if chair else None}
    return forms.ChairForm(data, initial=initial, members=evaluation_selectors.serving_members(project), prefix="chair")


def _appoint_form(project, data=None):
    return forms.AppointForm(data, evaluators=committee_services.eligible_evaluators(project), prefix="appoint")


def _draws(committee):
    events, names = evaluation_selectors.draw_events(committee)
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


def _new_committee_context(project, actions, bound):
    if "form_committee" not in actions:
        return {}
    default = list(committee_services.default_expertise(project))
    return {
        "committee_form": bound.get("committee") or _committee_form(project),
        "eligible_count": committee_services.eligible_evaluators(project).count(),
        "eligible_default_count": committee_services.eligible_evaluators(project, expertise=default).count(),
        "default_expertise": default,
    }


def _committee_context(project, committee, actions, bound):
    if committee is None:
        return _new_committee_context(project, actions, bound)
    members = evaluation_selectors.committee_members(committee)
    serving = [m for m in members if m.active]
    context = {
        "members": members,
        "serving_count": len(serving),
        "expertise": evaluation_selectors.committee_expertise(committee),
        "draws": _draws(committee),
    }
    if "set_chair" in actions:
        chair = next((m for m in serving if m.is_chair), None)
        context["chair_form"] = bound.get("chair") or _chair_form(project, chair=chair)
    if "appoint_member" in actions:
        context["appoint_form"] = bound.get("appoint") or _appoint_form(project)
    return context


def _qualification_context(request, project, actions, bound):
    bids = _officer_bids(request.user, project)
    qualifications = evaluation_selectors.qualifications_for(bids)
    context = {
        "qualification_rows": [
            {"bid": bid, "qualification": qualifications.get(bid.pk)} for bid in bids if bid.pk in qualifications
        ],
    }
    if "review_qualification" in actions:
        results = {bid.pk: evaluation_services.entry_result(project, bid) for bid in bids}
        form = bound.get("qualification") or forms.QualificationForm(
            bids=bids, results=results, qualifications=qualifications, prefix="qualification"
        )
        form.results = results
        context["qualification_form"] = form
    return context


def _bid_forms(user, bid, bound, *, decline=True, disqualify=True):
    """The decline and disqualify forms of one ranked bid, as far as ``user`` may use them."""
    pk = bid.pk
    forms_ = {}
    if decline and permissions.can_record_decline(user, bid):
        forms_["decline_form"] = bound.get(("decline", pk)) or forms.DeclineForm(prefix=f"decline-{pk}")
    if disqualify and permissions.can_disqualify_ranked(user, bid):
        forms_["disqualify_form"] = bound.get(("disqualify", pk)) or forms.DisqualifyForm(prefix=f"disqualify-{pk}")
    return forms_


def _live_award_context(request, project, live, bound):
    rows, _chosen = _ranking_rows(project, live.report)
    live.bid.project = project
    winner = _bid_forms(request.user, live.bid, bound, disqualify=False)
    blocked = None
    if project.state == project.State.AWARDED:
        blocked = award_services.contract_blocked_reason(project)
    return {
        "award": live,
        "award_rows": rows,
        "period": period_time(live.challenge_deadline),
        "contract_blocked": blocked,
        "winner_decline_form": winner.get("decline_form"),
        "challenges": [
            {"challenge": c, "left": answer_time(c.answer_due) if c.state == c.State.SUBMITTED else None}
            for c in evaluation_selectors.challenges_for(project)
        ],
    }


def _award_context(request, project, report, actions, bound):
    awards = evaluation_selectors.awards_for(project)
    live = next((a for a in awards if a.cancelled_at is None), None)
    context = {"cancelled_awards": [a for a in awards if a.cancelled_at is not None]}
    if live is not None:
        context.update(_live_award_context(request, project, live, bound))
        return context
    if report is None or report.confirmed_at is None or project.state != project.State.EVALUATING:
        return context
    rows, chosen = _ranking_rows(project, report)
    for row in rows:
        if row["available"]:
            row["bid_obj"].project = project
            row.update(_bid_forms(request.user, row["bid_obj"], bound))
    recommended = chosen is None or chosen.pk == report.recommended_bid_id
    award_form = None
    if "award" in actions:
        award_form = bound.get("award") or forms.AwardForm(initial={"bid": chosen.pk}, recommended=recommended)
    context.update(
        {
            "ranking_rows": rows,
            "chosen": chosen,
            "recommended_row": next((row for row in rows if row["recommended"]), None),
            "chosen_is_recommended": recommended,
            "award_form": award_form,
        }
    )
    return context


def _evaluation_context(request, project, *, bound=None):
    bound = bound or {}
    context = {"project": project}
    if project.opened_at is None:
        return context
    actions = permissions.available_actions(request.user, project, PAGE_ACTIONS)
    committee = evaluation_selectors.committee_for(project)
    reports = evaluation_selectors.reports_for(project)
    report = next((r for r in reports if r.superseded_at is None), None)
    context.update(
        {
            "allowed_actions": actions,
            "committee": committee,
            "reports": reports,
            "report": report,
            "confirmations": evaluation_selectors.report_confirmations(report) if report else [],
        }
    )
    context.update(_committee_context(project, committee, actions, bound))
    if committee is not None:
        context.update(_qualification_context(request, project, actions, bound))
        if project.state == project.State.EVALUATING:
            context["progress"] = evaluation_services.progress(project)
    context.update(_award_context(request, project, report, actions, bound))
    return context


@never_cache
@officer_required
def evaluation(request, ref):
    project = load_project(ref)
    return render(request, TEMPLATE, _evaluation_context(request, project))


def _act(request, project, name, form, call, success, anchor):
    """Run one action of the evaluation page (``run_action``): on success
    back to the page; on a refusal the page again with the form's errors."""

    def again(form):
        fresh = selectors.project_for_officer(project.ref)
        return render(request, TEMPLATE, _evaluation_context(request, fresh, bound={name: form}))

    return run_action(request, form, call, success=success, done=_evaluation_url(project, anchor), again=again)


def _post_only(request, project):
    return None if request.method == "POST" else redirect(_evaluation_url(project))


@officer_required
@reauth_required
def form_committee(request, ref):
    project = load_project(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        committee_services.form_committee(
            project, by=request.user, expertise=form.cleaned_data["expertise"], appointments=form.appointments()
        )

    success = _("The committee was formed. Its members are asked to declare their interests.")
    return _act(request, project, "committee", _committee_form(project, request.POST), call, success, "committee")


@officer_required
def set_chair(request, ref):
    project = load_project(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        committee_services.set_chair(project, by=request.user, member=form.cleaned_data["member"])

    form = _chair_form(project, request.POST)
    return _act(request, project, "chair", form, call, _("The chair was changed."), "committee")


@officer_required
@reauth_required
def appoint(request, ref):
    project = load_project(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        committee_services.appoint_member(
            project, by=request.user, evaluator=form.cleaned_data["evaluator"], reason=form.cleaned_data["reason"]
        )

    success = _("The member was appointed and asked to declare.")
    return _act(request, project, "appoint", _appoint_form(project, request.POST), call, success, "committee")


@officer_required
@reauth_required
def qualification(request, ref):
    project = load_project(ref)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        evaluation_services.review_qualification(project, by=request.user, decisions=form.decisions())

    form = forms.QualificationForm(
        request.POST, bids=_officer_bids(request.user, project), results={}, prefix="qualification"
    )
    success = _("The qualification review was recorded.")
    return _act(request, project, "qualification", form, call, success, "qualification")


@officer_required
@reauth_required
def award(request, ref):
    """Award the next-in-line bid: ``award_services.award`` decides, by
    ``permissions.can_award`` (the rule the page's button follows)."""
    project = load_project(ref)
    if (response := _post_only(request, project)) is not None:
        return response
    report = evaluation_services.current_report(project)
    chosen = award_services.next_in_line(project, report)[1] if report is not None else None
    form = forms.AwardForm(request.POST, recommended=chosen is None or chosen.pk == report.recommended_bid_id)

    def call(form):
        bid = bid_selectors.opened_bids(request.user, project).filter(pk=form.cleaned_data["bid"]).first()
        if bid is None:
            raise award_services.AwardError(_("That bid is not one of this project's opened bids."), "bid", "bid")
        award_services.award(project, bid, by=request.user, reason=form.cleaned_data.get("reason", ""))

    success = _("The project was awarded. Bidders are notified and the challenge period runs.")
    return _act(request, project, "award", form, call, success, "award")


def _ranked_bid(request, project, bid_pk):
    bid = bid_selectors.opened_bids(request.user, project).filter(pk=bid_pk).select_related("organization").first()
    if bid is None:
        raise Http404
    return bid


@officer_required
@reauth_required
def decline(request, ref, bid_pk):
    project = load_project(ref)
    bid = _ranked_bid(request, project, bid_pk)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        award_services.record_decline(bid, by=request.user, reason=form.cleaned_data["reason"])

    form = forms.DeclineForm(request.POST, prefix=f"decline-{bid.pk}")
    success = _("The decline of %(name)s was recorded.") % {"name": bid.organization.name}
    return _act(request, project, ("decline", bid.pk), form, call, success, "award")


@officer_required
@reauth_required
def disqualify(request, ref, bid_pk):
    project = load_project(ref)
    bid = _ranked_bid(request, project, bid_pk)
    if (response := _post_only(request, project)) is not None:
        return response

    def call(form):
        award_services.disqualify_ranked(bid, by=request.user, reason=form.cleaned_data["reason"])

    form = forms.DisqualifyForm(request.POST, prefix=f"disqualify-{bid.pk}")
    success = _("The bid of %(name)s was disqualified.") % {"name": bid.organization.name}
    return _act(request, project, ("disqualify", bid.pk), form, call, success, "award")


@never_cache
@officer_required
def report_pdf(request, ref, number):
    project = load_project(ref)
    report = evaluation_selectors.report_by_number(project, number)
    if report is None or not report.pdf:
        raise Http404
    return pdf_response(report.pdf, f"{project.ref}-evaluation-report-{report.number}.pdf")
