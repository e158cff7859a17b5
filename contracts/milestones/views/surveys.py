"""Resident satisfaction surveys: the community workers' pages
(/work/surveys/…: the milestones of contracts serving their community, making
links, the printable sheet) and the residents' public questionnaire
(/survey/<token>/).

The public page needs no account and works without JavaScript.  It keeps
nothing about the resident: the response has no token, name, phone or IP;
the throttle counts attempts per address in the cache only (a hashed key
that expires, like the resident report's); no audit event is written with
the request's data.  The token sits in the path, so the page is never
cached and sends its address only to this site (``Referrer-Policy:
same-origin``; ``no-referrer`` would make browsers send ``Origin: null``
with the form, which the CSRF check refuses)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contracts.milestones import pdfs
from contracts.milestones.forms.evaluation import LinksForm, SurveyForm
from contracts.milestones.permissions import evaluation as rules
from contracts.milestones.selectors import evaluation as selectors
from contracts.milestones.services import surveys as services
from marketplace.core.decorators import user_passes
from marketplace.core.throttle import Throttle, client_ip
from marketplace.needs.permissions import is_worker
from marketplace.procurement.views.projects import pdf_response

worker_required = user_passes(is_worker)


def _milestone_for(user, pk):
    milestone = selectors.milestone(pk)
    if milestone is None or not rules.serves_worker(user, milestone.contract):
        raise Http404
    return milestone


@never_cache
@worker_required
def index(request):
    return render(
        request,
        "contracts/milestones/survey/worker_index.html",
        {"rows": list(selectors.survey_milestones_for(request.user))},
    )


def _links_page(request, milestone, form, status=200):
    responses, tokens = rules.survey_counts(milestone)
    decision = rules.can_make_links(request.user, milestone)
    return render(
        request,
        "contracts/milestones/survey/links_form.html",
        {
            "milestone": milestone,
            "contract": milestone.contract,
            "form": form,
            "responses": responses,
            "tokens": tokens,
            "problem": None if decision else decision.reason,
        },
        status=status,
    )


@never_cache
@worker_required
def links(request, pk):
    """GET: how many links; POST: make them and show them once, with the
    button that prints them."""
    milestone = _milestone_for(request.user, pk)
    if request.method != "POST":
        return _links_page(request, milestone, LinksForm())
    form = LinksForm(request.POST)
    if form.is_valid():
        try:
            tokens = services.make_links(milestone, by=request.user, count=form.cleaned_data["count"])
        except services.SurveyError as error:
            form.add_service_error(error)
        else:
            response = render(
                request,
                "contracts/milestones/survey/links_made.html",
                {
                    "milestone": milestone,
                    "contract": milestone.contract,
                    "links": [pdfs.survey_url(token) for token in tokens],
                    "tokens": tokens,
                },
            )
            response["Referrer-Policy"] = "same-origin"
            return response
    return _links_page(request, milestone, form)


@never_cache
@worker_required
@require_POST
def links_pdf(request, pk):
    """The printable sheet of the links just made (the page posts them back:
    they are stored nowhere); only unused links of this milestone print."""
    milestone = _milestone_for(request.user, pk)
    if not rules.can_make_links(request.user, milestone):
        raise Http404
    tokens = services.unused_tokens_of(milestone, request.POST.getlist("token")[: services.MAX_LINKS])
    if not tokens:
        raise Http404
    content = pdfs.survey_links_pdf(milestone, tokens)
    return pdf_response(content, f"{milestone.contract.number}-满意度调查-{milestone.number}.pdf")


# --- the residents' questionnaire --------------------------------------------------------------------------------


def _throttle():
    return Throttle(
        "survey-answer",
        limit=getattr(settings, "SURVEY_RATE_LIMIT", 60),
        window_seconds=getattr(settings, "SURVEY_RATE_WINDOW", 3600),
    )


def _private(response):
    """No referrer to other sites, no indexing, and no ``django.request`` warning for a
    refusal (404, 409, 429): that log line would carry the path, and so the
    token."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response._has_been_logged = True
    return response


def _closed(request, status=404):
    return _private(render(request, "contracts/milestones/survey/closed.html", status=status))


@never_cache
def answer(request, token):
    link = services.link_for(token)
    if link is None:
        return _closed(request)
    milestone = link.milestone
    questions = list(milestone.contract.survey_questions.order_by("order"))
    if request.method == "POST":
        throttle, ip = _throttle(), client_ip(request)
        if throttle.blocked(ip):
            return _private(
                render(
                    request,
                    "contracts/milestones/survey/answer.html",
                    {
                        "form": SurveyForm(questions=questions),
                        "contract": milestone.contract,
                        "milestone": milestone,
                        "refusal": _("Too many answers were sent from your network. Please try again in an hour."),
                    },
                    status=429,
                )
            )
        throttle.hit(ip)
        form = SurveyForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                services.answer(
                    token,
                    overall=form.cleaned_data["overall"],
                    answers=form.answers(),
                    comment=form.cleaned_data["comment"],
                )
            except services.SurveyError as error:
                if error.code == "token_unusable":
                    return _closed(request, status=409)
                form.add_service_error(error)
            else:
                return redirect("survey:thanks")
    else:
        form = SurveyForm(questions=questions)
    return _private(
        render(
            request,
            "contracts/milestones/survey/answer.html",
            {"form": form, "contract": milestone.contract, "milestone": milestone},
        )
    )


@never_cache
def thanks(request):
    return _private(render(request, "contracts/milestones/survey/thanks.html"))
