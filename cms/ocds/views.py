"""Open data (OCDS 1.1.5) at /ocds/: a page for developers, one project's
release package and record package, the change feed and the bulk download.

Every answer is built from the public read modules (``cms.ocds.releases``):
nothing about a bid before its opening, no person.  JSON errors are JSON
(``{"error": …}``) with status 400 or 404, never a page."""

import datetime

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cms import announcements
from cms.ocds import packages
from cms.ocds import releases as ocds
from marketplace.core.params import has_control_characters
from marketplace.procurement import public as procurement_public

#: Projects read per database round trip by the feeds that walk them all.
CHUNK = 100
SINCE_MAX_LENGTH = 40
PAGE_MAX = 100_000
JSON_TYPE = "application/json; charset=utf-8"


def site_for(request):
    """Where the public pages are, for this request's host."""
    from cms.models import Section, SectionPage

    paths = {}
    for key, default in ((Section.PROJECTS, "/projects/"), (Section.DISCLOSURE, "/disclosure/")):
        section = SectionPage.objects.filter(section=key).live().first()
        url = section.get_url(request) if section is not None else None
        paths[key] = url or default
    return ocds.Site(
        request.build_absolute_uri("/"), projects=paths[Section.PROJECTS], disclosure=paths[Section.DISCLOSURE]
    )


def _policy(request):
    return request.build_absolute_uri(reverse("ocds:index"))


def _json(data, status=200):
    response = HttpResponse(packages.dumps(data), content_type=JSON_TYPE, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(message, status=400):
    response = JsonResponse({"error": str(message)}, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def index(request):
    example = procurement_public.open_data_projects().order_by("-pk").values_list("ref", flat=True).first()
    return render(
        request,
        "cms/ocds/index.html",
        {
            "prefix": settings.OCDS_OCID_PREFIX,
            "publisher": settings.OCDS_PUBLISHER_NAME,
            "license": settings.OCDS_LICENSE,
            "page_size": settings.OCDS_PAGE_SIZE,
            "uscc_scheme": ocds.USCC_SCHEME,
            "example_ocid": ocds.ocid(example) if example else "",
            "root": request.build_absolute_uri("/").rstrip("/"),
            "methods": sorted(ocds.METHODS.items()),
        },
    )


def _project(ocid):
    ref = ocds.ref_of(ocid)
    return procurement_public.open_data_project(ref) if ref else None


@require_safe
def release_package(request, ocid):
    project = _project(ocid)
    if project is None:
        return _error(_("No public contracting process has this ocid."), status=404)
    site = site_for(request)
    found = ocds.project_releases(project, site)
    return _json(packages.release_package(found, uri=site.release_package(project.ref), policy=_policy(request)))


@require_safe
def record_package(request, ocid):
    project = _project(ocid)
    if project is None:
        return _error(_("No public contracting process has this ocid."), status=404)
    site = site_for(request)
    found = ocds.project_releases(project, site)
    package_url = site.release_package(project.ref)
    records = [packages.record(found, package_url=package_url)] if found else []
    return _json(
        packages.record_package(
            records, uri=site.record_package(project.ref), policy=_policy(request), packages=[package_url]
        )
    )


def parse_since(value):
    """An ISO 8601 date or date and time (``2026-03-01``,
    ``2026-03-01T08:00:00+08:00``, ``…Z``); without an offset it is Beijing
    time.  None when empty; ValueError when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > SINCE_MAX_LENGTH or has_control_characters(value):
        raise ValueError(value)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    found = datetime.datetime.fromisoformat(value)
    if not 1900 <= found.year <= 9000:  # far ends overflow once the offset is applied
        raise ValueError(value)
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


def _page(value):
    value = (value or "1").strip()
    if not value.isdigit() or not 1 <= int(value) <= PAGE_MAX:
        raise ValueError(value)
    return int(value)


def changed_projects(since):
    """The projects that may have a release after ``since`` (all when None):
    each domain names the projects with an event after it, so the feed reads
    only those (a superset: every release's time is its event's, to the second)."""
    projects = procurement_public.open_data_projects()
    if since is None:
        return projects
    return projects.filter(pk__in=sorted(announcements.changed_since(since)))


def changed_releases(site, since):
    """Every release dated after ``since`` (all when None), ordered by date
    then id.  Walks the projects that changed in chunks; keeps only the
    releases it returns."""
    found = []
    for project in changed_projects(since).iterator(chunk_size=CHUNK):
        for when, release in ocds.releases_with_times(project, site):
            if since is None or when > since:
                found.append((when, release["id"], release))
    found.sort(key=lambda row: (row[0], row[1]))
    return [release for _when, _id, release in found]


@require_safe
def changes(request):
    try:
        since = parse_since(request.GET.get("since"))
    except ValueError:
        return _error(
            _("'since' must be an ISO 8601 date or date and time, e.g. 2026-03-01 or 2026-03-01T08:00:00+08:00.")
        )
    try:
        page = _page(request.GET.get("page"))
    except ValueError:
        return _error(_("'page' must be a whole number from 1."))
    site = site_for(request)
    size = settings.OCDS_PAGE_SIZE
    found = changed_releases(site, since)
    chunk = found[(page - 1) * size : page * size]
    if not chunk:
        # A release package holds at least one release (the schema's
        # minItems): nothing new answers 204, a page past the last 404.
        if page == 1:
            empty = HttpResponse(status=204)
            empty["Access-Control-Allow-Origin"] = "*"
            return empty
        return _error(_("There is no such page."), status=404)
    query = {"since": request.GET.get("since", "").strip()} if since is not None else {}
    base = request.build_absolute_uri(reverse("ocds:changes"))
    uri = f"{base}?{urlencode({**query, 'page': page})}"
    package = packages.release_package(chunk, uri=uri, policy=_policy(request))
    links = {}
    if page * size < len(found):
        links["next"] = f"{base}?{urlencode({**query, 'page': page + 1})}"
    if page > 1:
        links["prev"] = f"{base}?{urlencode({**query, 'page': page - 1})}"
    if links:
        package["links"] = links
    return _json(package)


def bulk_lines(site):
    """Every release of every public project, one JSON document a line,
    project after project (memory holds one chunk of projects at a time)."""
    for project in procurement_public.open_data_projects().iterator(chunk_size=CHUNK):
        for release in ocds.project_releases(project, site):
            yield packages.dumps(release) + "\n"


@require_safe
def bulk(request):
    response = StreamingHttpResponse(bulk_lines(site_for(request)), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="releases.jsonl"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
