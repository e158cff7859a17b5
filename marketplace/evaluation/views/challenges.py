"""The procurement officers' challenge pages (/work/projects/challenges/ and
/work/projects/<ref>/challenges/<pk>/): the list of open challenges, one
challenge with its documents and history, its answer and the decision.

Every change goes through ``marketplace.evaluation.services.awards``; which
forms show is ``marketplace.evaluation.permissions`` (the same rules the
services apply); reads are ``marketplace.evaluation.selectors``.
"""

from types import SimpleNamespace

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core.actions import run_action
from marketplace.core.decorators import officer_required
from marketplace.core.reauth import reauth_required
from marketplace.evaluation import permissions
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.evaluation.forms import awards as forms
from marketplace.evaluation.models import Challenge
from marketplace.evaluation.services import awards as award_services
from marketplace.organizations.services import documents as document_services
from marketplace.procurement.views.projects import load_project

PER_PAGE = 20
TEMPLATE = "marketplace/procurement/projects/challenge.html"

CHALLENGE_ACTIONS = {
    "challenge.filed": gettext_lazy("Challenge filed"),
    "challenge.mark_answered": gettext_lazy("Answered"),
    "challenge.uphold": gettext_lazy("Upheld"),
    "challenge.dismiss": gettext_lazy("Dismissed"),
}


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


# --- one challenge ------------------------------------------------------------------------------------


def _challenge(project, pk):
    challenge = evaluation_selectors.challenge_for(project, pk)
    if challenge is None:
        raise Http404
    return challenge


def _challenge_history(challenge):
    return [
        {
            "event": event,
            "action": CHALLENGE_ACTIONS.get(event.action, event.action),
            "actor": event.actor.display_name if event.actor else (event.actor_label or _("The platform")),
        }
        for event in evaluation_selectors.challenge_events(challenge)
    ]


def _challenge_context(user, challenge, *, bound=None):
    bound = bound or {}
    answer_form = decision_form = None
    if permissions.can_answer_challenge(user, challenge):
        answer_form = bound.get("answer") or forms.ChallengeAnswerForm(prefix="answer")
    if permissions.can_decide_challenge(user, challenge):
        decision_form = bound.get("decide") or forms.ChallengeDecisionForm(prefix="decide")
    return {
        "project": challenge.project,
        "challenge": challenge,
        "documents": evaluation_selectors.challenge_documents(challenge),
        "left": answer_time(challenge.answer_due) if challenge.state == Challenge.State.SUBMITTED else None,
        "answer_form": answer_form,
        "decision_form": decision_form,
        "history": _challenge_history(challenge),
    }


@never_cache
@officer_required
def challenge(request, ref, pk):
    found = _challenge(load_project(ref), pk)
    return render(request, TEMPLATE, _challenge_context(request.user, found))


def _challenge_act(request, challenge, name, form_class, call, success):
    """One action on a challenge's page (POST only): on success back to
    the page, on a refusal the page again with the form's errors."""
    if request.method != "POST":
        return redirect(_challenge_url(challenge))

    def again(form):
        fresh = _challenge(challenge.project, challenge.pk)
        return render(request, TEMPLATE, _challenge_context(request.user, fresh, bound={name: form}))

    form = form_class(request.POST, prefix=name)
    return run_action(request, form, call, success=success, done=_challenge_url(challenge), again=again)


@officer_required
@reauth_required
def answer_challenge(request, ref, pk):
    found = _challenge(load_project(ref), pk)

    def call(form):
        award_services.answer_challenge(found, by=request.user, answer=form.cleaned_data["answer"])

    return _challenge_act(
        request, found, "answer", forms.ChallengeAnswerForm, call, _("The answer was sent to the organization.")
    )


@officer_required
@reauth_required
def decide_challenge(request, ref, pk):
    found = _challenge(load_project(ref), pk)

    def call(form):
        award_services.decide_challenge(
            found,
            by=request.user,
            upheld=form.upheld,
            reason=form.cleaned_data["reason"],
            remedy=form.cleaned_data["remedy"] if form.upheld else "",
            public_summary=form.cleaned_data["public_summary"],
        )

    return _challenge_act(
        request,
        found,
        "decide",
        forms.ChallengeDecisionForm,
        call,
        _("The decision was recorded and the organization is told."),
    )


@never_cache
@officer_required
def challenge_document(request, ref, pk, doc_pk):
    found = _challenge(load_project(ref), pk)
    document = evaluation_selectors.challenge_document(found, doc_pk)
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
    page = Paginator(evaluation_selectors.open_challenges(), PER_PAGE).get_page(request.GET.get("page"))
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
