"""The permission matrix: every route of the URL conf × every role, with
object ids that belong to somebody (``tests.security.matrix_world``), and
the answer each role must get written down in
``tests.security.matrix_expectations``.

The routes are read from the resolver, recursively, so the Wagtail admin's
viewsets, choosers, reports, bulk actions (one entry per registered action),
page types, and the public page tree behind Wagtail's catch-all (one entry
per routable sub-route of each section) are all there; a route that has no
entry fails ``test_every_route_has_an_entry`` with the line to add.

Each route is fetched with GET by every role; routes marked ``post`` are
also sent an empty POST by the roles that must be refused, and nothing may
change (the audit log and Wagtail's log count the same before and after).
The world is built once per module; each test runs inside a savepoint."""

import re
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security import matrix_expectations as expect
from tests.security.matrix_world import build_world

ROLES = expect.ROLES
LOGIN_PATHS = {"/accounts/login/", "/admin/login/", "/_util/login/"}


# --- the routes --------------------------------------------------------------------------------------


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _bulk_actions():
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry

    bulk_action_registry._scan_for_bulk_actions()
    for app_label, models in sorted(bulk_action_registry.actions.items()):
        for model_name, actions in sorted(models.items()):
            for action in sorted(actions):
                yield f"{app_label}/{model_name}/{action}"


def _page_types():
    from wagtail.models import get_page_models

    return sorted(f"{m._meta.app_label}/{m._meta.model_name}" for m in get_page_models())


def _page_api_actions():
    from wagtail.admin.api.views import PagesAdminAPIViewSet

    return sorted(PagesAdminAPIViewSet.actions)


def _public_routes():
    """Each live page type's own answer and each routable sub-route of each
    section page: ``page:<section or type>:<sub-route pattern>``."""
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import Page

    keys = set()
    for page in Page.objects.live().specific():
        if page.depth < 2:
            continue
        label = getattr(page, "section", None) or page._meta.model_name
        if isinstance(page, RoutablePageMixin):
            for route in page.get_subpage_urls():
                keys.add(f"page:{label}:{route.pattern}")
        else:
            keys.add(f"page:{label}")
    return keys


# Patterns that stand for a family: one entry per member of the family.
FAMILIES = {
    "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/": lambda: [f"[{a}]" for a in _bulk_actions()],
    "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/": lambda: [
        f"[{t}]" for t in _page_types()
    ],
    "admin/pages/create/<slug:app_label>/<slug:model_name>": lambda: [f"[{t}]" for t in _page_types()],
    "admin/api/main/^pages/<int:pk>/action/<str:action_name>/": lambda: [f"[{a}]" for a in _page_api_actions()],
}
PUBLIC_CATCH_ALL = "^((?:[\\w\\-]+/)*)$"


def route_keys():
    keys = []
    for route in _walk(get_resolver()):
        if route == PUBLIC_CATCH_ALL:
            keys.extend(sorted(_public_routes()))
        elif route in FAMILIES:
            keys.extend(f"{route} {member}" for member in FAMILIES[route]())
        else:
            keys.append(route)
    return keys


# --- filling in the ids ------------------------------------------------------------------------------
# (route prefix, parameter) → the value; the first matching prefix wins.  Every id names an object
# that belongs to somebody: ``member``'s organization and bid, ``worker``'s community's need, the
# project ``officer`` wrote, a superuser's account, a statutory announcement page.


