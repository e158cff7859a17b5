"""The organizations' side of sealed bidding (/org/<pk>/calls/, /org/<pk>/bids/).

Members of an organization see the open calls (and whether they may bid on
each, with the reasons when not), prepare their bid, attach PDFs, submit it
and keep their receipts; they ask questions that are answered publicly
without saying who asked.

Access: only members of the organization ``pk``; everybody else, officers
and administrators included, gets 404 for every page here (a 403 would tell
that a bid or an organization exists).  Every read of a bid, a version or a
document goes through ``marketplace.procurement.selectors.bids``; every change goes
through ``marketplace.procurement.services.bids`` (``ask_question`` through
``marketplace.procurement.services.projects``), which checks the deadline with the
server clock inside its transaction.  Every page that shows a project first
calls ``ensure_opened`` (the lazy half of the opening).
"""

import datetime
import hashlib
import json
import types
from decimal import Decimal
from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.core.arrival import arrival
from marketplace.core.filters import paginate
from marketplace.core.headers import protect_document
from marketplace.core.params import has_control_characters
from marketplace.organizations.services import documents as document_services
from marketplace.procurement import permissions
from marketplace.procurement.filters import BidFilterSet, CallFilterSet
from marketplace.procurement.forms.bids import (
    BidDocumentForm,
    BidForm,
    QuestionForm,
    SubmitBidForm,
    WithdrawBidForm,
)
from marketplace.procurement.models.bids import Bid
from marketplace.procurement.models.projects import Project
from marketplace.procurement.selectors import bids as selectors
from marketplace.procurement.selectors import projects as project_selectors
from marketplace.procurement.services import bids as services
from marketplace.procurement.services import opening
from marketplace.procurement.services import projects as project_services

PER_PAGE = 20
URGENT = datetime.timedelta(days=3)


# --- access -----------------------------------------------------------------------------------


def member_required(view):
    """Signed in and a member of the organization ``pk``; everybody else gets
    404 (not 403: nothing about the organization's bids may leak).  Pages
    add ``never_cache``; the files set ``Cache-Control: private, no-store``."""

    @login_required
    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        # A crash report (e-mailed to ADMINS) must not carry a bid's content.
        request.sensitive_post_parameters = "__ALL__"
        organization = project_selectors.bidding_organization(pk)
        if organization is None or not permissions.acts_for(request.user, organization):
            raise Http404
        return view(request, organization, *args, **kwargs)

    return wrapped


def public_project(ref):
    """A project the public may see (published or later), opened if due."""
    if has_control_characters(ref):
        raise Http404
    project = project_selectors.bidding_project(ref)
    if project is None:
        raise Http404
    return opening.ensure_opened(project)


def _own_bid(request, organization, project):
    return selectors.own_bid(request.user, project, organization)


def required_bid(request, organization, project):
    bid = _own_bid(request, organization, project)
    if bid is None:
        raise Http404
    return bid


def _is_open(project, now=None):
    now = now or timezone.now()
    return project.state == Project.State.PUBLISHED and now < project.deadline


def _closed_message(project):
    """Why nothing can change any more (the services' own words)."""
    if timezone.now() >= project.deadline:
        return _("The deadline (%(deadline)s) has passed: no bid can be submitted or changed.") % {
            "deadline": timezone.localtime(project.deadline).strftime("%Y-%m-%d %H:%M:%S")
        }
    return _("This call is not open for bids.")


def _bid_url(organization, project, anchor=""):
    url = reverse("orgs:bid", args=[organization.pk, project.ref])
    return f"{url}#{anchor}" if anchor else url


def countdown(deadline, now=None):
    """“3 d 4 h left” (or hours and minutes under a day); None once passed."""
    now = now or timezone.now()
    left = deadline - now
    if left.total_seconds() <= 0:
        return None
    days = left.days
    hours, rest = divmod(left.seconds, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)s d %(hours)s h left") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min left") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min left") % {"minutes": max(minutes, 1)}


def _deadline_info(project, now=None):
    now = now or timezone.now()
    return {
        "countdown": countdown(project.deadline, now),
        "urgent": now < project.deadline <= now + URGENT,
    }


