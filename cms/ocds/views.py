"""Open data (OCDS 1.1.5) at /ocds/: a page for developers, one project's
release package and record package, the change feed and the bulk download.

Every answer is built from the public read modules (``cms.ocds.releases``):
nothing about a bid before its opening, no person.  JSON errors are JSON
(``{"error": …}``) with status 400 or 404, never a page."""

import datetime

from django.conf import settings
from django.db.models import Min
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
AFTER_ID_MAX_LENGTH = 300
#: the change feed's time windows (``changed_releases``)
WINDOW_FIRST = datetime.timedelta(days=1)
WINDOW_MIN = datetime.timedelta(seconds=1)
WINDOW_MAX = datetime.timedelta(days=365 * 100)
WINDOW_GROWTH = 4
WINDOW_SLACK_BEFORE = datetime.timedelta(seconds=1)
WINDOW_SLACK_AFTER = datetime.timedelta(seconds=2)
#: a window naming more projects than this many times the page size shrinks
NAMED_PER_PAGE_RELEASE = 4
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


def _first_page(value):
    """``page`` survives only as ``1`` or absent: the feed pages by keyset
    (``after``), and ``links.next`` carries it."""
    value = (value or "1").strip()
    if value != "1":
        raise ValueError(value)


def parse_after(value):
    """The cursor ``after=<ISO time>,<release id>`` (the last release of the
    previous page, as ``links.next`` writes it): ``(datetime, id)``; None when
    empty; ValueError when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    when, comma, release_id = value.partition(",")
    if not comma or not release_id or len(release_id) > AFTER_ID_MAX_LENGTH or has_control_characters(release_id):
        raise ValueError(value)
    return parse_since(when), release_id


def _first_event():
    """The earliest moment a public project's first release can have: its
    purchase intention's or its call's publication (one aggregate); None when
    no project is public."""
    found = procurement_public.open_data_projects().aggregate(
        intention=Min("intention_published_at"), call=Min("published_at")
    )
    times = [when for when in found.values() if when is not None]
    return min(times) if times else None


def _releases_of(site, ids, keep):
    """``[(time, id, release)]`` of the projects ``ids`` that ``keep(time, id)``."""
    found = []
    if not ids:
        return found
    projects = procurement_public.open_data_projects().filter(pk__in=sorted(ids))
    for project in projects.iterator(chunk_size=CHUNK):
        for when, release in ocds.releases_with_times(project, site):
            if keep(when, release["id"]):
                found.append((when, release["id"], release))
    return found


def changed_releases(site, size, *, since=None, after=None, now=None):
    """One page of the change feed: ``([(time, id, release)], more)``, up to
    ``size`` releases ordered by date then id, dated strictly after ``since``
    (all when None) and, given the cursor ``after=(time, id)``, after it in
    that order; ``more`` when others follow.

    Bounded work a page (issue 18): the walk goes forward in time windows
    ``(t0, t1]`` from the cursor (else ``since``, else the first publication),
    asks the domains which projects had an event in each
    (``announcements.changed_since(t0 - 1 s, t1 + 2 s)``: a release's time is
    its event's truncated to the second, and a failure's is the audit chain's,
    written with the row), builds those projects' releases (each project once
    a page, keeping all its releases after the cursor: one counts once the
    walk has passed its time), and stops once it holds ``size + 1`` or
    reaches now; then one window open to the future (an event dated ahead of
    the server's clock is still shown).  A window that names more than
    ``NAMED_PER_PAGE_RELEASE × size`` projects not yet built shrinks (down to
    one second, whose projects are all built); one that names none grows ×4,
    so a sparse history costs a few cheap queries.  Hand-written: Django's paginators
    count or slice one queryset, and releases are built from five domains."""
    now = now or timezone.now()
    if after is not None:
        start = after[0]

        def keep(when, release_id):
            return (when, release_id) > after

    else:
        first = _first_event()
        if first is None:
            return [], False
        start = first - WINDOW_SLACK_BEFORE
        if since is not None:
            start = max(start, since)

        def keep(when, release_id):
            return since is None or when > since

    # Each project is built once a page: all its releases the page may show
    # go to ``pool``; those dated up to where the walk has reached are final.
    pool, built = [], set()
    t0, span, walked = start, WINDOW_FIRST, start
    while sum(1 for row in pool if walked is None or row[0] <= walked) <= size:
        if t0 >= now:
            ids = announcements.changed_since(t0 - WINDOW_SLACK_BEFORE) - built
            upper = None
        else:
            upper = min(t0 + span, now)
            ids = announcements.changed_since(t0 - WINDOW_SLACK_BEFORE, upper + WINDOW_SLACK_AFTER) - built
            if len(ids) > NAMED_PER_PAGE_RELEASE * size and span > WINDOW_MIN:
                span = max(WINDOW_MIN, datetime.timedelta(seconds=int(span.total_seconds() * size / len(ids))))
                continue
        pool += _releases_of(site, ids, keep)
        built |= ids
        walked = upper
        if upper is None:
            break
        t0 = upper
        if not ids:
            span = min(span * WINDOW_GROWTH, WINDOW_MAX)
    held = sorted((row for row in pool if walked is None or row[0] <= walked), key=lambda row: (row[0], row[1]))
    return held[:size], len(held) > size


def _after_value(when, release_id):
    return f"{ocds.stamp(when)},{release_id}"


@require_safe
def changes(request):
    """The change feed: ``?since=`` (optional, strictly after) and the
    cursor ``?after=<ISO time>,<release id>`` that ``links.next`` carries
    (keyset pages: each costs about the same however deep, issue 18).
    ``page`` is accepted only as ``1``; any other page, a bad ``since`` or a
    bad ``after`` is a 400 JSON error.  Nothing (more) to say: 204, since a
    release package holds at least one release."""
    try:
        since = parse_since(request.GET.get("since"))
    except ValueError:
        return _error(
            _("'since' must be an ISO 8601 date or date and time, e.g. 2026-03-01 or 2026-03-01T08:00:00+08:00.")
        )
    try:
        _first_page(request.GET.get("page"))
    except ValueError:
        return _error(_("This feed has no numbered pages: follow links.next from the first page."))
    try:
        after = parse_after(request.GET.get("after"))
    except ValueError:
        return _error(
            _("'after' must be the value links.next gives: an ISO 8601 date and time, a comma and a release id.")
        )
    site = site_for(request)
    found, more = changed_releases(site, settings.OCDS_PAGE_SIZE, since=since, after=after)
    if not found:
        # A release package holds at least one release (the schema's minItems).
        empty = HttpResponse(status=204)
        empty["Access-Control-Allow-Origin"] = "*"
        return empty
    query = {"since": request.GET.get("since", "").strip()} if since is not None else {}
    base = request.build_absolute_uri(reverse("ocds:changes"))
    here = {**query, "after": _after_value(*after)} if after is not None else query
    uri = f"{base}?{urlencode(here)}" if here else base
    package = packages.release_package([release for _when, _id, release in found], uri=uri, policy=_policy(request))
    if more:
        last_when, last_id, _release = found[-1]
        package["links"] = {"next": f"{base}?{urlencode({**query, 'after': _after_value(last_when, last_id)})}"}
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