def _fillers(w):
    u = w.users
    p = w.project
    return [
        ("accounts/verify/email/", "token", "not-a-real-token"),
        ("accounts/notices/", "pk", w.notice.pk),
        ("accounts/reset/", "uidb64", "MQ"),
        ("accounts/reset/", "token", "set-password"),
        ("admin/password_reset/confirm/", "uidb64", "MQ"),
        ("admin/password_reset/confirm/", "token", "set-password"),
        ("work/organizations/", "pk", w.org.pk),
        ("work/organizations/", "doc_pk", w.org_document.pk),
        ("work/projects/<str:ref>/documents/", "pk", w.project_document.pk),
        ("work/projects/<str:ref>/questions/", "pk", w.question.pk),
        ("work/projects/<str:ref>/challenges/<int:pk>/documents/", "doc_pk", w.challenge_document.pk),
        ("work/projects/<str:ref>/challenges/", "pk", w.challenge.pk),
        ("work/projects/<str:ref>/bids/<int:bid_pk>/documents/", "doc_pk", w.bid_document.pk),
        ("work/projects/", "bid_pk", w.bid.pk),
        ("work/projects/", "number", w.report_number),
        ("work/projects/", "ref", p.ref),
        ("work/needs/", "pk", w.need.pk),
        ("work/reports/", "pk", w.resident_report.pk),
        ("work/assessment/", "pk", w.need.pk),
        # issue 15, the contract domain
        ("work/contracts/", "ref", p.ref),
        ("work/contracts/", "number", w.contract.number),
        ("work/contracts/", "doc_pk", w.contract_document.pk),
        ("work/contracts/", "amendment", 1),
        ("org/<int:pk>/contracts/", "number", w.contract.number),
        ("org/<int:pk>/contracts/", "doc_pk", w.contract_document.pk),
        ("org/<int:pk>/contracts/", "amendment", 1),
        ("admin/contract-kinds/", "pk", w.contract_kind.pk),
        ("admin/contract-clauses/", "pk", w.contract_clauses.pk),
        ("admin/contract-clauses/", "revision_id", w.contract_clauses_revision.pk),
        ("admin/snippets/choose/contracts/", "pk", w.contract_clauses.pk),
        ("org/invitations/", "token", w.invitation_token),
        # delivery and supervision (issue 15): the world's contract in force (``member``'s organization,
        # serving ``worker``'s community), its first milestone (report submitted, under evaluation), the
        # report's evidence file, ``worker``'s supervision record on it and the record's photo
        ("org/<int:org_id>/milestones/evidence/", "pk", w.active_evidence.pk),
        ("org/<int:org_id>/milestones/photos/", "pk", w.active_photo.pk),
        ("org/<int:org_id>/milestones/supervision/", "pk", w.active_record.pk),
        ("org/<int:org_id>/milestones/", "pk", w.active_milestone.pk),
        ("org/<int:org_id>/", "org_id", w.org.pk),
        ("community/contracts/photos/", "pk", w.active_photo.pk),
        ("community/contracts/", "pk", w.active_contract.pk),
        ("community/contracts/", "milestone_pk", w.active_milestone.pk),
        ("work/delivery/evidence/", "pk", w.active_evidence.pk),
        ("work/delivery/photos/", "pk", w.active_photo.pk),
        ("work/delivery/", "pk", w.active_milestone.pk),
        ("org/<int:pk>/staff/", "staff_pk", w.staff.pk),
        ("org/<int:pk>/documents/", "doc_pk", w.org_document.pk),
        ("org/<int:pk>/members/invitations/", "invitation_pk", w.invitation.pk),
        ("org/<int:pk>/members/", "membership_pk", w.colleague_membership.pk),
        ("org/<int:pk>/bids/<str:ref>/challenge/", "doc_pk", w.challenge_document.pk),
        ("org/<int:pk>/bids/<str:ref>/documents/", "doc_pk", w.bid_document.pk),
        ("org/<int:pk>/bids/<str:ref>/receipts/", "number", 1),
        ("org/", "step", 1),
        ("org/", "ref", p.ref),
        ("org/", "pk", w.org.pk),
        ("evaluate/", "ref", p.ref),
        ("evaluate/", "bid_pk", w.bid.pk),
        ("evaluate/", "doc_pk", w.bid_document.pk),
        ("evaluate/", "sheet_pk", w.sheet.pk),
        # issue 15, milestone evaluation: the contract in force and its first milestone (under evaluation),
        # the evaluation assigned to ``evaluator`` (declared, not scored), one of the survey links ``worker``
        # made for it (unanswered); no acceptance record exists (nothing was decided), nor any survey answer
        # (``comments/<pk>/`` names the milestone's pk: no answer has it)
        ("work/milestones/contracts/", "pk", w.active_contract.pk),
        ("work/milestones/", "pk", w.active_milestone.pk),
        ("work/milestones/", "record_pk", 999999),
        # issue 16: the world's payment request
        ("work/payments/", "pk", w.payment.pk),
        ("evaluate/milestones/", "pk", w.milestone_evaluation.pk),
        ("community/surveys/", "pk", w.active_milestone.pk),
        ("survey/", "token", w.survey_token),
        # issue 17: an announcement the world's data owes (editors add a note)
        ("admin/announcements/", "pk", w.announcement.pk),
        # issue 17: a day on which no audit head was published
        ("audit/", "day", "2026-01-01"),
        ("evaluate/", "number", w.report_number),
        # the Wagtail admin
        ("admin/api/main/^pages/", "pk", w.call_page.pk),
        ("admin/api/main/^documents/", "pk", w.document.pk),
        ("admin/api/main/^images/", "pk", w.image.pk),
        ("admin/pages/", "parent_page_id", w.section.pk),
        ("admin/pages/", "page_to_move_id", w.call_page.pk),
        ("admin/pages/", "destination_id", w.home.pk),
        ("admin/pages/", "page_id", w.call_page.pk),
        ("admin/pages/", "revision_id", w.revision.pk),
        ("admin/pages/", "pk", w.call_page.pk),
        ("admin/pages/", "action_name", "approve"),
        ("admin/pages/", "task_state_id", 999999),
        # open data (issue 17): the purchase list's and the statistics' fund year, a download's format
        ("purchase-list/", "year", 2026),
        ("purchase-list/", "fmt", "csv"),
        ("statistics/", "year", 2026),
        # open data (issue 17): the ocid of the world's project (opened: public)
        ("ocds/", "ocid", f"{settings.OCDS_OCID_PREFIX}{p.ref}"),
        ("admin/pages/", "task_id", w.task.pk if w.task else 1),
        ("admin/pages/", "workflow_state_id", 999999),
        ("admin/pages/usage/", "content_type_app_name", "cms"),
        ("admin/pages/usage/", "content_type_model_name", "callannouncementpage"),
        ("admin/choose-page/", "parent_page_id", w.section.pk),
        ("admin/tag-autocomplete/", "app_name", "wagtailimages"),
        ("admin/tag-autocomplete/", "model_name", "image"),
        ("admin/collections/", "pk", w.collection.pk),
        ("admin/collections/", "collection_id", w.collection.pk),
        ("admin/workflows/remove/", "page_pk", w.home.pk),
        ("admin/workflows/remove/", "workflow_pk", w.workflow.pk),
        ("admin/workflows/tasks/add/", "app_label", "wagtailcore"),
        ("admin/workflows/tasks/add/", "model_name", "groupapprovaltask"),
        ("admin/workflows/tasks/", "pk", w.task.pk if w.task else 1),
        ("admin/workflows/task_chooser/", "task_id", w.task.pk if w.task else 1),
        ("admin/workflows/", "pk", w.workflow.pk),
        ("admin/editing-sessions/", "app_label", "wagtailcore"),
        ("admin/editing-sessions/", "model_name", "page"),
        ("admin/editing-sessions/", "object_id", w.call_page.pk),
        ("admin/editing-sessions/", "session_id", 999999),
        ("admin/pages/add/", "content_type_app_name", "cms"),
        ("admin/pages/add/", "content_type_model_name", "sectionpage"),
        ("admin/pages/add/", "parent_page_id", w.home.pk),
        ("admin/purchase-method-changes/", "pk", w.method_change.pk if w.method_change else 999999),
        ("admin/catalogue/items/", "pk", w.draft_item.pk),
        ("admin/catalogue/imports/", "pk", w.catalogue_import.pk),
        ("admin/catalogue/", "pk", w.draft_version.pk),
        ("admin/forms/", "page_id", w.home.pk),
        ("admin/redirects/", "redirect_id", w.redirect.pk),
        ("admin/settings/", "app_name", "wagtailcore"),
        ("admin/settings/", "model_name", "site"),
        ("admin/settings/", "pk", w.site.pk),
        ("admin/documents/multiple/", "uploaded_file_id", w.uploaded_document.pk),
        ("admin/documents/", "document_id", w.document.pk),
        ("admin/documents/", "doc_id", w.document.pk),
        ("admin/documents/chooser/", "pk", w.document.pk),
        ("admin/images/multiple/", "uploaded_file_id", w.uploaded_image.pk),
        ("admin/images/", "image_id", w.image.pk),
        ("admin/images/", "filter_spec", "original"),
        ("admin/images/chooser/", "pk", w.image.pk),
        ("admin/catalogue-items/", "pk", w.draft_item.pk),
        ("admin/service-categories/", "pk", w.category.pk),
        ("admin/community-funds/", "pk", w.fund.pk),
        ("admin/entry-standards/", "pk", w.entry_standard.pk),
        ("admin/purchase-methods/", "pk", w.purchase_method.pk),
        ("admin/evaluators/", "pk", w.evaluator_entry.pk),
        ("admin/sites/", "pk", w.site.pk),
        ("admin/users/", "pk", u["superuser"].pk),
        ("admin/groups/", "pk", w.group.pk),
        ("documents/authenticate_with_password/", "restriction_id", 999999),
        ("_util/authenticate_with_password/", "page_view_restriction_id", 999999),
        ("_util/authenticate_with_password/", "page_id", w.home.pk),
    ]