def bid_outcome(bid, project):
    """Where the bid stands, in the bidder's words, once the call is closed:
    the bid's own outcome, never the project's state (“Awarded” on a lost
    bid reads as a win)."""
    if project.state == Project.State.CANCELLED:
        return _("The call was cancelled")
    if project.state == Project.State.FAILED:
        return _("The call failed: too few valid bids")
    if bid is None or bid.state in (Bid.State.DRAFT, Bid.State.WITHDRAWN):
        return _("We did not take part")
    if bid.state == Bid.State.AWARDED:
        return _("We won this call")
    if bid.state == Bid.State.NOT_AWARDED:
        return _("Not awarded to us")
    if bid.state == Bid.State.DISQUALIFIED:
        return _("Our bid was disqualified")
    return _("Bids opened: no result yet")


class _Eligibility:
    """``eligibility_problems`` for many calls, asked once per distinct set of
    inputs (entry standard, named organization, method, year), so the number
    of queries does not grow with the calls shown."""

    def __init__(self, organization):
        self.organization = organization
        self.cache = {}

    def __call__(self, project):
        method = project.method
        key = (
            project.entry_standard_id,
            project.method_id,
            project.named_organization_id if method.named_organization else None,
            project.year,
            project.pk if method.one_bid_per_organization else None,
        )
        if key not in self.cache:
            self.cache[key] = services.eligibility_problems(project, self.organization)
        return self.cache[key]


# --- open calls -------------------------------------------------------------------------------


@never_cache
@member_required
def calls(request, organization):
    """Open calls, each with whether the organization may bid and, if not, why."""
    filterset = CallFilterSet(request.GET)
    filters = filterset.values
    now = timezone.now()
    eligibility = _Eligibility(organization)
    rows = []
    for project in filterset.qs:
        project = opening.ensure_opened(project)
        if not _is_open(project, now):
            continue
        problems = eligibility(project)
        if filters["show"] == CallFilterSet.ELIGIBLE and problems:
            continue
        rows.append({"project": project, "problems": problems, **_deadline_info(project, now)})
    page = paginate(request, rows, PER_PAGE)
    own = {
        bid.project_id: bid
        for bid in selectors.organization_bids(request.user, organization).filter(
            project_id__in=[row["project"].pk for row in page]
        )
    }
    for row in page:
        row["bid"] = own.get(row["project"].pk)
    return render(
        request,
        "marketplace/procurement/bids/calls.html",
        {
            "organization": organization,
            "filter_form": filterset.form,
            "filters": filters,
            "page_obj": page,
            "rows": list(page),
            "querystring_base": filterset.querystring,
        },
    )


# --- the organization's bids ---------------------------------------------------------------------


@never_cache
@member_required
def bids(request, organization):
    filterset = BidFilterSet(request.GET, selector=partial(selectors.organization_bid_list, request.user, organization))
    # The lazy opening for the organization's bids whose deadline has passed.
    due = selectors.organization_bids(request.user, organization).filter(
        project__state=Project.State.PUBLISHED, project__deadline__lte=timezone.now()
    )
    for bid in due:
        opening.ensure_opened(bid.project)
    page = paginate(request, filterset.qs, PER_PAGE)
    now = timezone.now()
    rows = [
        {
            "bid": bid,
            "project": bid.project,
            "open": _is_open(bid.project, now),
            "outcome": bid_outcome(bid, bid.project),
            **_deadline_info(bid.project, now),
        }
        for bid in page
    ]
    return render(
        request,
        "marketplace/procurement/bids/bids.html",
        {
            "organization": organization,
            "filter_form": filterset.form,
            "page_obj": page,
            "rows": rows,
            "needs_confirmation": any(row["bid"].needs_confirmation and row["open"] for row in rows),
            "querystring_base": filterset.querystring,
        },
    )


# --- one bid -------------------------------------------------------------------------------------------


