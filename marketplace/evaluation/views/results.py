"""The organizations' side of the result (/org/<pk>/bids/<ref>/result/):
the outcome of their bid, their own scores and rank, the winner and its
price, the award notice (中标（成交）通知书) or result letter (结果告知书)
as a PDF, and the challenge (质疑) an unsuccessful bidder may file within
the challenge period, with what became of it.

Access as on the bid pages (``marketplace.procurement.views.bids.member_required``):
only members of the organization ``pk``; everybody else gets 404.  The
organization's bid is read through ``marketplace.procurement.selectors.bids``; what it
may learn of the others (only the winner's name and price) is decided by
``marketplace.evaluation.pdfs.letter_facts``; every change goes through
``marketplace.evaluation.services.awards``.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from marketplace.core.errors import DomainError
from marketplace.evaluation import pdfs as award_pdfs
from marketplace.evaluation import permissions
from marketplace.evaluation import selectors as evaluation_selectors
from marketplace.evaluation.forms.results import ChallengeForm
from marketplace.evaluation.services import awards
from marketplace.organizations.services import documents as document_services
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.views.bids import member_required, public_project, required_bid
from marketplace.procurement.views.projects import pdf_response

# Bids that took part in the evaluation (a draft or a withdrawn bid has no result).
RESULT_STATES = (
    Bid.State.OPENED,
    Bid.State.QUALIFIED,
    Bid.State.DISQUALIFIED,
    Bid.State.AWARDED,
    Bid.State.NOT_AWARDED,
)
# Marks the end of the challenge form: missing when the body was cut off
# (``marketplace.core.uploads``: a file over the platform's ceiling stops the
# parsing, and whatever followed it never arrives).
COMPLETE_FIELD = "complete"


def shown_award(project):
    """The live award, else the latest cancelled one (the page then says
    that it was cancelled and why), else None."""
    return awards.live_award(project) or evaluation_selectors.latest_award(project)


def _load(request, organization, ref):
    project = public_project(ref)
    bid = required_bid(request, organization, project)
    award = shown_award(project)
    if award is None or bid.state not in RESULT_STATES:
        raise Http404
    return project, bid, award


def _result_url(organization, project, anchor=""):
    url = reverse("orgs:bid_result", args=[organization.pk, project.ref])
    return f"{url}#{anchor}" if anchor else url


def _context(request, organization, project, bid, award, *, form=None):
    facts = award_pdfs.letter_facts(bid, award)
    decision = permissions.can_file_challenge(request.user, bid)
    problem = None if decision else decision.reason
    challenges = evaluation_selectors.organization_challenges(project, organization)
    for challenge in challenges:
        challenge.days_left = awards.working_time_left(challenge.answer_due) if challenge.is_open else None
    live = award.cancelled_at is None
    return {
        **facts,
        "organization": organization,
        "days_left": awards.working_time_left(award.challenge_deadline) if live else None,
        "problem": problem,
        "form": (form if form is not None else ChallengeForm()) if problem is None else None,
        "posted": form is not None,
        "challenges": challenges,
        "complete_field": COMPLETE_FIELD,
        "letter_name": _letter_name(project, bid, award),
    }


@never_cache
@member_required
def result(request, organization, ref):
    """The outcome, the letter and, for an unsuccessful bidder, the challenge."""
    project, bid, award = _load(request, organization, ref)
    return render(
        request, "marketplace/procurement/bids/result.html", _context(request, organization, project, bid, award)
    )


@never_cache
@member_required
def challenge(request, organization, ref):
    """File the challenge (POST); anything else goes back to the result page."""
    project, bid, award = _load(request, organization, ref)
    if request.method != "POST":
        return redirect(_result_url(organization, project, "challenge"))
    form = ChallengeForm(request.POST, request.FILES)
    valid = form.is_valid()
    if request.POST.get(COMPLETE_FIELD) != "1":
        form.errors.clear()  # what followed the cut never arrived: only say what happened
        form.add_error(
            None,
            _("The upload was cut off (a file is too large?): nothing was filed. Choose smaller files and try again."),
        )
        valid = False
    if valid:
        try:
            filed = awards.file_challenge(
                bid, by=request.user, reasons=form.cleaned_data["reasons"], files=form.cleaned_data["files"]
            )
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Your challenge was filed. The procurement officer answers by %(due)s.")
                % {"due": timezone.localtime(filed.answer_due).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect(_result_url(organization, project, "challenge"))
    context = _context(request, organization, project, bid, award, form=form)
    return render(request, "marketplace/procurement/bids/result.html", context)


def _letter_name(project, bid, award):
    kind = "award-notice" if bid.pk == award.bid_id else "result-letter"
    return f"{kind}-{project.ref}.pdf"


@member_required
def letter_pdf(request, organization, ref):
    """The award notice for the winner, the result letter for the others."""
    project, bid, award = _load(request, organization, ref)
    if bid.pk == award.bid_id:
        award.bid = bid
        body = award_pdfs.award_notice_pdf(award)
    else:
        body = award_pdfs.result_letter_pdf(bid, award)
    return pdf_response(body, _letter_name(project, bid, award))


@member_required
def challenge_document(request, organization, ref, doc_pk):
    """A document of the organization's own challenge, for its members only."""
    project = public_project(ref)
    required_bid(request, organization, project)
    document = evaluation_selectors.organization_challenge_document(project, organization, doc_pk)
    if document is None:
        raise Http404
    with document.file.open("rb") as stored:
        head = stored.read(16)
    sniffed = document_services.sniff(head)
    # A plain str: WSGI servers refuse str subclasses in headers.
    document.content_type = sniffed.value if sniffed is not None else "application/octet-stream"
    return document_services.file_response(document)