# Routes whose pattern is a regular expression, or a family member: the URL to fetch.
def _explicit(w):
    p = w.project
    call = f"/projects/{p.ref}/"
    return {
        "admin/test404/": "/admin/test404/",
        "admin/api/main/^pages/": "/admin/api/main/pages/",
        "admin/api/main/^pages/find/": f"/admin/api/main/pages/find/?id={w.call_page.pk}",
        "admin/api/main/^documents/": "/admin/api/main/documents/",
        "admin/api/main/^documents/find/": f"/admin/api/main/documents/find/?id={w.document.pk}",
        "admin/api/main/^images/": "/admin/api/main/images/",
        "admin/api/main/^images/find/": f"/admin/api/main/images/find/?id={w.image.pk}",
        "admin/pages/^(?P<pk>\\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\."
        "(?P<revision_id_b>live|latest|\\d+)/$": f"/admin/pages/{w.call_page.pk}/revisions/compare/earliest...live/",
        "admin/catalogue/^(?P<pk>\\d+)/export\\.(?P<fmt>xlsx|pdf)$": f"/admin/catalogue/{w.published.pk}/export.xlsx",
        "admin/^.*/$": "/admin/no-such-page/",
        "admin/contract-clauses/history/(?P<pk>.+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\."
        "(?P<revision_id_b>live|latest|\\d+)/$": (
            f"/admin/contract-clauses/history/{w.contract_clauses.pk}/revisions/compare/earliest...live/"
        ),
        "documents/^(\\d+)/(.*)$": f"/documents/{w.document.pk}/{w.document.filename}",
        # the public page tree
        "page:homepage": "/",
        "page:callannouncementpage": call,
        "page:openingrecordpage": f"{call}opening/",
        "page:resultannouncementpage": f"{call}result/",
        "page:catalogue:": "/catalogue/",
        "page:catalogue:^download/(?P<fmt>xlsx|pdf)/$": "/catalogue/download/xlsx/",
        "page:catalogue:^(?P<key>[\\w\\-]+)/$": f"/catalogue/{w.catalogue_item.code}/",
        "page:catalogue:^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$": (
            f"/catalogue/{w.catalogue_item.code}/pdf/"
        ),
        "page:needs:": "/needs/",
        "page:needs:^download/(?P<fmt>xlsx|pdf)/$": "/needs/download/xlsx/",
        "page:needs:^(?P<key>[\\w\\-]+)/$": f"/needs/{w.need.pk}/",
        "page:needs:^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$": f"/needs/{w.need.pk}/pdf/",
        "page:projects:": "/projects/",
        "page:projects:^download/(?P<fmt>xlsx|pdf)/$": "/projects/download/xlsx/",
        "page:projects:^(?P<key>[\\w\\-]+)/$": call,
        "page:projects:^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$": f"{call}pdf/",
        "page:results:": "/results/",
        "page:results:^download/(?P<fmt>xlsx|pdf)/$": "/results/download/xlsx/",
        "page:results:^(?P<key>[\\w\\-]+)/$": f"/results/{p.ref}/",
        "page:results:^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$": f"/results/{p.ref}/pdf/",
        "page:organizations:": "/organizations/",
        "page:organizations:^download/(?P<fmt>xlsx|pdf)/$": "/organizations/download/xlsx/",
        "page:organizations:^(?P<key>[\\w\\-]+)/$": f"/organizations/{w.org.pk}/",
        "page:organizations:^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$": (
            f"/organizations/{w.org.pk}/pdf/"
        ),
        "page:disclosure:": "/disclosure/",
        "page:disclosure:^download/(?P<fmt>xlsx|pdf)/$": "/disclosure/download/xlsx/",
        "page:disclosure:^(?P<key>[\\w\\-]+)/$": "/disclosure/anything/",
        "page:disclosure:^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$": "/disclosure/anything/pdf/",
    }