def _unsubmitted_changes(bid, version, active_documents, version_documents):
    """Does the working copy differ from the version that counts?"""
    if version is None:
        return False
    working = {key: (text or "").strip() for key, text in (bid.responses or {}).items() if (text or "").strip()}
    return (
        bid.price != version.price
        or working != {key: text for key, text in (version.responses or {}).items() if text}
        or bid.team != version.team
        or bid.experience != version.experience
        or {d.pk for d in active_documents} != {d.pk for d in version_documents}
    )


def _bid_context(request, organization, project, bid, *, form=None, document_form=None, failures=()):
    now = timezone.now()
    criteria = list(project.criteria.all())
    editable = bid is not None and _is_open(project, now)
    context = {
        "organization": organization,
        "project": project,
        "bid": bid,
        "criteria": criteria,
        "price_criterion": next((c for c in criteria if c.is_price), None),
        "clarifications": list(project.clarifications.filter(answered_at__isnull=False).order_by("answered_at")),
        "own_questions": list(
            project.clarifications.filter(organization=organization, answered_at__isnull=True).order_by("asked_at")
        ),
        "addenda": list(project.addenda.all()),
        "call_documents": list(project.documents.all()),
        "catalogue_items": list(project.catalogue_items.all()),
        "communities": list(project.communities.all()),
        "problems": services.eligibility_problems(project, organization) if _is_open(project, now) else [],
        "is_open": _is_open(project, now),
        "editable": editable,
        "closed_message": None if _is_open(project, now) else _closed_message(project),
        "public_url": project_services.public_url(project),
        "outcome": None if _is_open(project, now) else bid_outcome(bid, project),
        "failures": list(failures),
        **_deadline_info(project, now),
    }
    if bid is None:
        return context
    versions = list(selectors.versions_for(request.user, bid).order_by("-number"))
    documents = list(selectors.documents_for(request.user, bid).order_by("pk"))
    active = [d for d in documents if d.removed_at is None]
    current = next((v for v in versions if v.pk == bid.current_version_id), None)
    version_documents = (
        list(selectors.documents_for(request.user, bid).filter(versions=current).order_by("pk")) if current else []
    )
    responses = [(c, (bid.responses or {}).get(str(c.pk), "")) for c in criteria if not c.is_price]
    if current is not None:
        submitted_responses = [(c, (current.responses or {}).get(str(c.pk), "")) for c in criteria if not c.is_price]
    else:
        submitted_responses = []
    context.update(
        {
            "versions": versions,
            "current_version": current,
            "counts": current is not None and bid.state != Bid.State.WITHDRAWN,
            "documents": active,
            "version_documents": version_documents,
            "responses": responses,
            "submitted_responses": submitted_responses,
            "missing": services.missing_parts(bid, project) if editable else [],
            "changed": editable
            and bid.state == Bid.State.SUBMITTED
            and _unsubmitted_changes(bid, current, active, version_documents),
            "form": form
            if form is not None
            else BidForm(initial=BidForm.initial_for(bid), project=project, criteria=criteria),
            "document_form": document_form if document_form is not None else BidDocumentForm(),
            "submit_form": SubmitBidForm(),
            "withdraw_form": WithdrawBidForm(),
        }
    )
    return context


@never_cache
@member_required
def bid(request, organization, ref):
    """The call as the organization sees it and its bid: prepare, save the
    draft, attach PDFs; read-only once the deadline has passed."""
    project = public_project(ref)
    bid = _own_bid(request, organization, project)
    if request.method != "POST":
        return render(
            request, "marketplace/procurement/bids/bid.html", _bid_context(request, organization, project, bid)
        )

    action = request.POST.get("action", "")
    if not _is_open(project, arrival(request)):
        messages.error(request, _closed_message(project))
        return render(
            request, "marketplace/procurement/bids/bid.html", _bid_context(request, organization, project, bid)
        )

    if action == "start":
        if bid is not None:
            return redirect(_bid_url(organization, project))
        try:
            services.start_bid(project, organization, by=request.user, received_at=arrival(request))
        except services.BidError as error:
            messages.error(request, error.message)
            context = _bid_context(request, organization, project, None, failures=error.failures)
            return render(request, "marketplace/procurement/bids/bid.html", context)
        messages.success(request, _("Your draft bid is ready. It is saved as you go; nobody else can see it."))
        return redirect(_bid_url(organization, project, "editor"))

    if bid is None:
        raise Http404

    return _edit(request, organization, project, bid, action)


