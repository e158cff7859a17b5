"""The officers' pages of milestone evaluation and acceptance
(/work/milestones/…): the list of milestones waiting for them, one
milestone's evaluation (assign an evaluator, the expert sheet's state, the
survey's progress, the computed score and payable amount, the decision,
the approval of an override), the acceptance records (PDF), a contract's
acceptance summary, and the moderation of residents' comments.

Officers only (``officer_required``); every change goes through
``contracts.milestones.services``; the buttons come from
``permissions.evaluation.available_actions``, the same rules."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contracts.milestones.forms.evaluation import AssignForm, ConfirmForm, DecisionForm, ModerateForm
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.selectors import evaluation as selectors
from contracts.milestones.services import acceptance as acceptance_services
from contracts.milestones.services import evaluation as evaluation_services
from contracts.milestones.services import surveys as survey_services
from marketplace.core.actions import run_action
from marketplace.core.decorators import officer_required
from marketplace.core.filters import paginate
from marketplace.core.reauth import reauth_required
from marketplace.procurement.views.projects import pdf_response

PER_PAGE = 20


def _milestone(pk):
    milestone = selectors.milestone(pk)
    if milestone is None:
        raise Http404
    return milestone


def milestone_url(milestone):
    return reverse("acceptance:milestone", args=[milestone.pk])


@never_cache
@officer_required
def index(request):
    page = paginate(request, selectors.to_evaluate_or_accept(), PER_PAGE)
    return render(request, "contracts/milestones/evaluation/index.html", {"page_obj": page})


def _page(request, milestone, *, assign_form=None, decision_form=None, approve_form=None):
    user = request.user
    actions = rules.available_actions(user, milestone, names=("assign", "decide", "approve_override"))
    facts = (
        acceptance_services.facts(milestone, overridden=bool(milestone.override_reason))
        if milestone.state == "under_evaluation"
        else None
    )
    refusal = None
    if "decide" not in actions and milestone.state == "under_evaluation":
        refusal = rules.can_decide(user, milestone).reason
    questions, counts = survey_services.answer_counts(milestone)
    context = {
        "milestone": milestone,
        "contract": milestone.contract,
        "actions": actions,
        "facts": facts,
        "decide_refusal": refusal,
        "evaluations": list(selectors.evaluations_of_milestone(milestone)),
        "live": rules.live_evaluation(milestone),
        "records": list(selectors.records_of(milestone)),
        "override_pending": rules.override_pending(milestone),
        "overall_counts": [counts["overall"][v] for v in survey_services.SCALE],
        "question_counts": [(q, [counts[q.pk][v] for v in survey_services.SCALE]) for q in questions],
        "scale": list(survey_services.SCALE),
    }
    if "assign" in actions:
        context["assign_form"] = assign_form or AssignForm()
    if "decide" in actions:
        context["decision_form"] = decision_form or DecisionForm(request=request)
    if "approve_override" in actions:
        context["approve_form"] = approve_form or ConfirmForm(request=request)
    return render(request, "contracts/milestones/evaluation/milestone.html", context)


@never_cache
@officer_required
def milestone(request, pk):
    return _page(request, _milestone(pk))


@never_cache
@officer_required
@require_POST
def assign(request, pk):
    milestone = _milestone(pk)
    form = AssignForm(request.POST)
    return run_action(
        request,
        form,
        lambda form: evaluation_services.assign(milestone, by=request.user, evaluator=form.cleaned_data["evaluator"]),
        success=_("The evaluator was assigned and told."),
        done=milestone_url(milestone),
        again=lambda form: _page(request, milestone, assign_form=form),
    )


@never_cache
@officer_required
@require_POST
@reauth_required(reentry_field="password")
def decide(request, pk):
    milestone = _milestone(pk)
    form = DecisionForm(request.POST, request=request)

    outcome = {}

    def call(form):
        data = form.cleaned_data
        outcome["milestone"] = acceptance_services.decide(
            milestone,
            by=request.user,
            accept=data["decision"] == "accept",
            reason=data["reason"],
            override_reason=data["override_reason"],
        )

    def success():
        # what happened, not every case at once ("below the pass mark…" after a plain acceptance misled)
        decided = outcome.get("milestone")
        if decided is not None and decided.state == "accepted":
            return _("The milestone is accepted; payable ¥%(amount)s.") % {"amount": f"{decided.payable or 0:,.2f}"}
        if decided is not None and decided.state == "rejected":
            return _("The milestone is rejected; the organization has been asked to rectify.")
        return _("Your acceptance below the pass mark is recorded; it takes effect once another officer approves it.")

    return run_action(
        request,
        form,
        call,
        success=success,
        done=milestone_url(milestone),
        again=lambda form: _page(request, milestone, decision_form=form),
    )


@never_cache
@officer_required
@require_POST
@reauth_required(reentry_field="password")
def approve_override(request, pk):
    milestone = _milestone(pk)
    form = ConfirmForm(request.POST, request=request)
    return run_action(
        request,
        form,
        lambda form: acceptance_services.approve_override(milestone, by=request.user),
        success=_("The acceptance below the pass mark was approved; the milestone is accepted."),
        done=milestone_url(milestone),
        again=lambda form: _page(request, milestone, approve_form=form),
    )


@never_cache
@officer_required
def record(request, pk, record_pk):
    milestone = _milestone(pk)
    found = selectors.record(milestone, record_pk)
    if found is None or not found.file:
        raise Http404
    return pdf_response(found.file, f"{milestone.contract.number}-验收记录-{milestone.number}.pdf")


@never_cache
@officer_required
def contract(request, pk):
    found = selectors.contract(pk)
    if found is None:
        raise Http404
    milestones = list(found.milestones.order_by("number"))
    return render(
        request,
        "contracts/milestones/evaluation/contract.html",
        {"contract": found, "milestones": milestones},
    )


# --- comments ---------------------------------------------------------------------------------------------


def _comments_page(request, form=None, failed=None, status=200):
    page = paginate(request, selectors.comments_to_moderate(), PER_PAGE)
    return render(
        request,
        "contracts/milestones/evaluation/comments.html",
        {"page_obj": page, "form": form or ModerateForm(), "failed": failed},
        status=status,
    )


@never_cache
@officer_required
def comments(request):
    return _comments_page(request)


@never_cache
@officer_required
@require_POST
@reauth_required
def moderate(request, pk):
    response = selectors.response(pk)
    if response is None:
        raise Http404
    form = ModerateForm(request.POST)
    return run_action(
        request,
        form,
        lambda form: survey_services.moderate(
            response, by=request.user, publish=form.cleaned_data["decision"] == "publish"
        ),
        success=_("The comment was moderated."),
        done=reverse("acceptance:comments"),
        again=lambda form: _comments_page(request, form, failed=response.pk),
    )
