"""The evaluator's pages of a milestone evaluation (/evaluate/milestones/…):
the declaration (before anything about the report is shown), the score
sheet, and locking it (irreversible: the password is asked again).

Access: evaluators only (403 for other accounts); an evaluation that is not
assigned to the user is 404; after a recusal the page says so and shows
nothing of the report."""

from functools import partial

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from contracts.milestones.forms.evaluation import ConfirmForm, DeclarationForm, SheetForm
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.selectors import evaluation as selectors
from contracts.milestones.services import evaluation as services
from marketplace.core.actions import run_action
from marketplace.core.decorators import user_passes
from marketplace.core.reauth import reauth_required
from marketplace.evaluation.permissions import is_evaluator


def evaluator_required(view):
    return user_passes(is_evaluator)(sensitive_post_parameters()(view))


def _evaluation(request, pk):
    evaluation = selectors.evaluation_of(request.user, pk)
    if evaluation is None or not rules.can_view_evaluation(request.user, evaluation):
        raise Http404
    return evaluation


def _sheet_url(evaluation):
    return reverse("milestone_evaluate:sheet", args=[evaluation.pk])


def _page(request, evaluation, *, declaration_form=None, sheet_form=None, status=200):
    reads = bool(rules.can_read_report(request.user, evaluation))
    context = {
        "evaluation": evaluation,
        "milestone": evaluation.milestone,
        "contract": evaluation.milestone.contract,
        "can_declare": bool(rules.can_declare(request.user, evaluation)),
        "can_score": bool(rules.can_score(request.user, evaluation)),
        "reads": reads,
    }
    if context["can_declare"]:
        context["declaration_form"] = declaration_form or DeclarationForm(request=request)
    if reads:
        report = evaluation.report
        context["report"] = report
        context["log"] = list(report.log.select_related("community").order_by("day", "pk"))
        context["evidence"] = list(report.evidence.order_by("uploaded_at"))
        scores = selectors.scores_of(evaluation)
        context["scores"] = [(c, scores.get(c.pk)) for c in evaluation.milestone.contract.criteria.order_by("order")]
        if context["can_score"]:
            context["sheet_form"] = sheet_form or SheetForm(
                criteria=evaluation.milestone.contract.criteria.order_by("order"),
                scores=scores,
                initial={"opinion": evaluation.opinion},
            )
            context["can_lock"] = bool(rules.can_lock(request.user, evaluation))
    return render(request, "contracts/milestones/evaluation/sheet.html", context, status=status)


@never_cache
@evaluator_required
def sheet(request, pk):
    return _page(request, _evaluation(request, pk))


@never_cache
@evaluator_required
@require_POST
@reauth_required(reentry_field="password")
def declare(request, pk):
    evaluation = _evaluation(request, pk)
    form = DeclarationForm(request.POST, request=request)

    def call(form):
        services.declare(
            evaluation,
            by=request.user,
            relationship=form.cleaned_data["relationship"],
            detail=form.cleaned_data["detail"],
        )

    return run_action(
        request,
        form,
        call,
        success=_("Your declaration was recorded."),
        done=_sheet_url(evaluation),
        again=lambda form: _page(request, evaluation, declaration_form=form),
    )


@never_cache
@evaluator_required
@require_POST
def score(request, pk):
    evaluation = _evaluation(request, pk)
    criteria = evaluation.milestone.contract.criteria.order_by("order")
    form = SheetForm(request.POST, criteria=criteria)

    def call(form):
        services.save_sheet(evaluation, by=request.user, scores=form.scores(), opinion=form.cleaned_data["opinion"])

    return run_action(
        request,
        form,
        call,
        success=_("The score sheet was saved. Lock it when it is final."),
        done=_sheet_url(evaluation),
        again=lambda form: _page(request, evaluation, sheet_form=form),
    )


@never_cache
@evaluator_required
@reauth_required(reentry_field="password")
def lock(request, pk):
    evaluation = _evaluation(request, pk)
    render_page = partial(_lock_page, request, evaluation)
    if request.method != "POST":
        return render_page(ConfirmForm(request=request))
    form = ConfirmForm(request.POST, request=request)
    return run_action(
        request,
        form,
        lambda form: services.lock(evaluation, by=request.user),
        success=_("The score sheet is locked."),
        done=_sheet_url(evaluation),
        again=render_page,
    )


def _lock_page(request, evaluation, form):
    if not rules.can_score(request.user, evaluation):
        return redirect(_sheet_url(evaluation))
    scores = selectors.scores_of(evaluation)
    return render(
        request,
        "contracts/milestones/evaluation/lock.html",
        {
            "evaluation": evaluation,
            "milestone": evaluation.milestone,
            "contract": evaluation.milestone.contract,
            "scores": [(c, scores.get(c.pk)) for c in evaluation.milestone.contract.criteria.order_by("order")],
            "problem": None if (d := rules.can_lock(request.user, evaluation)) else d.reason,
            "form": form,
        },
    )