def _posted_editor(request):
    """Did the POST carry the editor's fields?  Every button of the bid page
    sits in one form, so a browser always sends them; a POST without them
    (an old page, a script) must not wipe the draft."""
    return "price" in request.POST


def _submitted_message(version):
    return _("Your bid was received at %(time)s (version %(number)s). Keep this receipt.") % {
        "time": timezone.localtime(version.received_at or version.submitted_at).strftime("%Y-%m-%d %H:%M:%S"),
        "number": version.number,
    }


def _edit(request, organization, project, bid, action):
    """Every button of the bid page posts the whole page: what was typed is
    saved first (``save_bid``), then the button's own step is taken through
    its service (attach, remove, submit, withdraw).  A refusal renders the
    page again with everything typed; a chosen file is the one thing a
    browser cannot be given back."""
    criteria = list(project.criteria.all())
    form = BidForm(request.POST, project=project, criteria=criteria)
    document_form = BidDocumentForm(request.POST, request.FILES) if action == "upload" else None
    submit_form = SubmitBidForm(request.POST) if action == "submit" else None
    withdraw_form = WithdrawBidForm(request.POST) if action == "withdraw" else None

    def again(**kwargs):
        current = _own_bid(request, organization, project)  # as saved, for what is missing
        context = _bid_context(
            request, organization, project, current, form=form, document_form=document_form, **kwargs
        )
        if submit_form is not None:
            context["submit_form"] = submit_form
        if withdraw_form is not None:
            context["withdraw_form"] = withdraw_form
        return render(request, "marketplace/procurement/bids/bid.html", context)

    def refused():
        # The form's own box says what to correct; only the lost file is worth a word.
        if action == "upload" and request.FILES:
            messages.error(request, _("The PDF was not attached: correct the form below, then choose the file again."))
        return again()

    saved = False
    if _posted_editor(request) or action in ("save", "save_submit"):
        if not form.is_valid():
            return refused()
        try:
            services.save_bid(bid, by=request.user, received_at=arrival(request), **form.service_data())
        except services.BidError as error:
            form.add_service_error(error)
            return refused()
        saved = True
    draft_saved = _("Draft saved at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M:%S")}

    if action == "save_submit":
        return redirect("orgs:bid_submit", organization.pk, project.ref)
    if action == "save":
        messages.success(request, draft_saved)
        return redirect(_bid_url(organization, project, "editor"))

    step_failed = _("The draft is saved; this step was not taken: see below.") if saved else None
    if action == "upload":
        if document_form.is_valid():
            try:
                document = services.upload_document(
                    bid,
                    by=request.user,
                    received_at=arrival(request),
                    file=document_form.cleaned_data["file"],
                    title=document_form.cleaned_data["title"],
                )
            except services.BidError as error:
                document_form.add_service_error(error)
            else:
                if saved:
                    messages.success(request, draft_saved)
                messages.success(request, _("Attached: %(title)s.") % {"title": document.title})
                return redirect(_bid_url(organization, project, "documents"))
        if step_failed:
            messages.error(request, step_failed)
        return again()

    if action.startswith("remove-"):
        if saved:
            messages.success(request, draft_saved)
        found = None
        number = action.removeprefix("remove-")
        if number.isdigit() and len(number) < 19:
            found = selectors.documents_for(request.user, bid).filter(pk=int(number), removed_at__isnull=True).first()
        if found is not None:
            try:
                services.remove_document(found, by=request.user, received_at=arrival(request))
            except services.BidError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Removed from the bid: %(title)s.") % {"title": found.title})
        return redirect(_bid_url(organization, project, "documents"))

    if action == "submit":
        failures = ()
        if submit_form.is_valid():
            try:
                version = services.submit_bid(bid, by=request.user, received_at=arrival(request))
            except services.BidError as error:
                messages.error(request, error.message)
                failures = error.failures
            else:
                messages.success(request, _submitted_message(version))
                return redirect("orgs:receipt", organization.pk, project.ref, version.number)
        if step_failed:
            messages.error(request, step_failed)
        return again(failures=failures)

    if action == "withdraw":
        if withdraw_form.is_valid():
            try:
                services.withdraw_bid(bid, by=request.user, received_at=arrival(request))
            except services.BidError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Your bid was withdrawn. You may submit it again before the deadline."))
                return redirect(_bid_url(organization, project))
        if step_failed:
            messages.error(request, step_failed)
        return again()

    if saved:
        messages.success(request, draft_saved)
    return redirect(_bid_url(organization, project))