FAMILY_MEMBER = re.compile(r"^(?P<route>.+) \[(?P<member>[^\]]+)\]$")
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def url_for(key, w):
    explicit = _explicit(w)
    if key in explicit:
        return explicit[key]
    match = FAMILY_MEMBER.match(key)
    member = None
    route = key
    if match:
        route, member = match["route"], match["member"]
    if member and route.startswith("admin/bulk/"):
        app_label, model_name, action = member.split("/")
        return f"/admin/bulk/{app_label}/{model_name}/{action}/?id={_bulk_target(w, app_label, model_name)}"
    if member and route.startswith("admin/pages/add/"):
        app_label, model_name = member.split("/")
        return f"/admin/pages/add/{app_label}/{model_name}/{_add_parent(w, model_name)}/"
    if member and route.startswith("admin/pages/create/"):
        return f"/admin/pages/create/{member}"
    if member and route.startswith("admin/api/main/^pages/<int:pk>/action/"):
        return f"/admin/api/main/pages/{w.call_page.pk}/action/{member}/"
    fillers = _fillers(w)

    def value(found):
        name = found["name"]
        for prefix, param, filled in fillers:
            if route.startswith(prefix) and param == name:
                return str(filled)
        raise LookupError(f"no value for <{name}> in {route!r}: add it to _fillers()")

    return "/" + PARAM.sub(value, route)


