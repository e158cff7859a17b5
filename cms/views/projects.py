"""Public purchase projects (/projects/): the list of calls with filters and
search, each call's announcement (采购公告) at ``/projects/<ref>/`` with its
PDF and documents, once the bids are opened, the opening record (开标记录)
at ``/projects/<ref>/opening/`` with its PDF, and once the project is
awarded, the result announcement (结果公告) at ``/projects/<ref>/result/``
with the public evaluation report at ``/projects/<ref>/result/pdf/``.

Drafts and projects awaiting approval are 404 for everyone.  Every view that
shows one project first opens its bids if the deadline has passed (the lazy
half of the opening), so the pages never depend on the scheduler.  Nothing
here reads bids: before the opening the pages say nothing about them; the
result comes from ``marketplace.evaluation.selectors``, which carries no
personal data."""

import re

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from contracts.contracts import public as contracts_public
from marketplace.core.filters import PER_PAGE
from marketplace.core.headers import protect_document
from marketplace.core.paging import bounded_page
from marketplace.evaluation import pdfs as evaluation_pdfs
from marketplace.evaluation import selectors as result_selectors
from marketplace.procurement import pdfs as project_pdfs
from marketplace.procurement import public
from marketplace.procurement.filters import PublicProjectFilterSet
from marketplace.procurement.models.projects import Project
from marketplace.procurement.selectors import projects as selectors

DOCUMENT_PART = re.compile(r"^documents/(?P<pk>[0-9]{1,18})$")


def index(request, page):
    """The open calls (招标中) by default, nearest deadline first; the other
    states are tabs with their counts (plain links)."""
    filterset = PublicProjectFilterSet(request.GET)
    state_tabs = filterset.state_tabs()
    # The chosen tab counts the listed rows already: no second COUNT (issue 18).
    count = next(tab["count"] for tab in state_tabs if tab["current"])
    projects_page = bounded_page(request, filterset.qs, PER_PAGE, count=count)
    kept = filterset.kept()
    return render(
        request,
        "cms/projects/index.html",
        {
            "page": page,
            "filter_form": filterset.form,
            "filtered": filterset.filtered,
            "state": filterset.chosen_state,
            "state_tabs": state_tabs,
            "open_list": filterset.chosen_state == Project.State.PUBLISHED,
            "active_filters": len([name for name in kept if name != "state"]),
            "projects_page": projects_page,
            "projects": list(projects_page.object_list),
            "result_count": projects_page.paginator.count,
            "open_data_url": reverse("ocds:index"),
            "projects_url": page.get_url(request),
            "pagination_query": filterset.querystring,
            "now": timezone.now(),
        },
    )


# --- one call -----------------------------------------------------------------------


def _public_project(key):
    """The public project with this reference, its bids opened if the
    deadline has passed; 404 for drafts, pending and unknown references."""
    project = public.public_project(key)
    if project is None:
        raise Http404
    return project


def _call_page_of(project):
    from cms.models import CallAnnouncementPage

    return CallAnnouncementPage.objects.filter(project=project, live=True).first()


def _opening_page_of(project):
    from cms.models import OpeningRecordPage

    return OpeningRecordPage.objects.filter(project=project, live=True).first()


def _result_page_of(project):
    from cms.models import ResultAnnouncementPage

    return ResultAnnouncementPage.objects.filter(project=project, live=True).first()


def _contract_link(request, project):
    """The contract announcement of the project, once its contract is signed."""
    from cms.models import Section, SectionPage

    number = contracts_public.published().filter(project=project).values_list("number", flat=True).first()
    if number is None:
        return {"contract_url": ""}
    disclosure = SectionPage.objects.filter(section=Section.DISCLOSURE).first()
    base = disclosure.get_url(request) if disclosure is not None else "/disclosure/"
    return {"contract_url": f"{base}{number}/", "contract_number": number}


def _render_call(request, section, project, call_page):
    base = section.get_url(request) if section is not None else "/projects/"
    context = selectors.call_facts(project)
    context.update(
        {
            "page": call_page or section,
            "section": section,
            "call_page": call_page,
            "projects_url": base,
            "call_url": f"{base}{project.ref}/",
            "is_open": project.state == Project.State.PUBLISHED,
            "has_result": result_selectors.has_result(project),
            # The bid button (or why not) for this reader: procurement's rules.
            "bid_road": public.bid_road(request.user, project),
            **_contract_link(request, project),
        }
    )
    response = render(request, "cms/projects/call.html", context)
    if request.user.is_authenticated:
        add_never_cache_headers(response)  # it names the reader's organizations
    return response