@never_cache
@member_required
def submit(request, organization, ref):
    """Submit (or submit again, or confirm after an addendum): a page with
    what will be submitted, what is missing and the confirmation tick."""
    project = public_project(ref)
    bid = _own_bid(request, organization, project)
    if bid is None:
        return redirect(_bid_url(organization, project))
    form = SubmitBidForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if not _is_open(project, arrival(request)):
            messages.error(request, _closed_message(project))
            return redirect(_bid_url(organization, project))
        if form.is_valid():
            try:
                version = services.submit_bid(bid, by=request.user, received_at=arrival(request))
            except services.BidError as caught:
                error = caught
            else:
                messages.success(request, _submitted_message(version))
                return redirect("orgs:receipt", organization.pk, project.ref, version.number)
    bid = _own_bid(request, organization, project)  # unchanged; read again for the page
    context = _bid_context(request, organization, project, bid)
    context.update(
        {
            "submit_form": form,
            "error": error.message if error else None,
            "failures": error.failures if error else [],
        }
    )
    if _is_open(project):
        context["missing"] = services.missing_parts(bid, project)
    return render(request, "marketplace/procurement/bids/submit.html", context)


@never_cache
@member_required
def withdraw(request, organization, ref):
    project = public_project(ref)
    bid = required_bid(request, organization, project)
    form = WithdrawBidForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _is_open(project, arrival(request)):
            messages.error(request, _closed_message(project))
            return redirect(_bid_url(organization, project))
        if form.is_valid():
            try:
                services.withdraw_bid(bid, by=request.user, received_at=arrival(request))
            except services.BidError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Your bid was withdrawn. You may submit it again before the deadline."))
            return redirect(_bid_url(organization, project))
    return render(
        request,
        "marketplace/procurement/bids/withdraw.html",
        {
            "organization": organization,
            "project": project,
            "bid": bid,
            "withdraw_form": form,
            "is_open": _is_open(project),
            "closed_message": None if _is_open(project) else _closed_message(project),
            **_deadline_info(project),
        },
    )


@member_required
def document(request, organization, ref, doc_pk):
    """A PDF of the organization's bid, for its members only."""
    project = public_project(ref)
    bid = required_bid(request, organization, project)
    found = selectors.documents_for(request.user, bid).filter(pk=doc_pk).first()
    if found is None:
        raise Http404
    # Bid documents are always PDF (sniffed).  A plain str: WSGI servers refuse str subclasses in headers.
    found.content_type = "application/pdf"
    return document_services.file_response(found)


@require_POST
@member_required
def remove_document(request, organization, ref, doc_pk):
    project = public_project(ref)
    bid = required_bid(request, organization, project)
    found = selectors.documents_for(request.user, bid).filter(pk=doc_pk, removed_at__isnull=True).first()
    if found is None:
        raise Http404
    if not _is_open(project, arrival(request)):
        messages.error(request, _closed_message(project))
    else:
        try:
            services.remove_document(found, by=request.user, received_at=arrival(request))
        except services.BidError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Removed from the bid: %(title)s.") % {"title": found.title})
    return redirect(_bid_url(organization, project, "documents"))


# --- questions -----------------------------------------------------------------------------------------