def _bulk_target(w, app_label, model_name):
    return {
        "user": w.users["superuser"].pk,
        "document": w.document.pk,
        "image": w.image.pk,
        "page": w.call_page.pk,
        "contractclauses": w.contract_clauses.pk,
    }[model_name]


def _add_parent(w, model_name):
    return {
        "homepage": w.root_page.pk,
        "sectionpage": w.home.pk,
        "callannouncementpage": w.section.pk,
        "openingrecordpage": w.call_page.pk,
        "resultannouncementpage": w.call_page.pk,
    }.get(model_name, w.home.pk)


# --- asking ------------------------------------------------------------------------------------------


def _login(client, user):
    """The one place a role's client signs in.  Roles that need a second
    factor get an OTP-verified session once the project has one."""
    client.force_login(user)
    verify = _session_verifier()
    if verify is not None:
        verify(client, user)


def _session_verifier():
    """The helper the test suite offers to mark a session as having typed
    its second-factor code (and re-authenticated): tests/auth_fixtures.py."""
    try:
        from tests.auth_fixtures import mark_second_factor_done
    except ImportError:  # pragma: no cover - before the second factor existed
        return None
    return mark_second_factor_done


def _first_segment(path):
    return path.strip("/").split("/", 1)[0]


def classify(response, url):
    """The class of an answer, as the expectations name them."""
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = urlparse(response["Location"]).path
        if location in LOGIN_PATHS:
            return expect.LOGIN
        if location == "/admin/" and _first_segment(url) == "admin" and urlparse(url).path != "/admin/":
            return expect.ADMIN_HOME
        if _first_segment(location) == _first_segment(url):
            return expect.REDIRECT
        return f"302 {location}"
    return {
        200: expect.OK,
        400: expect.BAD_REQUEST,
        403: expect.FORBIDDEN,
        404: expect.NOT_FOUND,
        405: expect.NOT_ALLOWED,
    }.get(code, str(code))


def _changes():
    """What a refused request must not change: the audit log, Wagtail's logs,
    pages and their publication, accounts (one query)."""
    from django.db import connection
    from wagtail.models import ModelLogEntry, Page, PageLogEntry

    from marketplace.models import AuditEvent, User

    tables = {
        "audit": (AuditEvent._meta.db_table, ""),
        "model_log": (ModelLogEntry._meta.db_table, ""),
        "page_log": (PageLogEntry._meta.db_table, ""),
        "live_pages": (Page._meta.db_table, " WHERE live"),
        "active_users": (User._meta.db_table, " WHERE is_active"),
        "superusers": (User._meta.db_table, " WHERE is_superuser"),
    }
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table}{where})" for table, where in tables.values())
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def ask(world, role, method, url, data=None):
    client = Client(raise_request_exception=False)
    session = world.sessions.get(role)
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if getattr(response, "streaming", False):
        # Read to the end: the test client then closes the response without closing the
        # database connection (a bare close() would, and take the module's world with it).
        b"".join(response.streaming_content)
    return classify(response, url)