def _render_opening(request, section, project, opening_page):
    facts = selectors.opening_facts(project)
    if facts is None:
        raise Http404
    base = section.get_url(request) if section is not None else "/projects/"
    facts.update(
        {
            "page": opening_page or section,
            "section": section,
            "opening_page": opening_page,
            "projects_url": base,
            "call_url": f"{base}{project.ref}/",
            "has_result": result_selectors.has_result(project),
        }
    )
    return render(request, "cms/projects/opening.html", facts)


def _render_result(request, section, project, result_page):
    facts = result_selectors.result_facts(project)
    if facts is None:
        raise Http404
    base = section.get_url(request) if section is not None else "/projects/"
    facts.update(
        {
            "page": result_page or section,
            "section": section,
            "result_page": result_page,
            "projects_url": base,
            "call_url": f"{base}{project.ref}/",
            "opened": project.opened_at is not None,
            "filing_days": settings.CHALLENGE_FILING_WORKING_DAYS,
            **_contract_link(request, project),
        }
    )
    return render(request, "cms/projects/result.html", facts)


def detail(request, page, key):
    project = _public_project(key)
    return _render_call(request, page, project, _call_page_of(project))


def part(request, page, key, part):
    project = _public_project(key)
    if part == "pdf":
        return _pdf(project, "call", project.ref)
    if part == "opening":
        return _render_opening(request, page, project, _opening_page_of(project))
    if part == "opening/pdf":
        return _pdf(project, "opening", f"{project.ref}-opening")
    if part == "result":
        return _render_result(request, page, project, _result_page_of(project))
    if part == "result/pdf":
        return _result_pdf(project)
    match = DOCUMENT_PART.match(part)
    if match:
        return _document(project, int(match["pk"]))
    raise Http404


def _pdf(project, kind, filename):
    if kind == "opening" and project.opened_at is None:
        raise Http404
    body = project_pdfs.cached_pdf(kind, project)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return protect_document(response, attachment=False)  # generated by the platform: viewable inline


def result_pdf_key(project, award):
    """What the public report PDF depends on: the report, the award and
    whether the members' scores are published."""
    state = "cancelled" if award.cancelled_at is not None else "live"
    scores = int(bool(settings.RESULTS_PUBLISH_MEMBER_SCORES))
    return f"result-pdf:{project.pk}:{award.report_id}:{award.pk}:{state}:{scores}"


def _result_pdf(project):
    """The public version of the evaluation report behind the shown award:
    no declarations' details, no appointment reasons and, unless
    configured, no member's score sheets (``report_pdf(public=True)``)."""
    award = result_selectors.shown_award(project)  # the project is public (``_public_project``)
    if award is None:
        raise Http404
    key = result_pdf_key(project, award)
    body = cache.get(key)
    if body is None:
        body = evaluation_pdfs.report_pdf(project, award.report, public=True)
        cache.set(key, body, project_pdfs.CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{project.ref}-result.pdf"'
    return protect_document(response, attachment=False)


def _document(project, pk):
    document = selectors.document(project, pk)
    if document is None:
        raise Http404
    # An uploaded file: always an attachment, in an empty sandbox.
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=document.original_name or "document.pdf",
    )
    return protect_document(response, attachment=True)


# --- the pages served by Wagtail itself (previews) -----------------------------------


def call_page(request, page):
    """``CallAnnouncementPage.serve``: the same page as ``/projects/<ref>/``
    (reached this way only by the Wagtail admin's preview)."""
    project = selectors.public_project(page.project.ref)
    if project is None:
        raise Http404
    section = page.get_parent().specific if page.pk else None
    return _render_call(request, section, project, page)


def opening_page(request, page):
    project = selectors.public_project(page.project.ref)
    if project is None:
        raise Http404
    call = page.get_parent() if page.pk else None
    section = call.get_parent().specific if call is not None else None
    return _render_opening(request, section, project, page)


def result_page(request, page):
    project = selectors.public_project(page.project.ref)
    if project is None:
        raise Http404
    call = page.get_parent() if page.pk else None
    section = call.get_parent().specific if call is not None else None
    return _render_result(request, section, project, page)