@never_cache
@member_required
def ask(request, organization, ref):
    project = public_project(ref)
    form = QuestionForm(request.POST if request.method == "POST" else None)
    failures = []
    if request.method == "POST" and form.is_valid():
        try:
            project_services.ask_question(
                project, organization=organization, by=request.user, question=form.cleaned_data["question"]
            )
        except project_services.ProjectError as error:
            form.add_service_error(error)
        except services.BidError as error:
            form.add_service_error(error)
            failures = error.failures
        else:
            messages.success(
                request,
                _("Your question was sent. The answer will be published on the call page without your name."),
            )
            return redirect(_bid_url(organization, project, "questions"))
    return render(
        request,
        "marketplace/procurement/bids/ask.html",
        {
            "organization": organization,
            "project": project,
            "form": form,
            "failures": failures,
            "is_open": _is_open(project),
            "closed_message": None if _is_open(project) else _closed_message(project),
            "public_url": project_services.public_url(project),
            **_deadline_info(project),
        },
    )


# --- receipts ----------------------------------------------------------------------------------------------


def _version(request, organization, ref, number):
    project = public_project(ref)
    bid = required_bid(request, organization, project)
    version = selectors.versions_for(request.user, bid).filter(number=number).first()
    if version is None:
        raise Http404
    return project, bid, version


def _receipt_name(project, version, extension):
    return f"receipt-{project.ref}-v{version.number}.{extension}"


@never_cache
@member_required
def receipt(request, organization, ref, number):
    project, bid, version = _version(request, organization, ref, number)
    documents = list(selectors.documents_for(request.user, bid).filter(versions=version).order_by("sha256", "pk"))
    return render(
        request,
        "marketplace/procurement/bids/receipt.html",
        {
            "organization": organization,
            "project": project,
            "bid": bid,
            "version": version,
            "documents": documents,
            "verified": services.verify(version),
            "counts": bid.current_version_id == version.pk and bid.state != Bid.State.WITHDRAWN,
            "json_name": _receipt_name(project, version, "json"),
        },
    )


@member_required
def receipt_json(request, organization, ref, number):
    """The exact canonical text the digest covers: ``sha256sum`` of this file is the digest."""
    project, bid, version = _version(request, organization, ref, number)
    response = HttpResponse(version.canonical.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_receipt_name(project, version, "json")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
def receipt_pdf(request, organization, ref, number):
    project, bid, version = _version(request, organization, ref, number)
    response = HttpResponse(services.receipt_pdf(version), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_receipt_name(project, version, "pdf")}"'
    protect_document(response, attachment=False)  # generated by the platform: viewable inline
    response["Cache-Control"] = "private, no-store"
    return response


# --- the public help page on receipts ----------------------------------------------------------------------


EXAMPLE_SUBMITTED_AT = datetime.datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=datetime.UTC)
EXAMPLE_RECEIVED_AT = datetime.datetime(2026, 11, 22, 9, 59, 59, 987654, tzinfo=datetime.UTC)


def example_receipt():
    """A worked example, computed with the same function as real receipts."""
    plan = b"%PDF-1.4 example service plan\n%%EOF\n"
    canonical = services.canonical_form(
        project_ref="SFQ-2026-0007",
        organization=types.SimpleNamespace(pk=12, name="阳光社工服务中心"),
        version=1,
        price=Decimal("128000.00"),
        responses=[
            {"criterion": "服务方案", "text": "每周上门两次，助洁、助浴、助餐。"},
            {"criterion": "团队与经验", "text": "持证社工3名，护理员5名。"},
        ],
        team="项目主管1名，持证社工3名",
        experience="2023年起在和平社区提供居家养老服务",
        documents_=[{"name": "服务方案.pdf", "sha256": hashlib.sha256(plan).hexdigest(), "size": len(plan)}],
        revision=0,
        submitted_at=EXAMPLE_SUBMITTED_AT,
        received_at=EXAMPLE_RECEIVED_AT,
    )
    return {
        "canonical": canonical,
        "pretty": json.dumps(json.loads(canonical), ensure_ascii=False, indent=2, sort_keys=True),
        "digest": services.digest_of(canonical),
        "bytes": len(canonical.encode("utf-8")),
    }


def receipt_help(request):
    """How a receipt's digest is made and how to recompute it (public)."""
    return render(
        request,
        "marketplace/procurement/bids/receipt_help.html",
        {"example": example_receipt(), "format": services.CANONICAL_FORMAT},
    )