def check_route(world, key, rules=None):
    """Every role asks; returns the list of disagreements (empty when the
    route answers as written down)."""
    rules = rules if rules is not None else expect.rules_for(key)
    url = url_for(key, world)
    problems = []
    for role in ROLES:
        wanted = rules.get_expected(role)
        refused = wanted in expect.REFUSALS
        before = _changes() if refused else None
        got = ask(world, role, "get", url)
        if got != wanted:
            problems.append(f"{key}  GET {url}  as {role}: expected {wanted}, got {got}")
        if refused and _changes() != before:
            problems.append(f"{key}  GET {url}  as {role}: refused, yet something changed")
    for role in ROLES:
        wanted = rules.post_expected(role)
        if wanted is None:
            continue
        before = _changes()
        got = ask(world, role, "post", url, rules.post_data(world) if rules.post_data else None)
        if got != wanted and not (rules.post == expect.REFUSED and got == expect.NOT_ALLOWED):
            problems.append(f"{key}  POST {url}  as {role}: expected {wanted}, got {got}")
        if _changes() != before:
            problems.append(f"{key}  POST {url}  as {role}: something changed")
    return problems


# --- the world, once per module ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.sessions = {}
            for role in ROLES:
                user = w.users.get(role)
                if user is None:
                    continue
                client = Client()
                _login(client, user)
                w.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            # The resident has no account: a visitor who opened the resident-report form (the
            # one-time link of a survey, once there is one) and keeps whatever session it got.
            resident = Client()
            resident.get("/needs/report/")
            if settings.SESSION_COOKIE_NAME in resident.cookies:
                w.sessions["resident"] = resident.cookies[settings.SESSION_COOKIE_NAME].value
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_every_route_has_an_entry(world):
    keys = route_keys()
    missing = [key for key in keys if key not in expect.RULES]
    assert not missing, (
        "These routes have no entry in tests/security/matrix_expectations.py; add one with the answer "
        "each role must get (OK, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND, ...):\n"
        + "\n".join(f"    {key!r}: R({{...}})," for key in missing)
    )
    stale = sorted(set(expect.RULES) - set(keys))
    assert not stale, "Entries for routes that no longer exist (remove them):\n" + "\n".join(stale)


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(expect.RULES))
def test_route_answers_every_role_as_written(world, key):
    problems = check_route(world, key)
    assert not problems, "\n".join(problems)


# --- the matrix can fail ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_matrix_catches_an_open_permission_check(world, monkeypatch):
    """A check that cannot fail is no check: with the workbench's officer
    check opened to everyone, the matrix reports each role that got in."""
    from marketplace.procurement import permissions

    monkeypatch.setattr(permissions, "is_officer", lambda user: True)
    problems = check_route(world, "work/projects/")
    assert any("as member_other: expected 403, got 200" in line for line in problems), problems
    assert any("as worker: expected 403, got 200" in line for line in problems), problems
    assert not any("as officer:" in line for line in problems), problems


@pytest.mark.django_db
def test_the_matrix_catches_a_wrong_entry(world):
    """An entry that says a rival organization's member may read the bid is
    reported against the real answer (404)."""
    wrong = expect.R({**expect.RULES["org/<int:pk>/bids/<str:ref>/"].get, "member_other": expect.OK})
    problems = check_route(world, "org/<int:pk>/bids/<str:ref>/", rules=wrong)
    assert problems == [
        f"org/<int:pk>/bids/<str:ref>/  GET /org/{world.org.pk}/bids/{world.project.ref}/  as member_other: "
        "expected 200, got 404"
    ]


@pytest.mark.django_db
def test_the_matrix_catches_a_change_made_by_a_refused_post(world, monkeypatch):
    """A view that writes before it refuses is reported, whatever it answers."""
    from marketplace.core.audit import record_event
    from marketplace.procurement import permissions

    original = permissions.is_officer

    def writes_then_checks(user):
        record_event("matrix.test", details={"user": getattr(user, "pk", None)})
        return original(user)

    monkeypatch.setattr(permissions, "is_officer", writes_then_checks)
    problems = check_route(world, "work/projects/<str:ref>/approve/")
    assert any("POST" in line and "as worker: something changed" in line for line in problems), problems


@pytest.mark.django_db
def test_a_new_route_without_an_entry_fails_with_the_line_to_add(world, settings):
    """A route added to the URL conf but not to the expectations is named."""
    import sys
    import types

    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    import config.urls

    module = types.ModuleType("tests.security._matrix_urls")
    module.urlpatterns = [path("work/new-report/", lambda request: HttpResponse()), *config.urls.urlpatterns]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    try:
        with pytest.raises(AssertionError) as error:
            test_every_route_has_an_entry(world)
    finally:
        del sys.modules[module.__name__]
        clear_url_caches()
    assert "'work/new-report/': R({...})," in str(error.value)
