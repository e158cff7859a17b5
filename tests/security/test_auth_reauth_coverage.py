"""Issue 12, finding 4, made general: every officer step that cannot be
undone asks for a fresh re-authentication (password + code).

The routes of the officers' and evaluators' workbenches (/work/,
/evaluate/) and of the project's own Wagtail admin views are read from the
URL conf.  Each must be decided here - IRREVERSIBLE (its view must carry
``reauth_required``), REVERSIBLE (changes something that can still be
undone or corrected) or READ_ONLY (takes no POST) - with the reason in one
line; the decisions are summed up in marketplace/core/reauth.py's
docstring.  A new route without a decision fails
``test_every_workbench_route_is_decided``, so the next view cannot silently
skip the question.  For a few irreversible steps a POST from a verified but
stale session is refused with the re-authentication page, changes nothing,
and keeps what was typed.
"""

import inspect
import re
import sys
import types

import pytest
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, path, reverse

from marketplace.core.reauth import reauth_required
from marketplace.models import AuditEvent, CatalogueVersion, Organization, Project
from tests.security.test_auth_reauth import RIGHT, hidden_fields, verified_but_stale
from tests.security.test_auth_second_factor import code_for

# Routes under these prefixes, and admin routes whose view is written in the project, are decided here.
WORKBENCH_PREFIXES = ("work/", "evaluate/")
PROJECT_MODULES = ("marketplace.", "cms.")
# The user administration (Wagtail's user and group views, the sign-in attempts) has its own
# re-authentication and tests (marketplace/core/admin.py, marketplace/core/users_admin.py).
DECIDED_ELSEWHERE = ("marketplace.core.admin", "marketplace.core.users_admin")

IRREVERSIBLE = {
    "projects:approve": "publishes the call",
    "projects:intention": "the purchase intention is public for good and starts the call's notice period",
    "projects:cancel": "a cancelled project never comes back",
    "projects:addendum": "published to every bidder; may move the deadline",
    "projects:answer": "the answer is published on the call page for good",
    "projects:retender": "the failed project's needs move to the copy",
    "projects:committee": "the random draw is recorded; the project moves to evaluation",
    "projects:appoint": "a member appointed by name cannot be un-appointed",
    "projects:qualification": "too few qualified bids fail the project",
    "projects:award": "the award",
    "projects:decline": "the winner's decline moves the award down the ranking",
    "projects:disqualify": "a disqualified bid leaves the ranking",
    "projects:challenge_answer": "the formal answer to a challenge",
    "projects:challenge_decide": "the decision on a challenge",
    "orgreview:approve": "public listing and the right to bid",
    "orgreview:blacklist": "no officer lifts it; only its end date does",
    "orgreview:confirm_registration": "there is no un-confirming",
    "work:decide": "accepting commits the community's fund; both answers are public",
    "evaluate:declare": "a declared relationship withdraws the evaluator and draws a replacement",
    "evaluate:confirm_report": "the member's confirmation of the report",
    "catalogue_admin:publish": "a published version is immutable and supersedes the last",
    "method_changes:decide": "an approved floor change takes effect at once",
    # issue 15, the contract domain
    "contracts:sign": "a signature binds the signer to the exact PDF; both make the contract",
    "contracts:terminate": "a terminated contract never comes back",
    "contracts:amendment_confirm": "a confirmation binds to the amendment's PDF; both put it in force",
    # issue 15, milestone evaluation and acceptance
    "acceptance:decide": "the acceptance record (PDF, digest) and the payable amount are final",
    "acceptance:approve_override": "the second officer's approval accepts the milestone below the pass mark",
    "acceptance:moderate": "a published comment is public for good",
    "milestone_evaluate:declare": "a declared relationship withdraws the evaluator for good",
    "milestone_evaluate:lock": "a locked sheet becomes the milestone's expert score",
    # issue 16, payments
    "payments:approve": "an approved payment goes to the release; approvals are money steps",
    "payments:reapprove": "the approval for the payee's new account: the release may follow",
    "payments:release": "the gateway is called: money leaves",
    "payments:retry": "the gateway is called again (same key): money may leave",
    "payments:record_paid": "a paid payment is final and in the ledger",
    "payments:record_returned": "the bank's return fails the payment; its instruction is void",
    "payments:cancel": "a cancelled payment request never comes back",
}

REVERSIBLE = {
    "projects:create": "a draft",
    "projects:edit": "a draft",
    "projects:documents": "a draft's documents",
    "projects:document_remove": "a draft's documents",
    "projects:submit": "the second officer returns or approves it",
    "projects:return": "back to a draft",
    "projects:chair": "the chair can be changed again",
    "orgreview:return": "the organization corrects and submits again",
    "orgreview:suspend": "reinstate undoes it",
    "orgreview:reinstate": "suspend undoes it",
    "work:assess": "nothing is committed until the decision",
    "work:need_create": "community workers (no second factor); a need is assessed next",
    "work:report_triage": "community workers (no second factor)",
    "work:report_decline": "community workers (no second factor)",
    "evaluate:bid": "the chair can reopen a submitted sheet",
    "evaluate:reopen": "reopening is itself the correction",
    "evaluate:confirm_deviation": "the chair can still reopen the sheet",
    "evaluate:generate_report": "a reopened sheet supersedes the report",
    "catalogue_admin:version_create": "a draft version",
    "catalogue_admin:version_import": "into a draft version",
    "catalogue_admin:retire": "an item of a draft version",
    "catalogue_items:add": "an item of a draft version",
    "catalogue_items:edit": "an item of a draft version",
    "catalogue_items:delete": "an item of a draft version",
    "entry_standards:add": "reference data, edited again at any time",
    "entry_standards:edit": "reference data, edited again at any time",
    "purchase_methods:add": "floors change only through method_changes:decide",
    "purchase_methods:edit": "floors change only through method_changes:decide",
    "evaluators:add": "the evaluator pool, edited again at any time",
    "evaluators:edit": "the evaluator pool, edited again at any time",
    "contracts:draft": "a draft, edited until it is sent",
    "contracts:edit": "a draft",
    "contracts:send": "either party may ask for changes, which voids the PDF",
    "contracts:request_changes": "back to a draft; it is sent again",
    "contracts:amend": "a proposal, withdrawn or confirmed later",
    "contracts:amendment_withdraw": "withdrawing is itself the correction of a proposal",
    "acceptance:assign": "nothing is decided until acceptance; a recused evaluator is replaced",
    "milestone_evaluate:score": "the sheet is saved again until it is locked",
}

READ_ONLY = {
    "announcement_timeliness",
    "projects:index",
    "projects:detail",
    "projects:document",
    "projects:bid",
    "projects:bid_document",
    "projects:evaluation",
    "projects:report_pdf",
    "projects:challenges",
    "projects:challenge",
    "projects:challenge_document",
    "orgreview:queue",
    "orgreview:detail",
    "orgreview:document",
    "work:needs",
    "work:need",
    "work:reports",
    "work:report",
    "work:assessment",
    "evaluate:index",
    "evaluate:project",
    "evaluate:bid_document",
    "evaluate:report_pdf",
    "catalogue_admin:versions",
    "catalogue_admin:version",
    "catalogue_admin:export",
    "catalogue_admin:import",
    "method_changes:index",
    "catalogue_items:index",
    "catalogue_items:index_results",
    "evaluators:index",
    "evaluators:index_results",
    "workspace:todo",
    "contracts:index",
    "contracts:detail",
    "contracts:document",
    "payments:index",
    "payments:detail",
    "payments:voucher",
    "payments:funds",
    # milestone evaluation and acceptance (issue 15)
    "acceptance:index",
    "acceptance:milestone",
    "acceptance:record",
    "acceptance:contract",
    "acceptance:comments",
    "milestone_evaluate:sheet",
    # delivery lights and milestone files (issue 15)
    "delivery:index",
    "delivery:milestone",
    "delivery:evidence",
    "delivery:photo",
}


# --- the routes ------------------------------------------------------------------------------------


def _walk(resolver, prefix="", namespaces=()):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield prefix + str(pattern.pattern), name, pattern.callback


def _module(callback):
    return getattr(callback, "view_class", callback).__module__


def _in_scope(route, callback):
    if route.startswith(WORKBENCH_PREFIXES):
        return True
    module = _module(callback)
    return (
        route.startswith("admin/")
        and module.startswith(PROJECT_MODULES)
        and not module.startswith(DECIDED_ELSEWHERE)
        and not module.startswith("marketplace.core.views")  # the sign-in pages
    )


def workbench_routes():
    """{key: (route, callback)}: the named route (``namespace:name``), or the pattern."""
    routes = _walk(get_resolver())
    return {name or route: (route, callback) for route, name, callback in routes if _in_scope(route, callback)}


def undecided_routes():
    decided = set(IRREVERSIBLE) | set(REVERSIBLE) | READ_ONLY
    return sorted(f"{key}  ({route})" for key, (route, _cb) in workbench_routes().items() if key not in decided)


def _chain(function):
    while function is not None:
        yield function
        function = getattr(function, "__wrapped__", None)


def is_guarded(callback):
    """True when the view (a function, or a class's ``dispatch``/``post``)
    is wrapped by ``reauth_required`` (which marks its wrapper)."""
    view_class = getattr(callback, "view_class", None)
    starts = [callback] if view_class is None else [getattr(view_class, m, None) for m in ("dispatch", "post")]
    return any(getattr(f, "reauth_required", False) for start in starts for f in _chain(start))


HELPER_CALL = re.compile(r"\b(_\w+)\(")
READS_POST = re.compile(r"request\.POST|request\.method")


def _reads_post(function, depth=2):
    source = inspect.getsource(function)
    if READS_POST.search(source):
        return True
    if depth == 0:
        return False
    helpers = (function.__globals__.get(name) for name in set(HELPER_CALL.findall(source)))
    return any(inspect.isfunction(helper) and _reads_post(helper, depth - 1) for helper in helpers)


def takes_post(callback):
    """Whether the view reads a POST at all: a class with a ``post``, or a
    function whose code (or a ``_helper`` of its module that it calls, two
    levels down) looks at ``request.POST`` / ``request.method``."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return callable(getattr(view_class, "post", None))
    return _reads_post(list(_chain(callback))[-1])


# --- every route decided -----------------------------------------------------------------------------


def test_every_workbench_route_is_decided():
    missing = undecided_routes()
    assert not missing, (
        "Decide for each new route whether its POST can be undone, and add it to IRREVERSIBLE (and decorate "
        "the view with marketplace.core.reauth.reauth_required), REVERSIBLE or READ_ONLY in "
        "tests/security/test_auth_reauth_coverage.py (and the list in marketplace/core/reauth.py):\n"
        + "\n".join(missing)
    )
    routes = workbench_routes()
    stale = sorted((set(IRREVERSIBLE) | set(REVERSIBLE) | READ_ONLY) - set(routes))
    assert not stale, f"decided routes that no longer exist: {stale}"
    twice = (set(IRREVERSIBLE) & set(REVERSIBLE)) | (set(IRREVERSIBLE) & READ_ONLY) | (set(REVERSIBLE) & READ_ONLY)
    assert not twice, twice


@pytest.mark.parametrize("key", sorted(IRREVERSIBLE))
def test_irreversible_route_asks_for_reauthentication(key):
    route, callback = workbench_routes()[key]
    assert is_guarded(callback), f"{key} ({route}) is irreversible but its view lacks @reauth_required"


@pytest.mark.parametrize("key", sorted(REVERSIBLE))
def test_reversible_route_is_not_guarded(key):
    """The lists say what the code does: a guarded view belongs in IRREVERSIBLE."""
    route, callback = workbench_routes()[key]
    assert not is_guarded(callback), f"{key} ({route}) carries @reauth_required: move it to IRREVERSIBLE"
    assert takes_post(callback), f"{key} ({route}) takes no POST: move it to READ_ONLY"


@pytest.mark.parametrize("key", sorted(READ_ONLY))
def test_read_only_route_takes_no_post(key):
    route, callback = workbench_routes()[key]
    assert not takes_post(callback), f"{key} ({route}) reads a POST: decide whether it can be undone"


# --- the checks can fail -------------------------------------------------------------------------------


def _officer_step(request):
    if request.method == "POST":
        return HttpResponse("changed")
    return HttpResponse()


def test_a_new_officer_post_route_without_a_decision_fails(settings):
    import config.urls

    module = types.ModuleType("tests.security._reauth_coverage_urls")
    module.urlpatterns = [
        path("work/projects/<str:ref>/sign/", login_required(_officer_step), name="sign_contract"),
        *config.urls.urlpatterns,
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    try:
        with pytest.raises(AssertionError) as error:
            test_every_workbench_route_is_decided()
        callback = workbench_routes()["sign_contract"][1]
    finally:
        del sys.modules[module.__name__]
        clear_url_caches()
    assert "sign_contract  (work/projects/<str:ref>/sign/)" in str(error.value)
    assert not is_guarded(callback) and takes_post(callback)


def test_the_guard_check_sees_through_decorators_and_classes():
    from django.utils.decorators import method_decorator
    from django.views.generic import View

    assert not is_guarded(login_required(_officer_step))
    assert is_guarded(login_required(reauth_required(_officer_step)))

    class Plain(View):
        def post(self, request):
            return HttpResponse()

    @method_decorator(reauth_required, name="post")
    class Guarded(Plain):
        pass

    assert not is_guarded(Plain.as_view()) and is_guarded(Guarded.as_view())


# --- a stale session changes nothing and keeps what was typed --------------------------------------------


def _refused(response):
    assert response.status_code == 403
    assert "marketplace/core/reauth.html" in [t.name for t in response.templates]
    return {name: value for name, value in hidden_fields(response).items() if name != "csrfmiddlewaretoken"}


@pytest.mark.django_db
@pytest.mark.usefixtures("real_second_factor")
def test_cancelling_a_project_needs_a_fresh_reauthentication(client, officer, make_project, settings):
    project = make_project("published")
    device = verified_but_stale(client, officer, settings)
    url = reverse("projects:cancel", args=[project.ref])
    events = AuditEvent.objects.count()
    typed = {"cancel-reason": "需求已由其他项目覆盖", "cancel-confirm": "on"}
    kept = _refused(client.post(url, typed))
    assert kept["cancel-reason"] == "需求已由其他项目覆盖" and kept["cancel-confirm"] == "on"
    project.refresh_from_db()
    assert project.state == Project.State.PUBLISHED and AuditEvent.objects.count() == events
    done = client.post(url, {**kept, "reauth-password": RIGHT, "reauth-code": code_for(device)})
    assert done.status_code == 302
    project.refresh_from_db()
    assert project.state == Project.State.CANCELLED and project.cancel_reason == "需求已由其他项目覆盖"


@pytest.mark.django_db
@pytest.mark.usefixtures("real_second_factor")
def test_blacklisting_an_organization_needs_a_fresh_reauthentication(client, officer_user, make_org, settings):
    organization = make_org("approved")
    device = verified_but_stale(client, officer_user, settings)
    url = reverse("orgreview:blacklist", args=[organization.pk])
    events = AuditEvent.objects.count()
    typed = {"blacklist-reason": "串通投标", "blacklist-until": "2099-01-01", "blacklist-confirm": "on", "back": "q=x"}
    kept = _refused(client.post(url, typed))
    assert kept == typed
    organization.refresh_from_db()
    assert organization.state == Organization.State.APPROVED and AuditEvent.objects.count() == events
    done = client.post(url, {**kept, "reauth-password": RIGHT, "reauth-code": code_for(device)})
    assert done.status_code == 302
    organization.refresh_from_db()
    assert organization.state == Organization.State.BLACKLISTED


@pytest.mark.django_db
@pytest.mark.usefixtures("real_second_factor")
def test_publishing_a_catalogue_version_in_the_admin_needs_a_fresh_reauthentication(client, officer, draft, settings):
    device = verified_but_stale(client, officer, settings)
    url = reverse("catalogue_admin:publish", args=[draft.pk])
    assert client.get(url).status_code == 200  # the confirmation page itself is not guarded
    kept = _refused(client.post(url, {"confirm": "on"}))
    assert kept == {"confirm": "on"}
    draft.refresh_from_db()
    assert draft.state == CatalogueVersion.State.DRAFT
    done = client.post(url, {**kept, "reauth-password": RIGHT, "reauth-code": code_for(device)})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.state == CatalogueVersion.State.PUBLISHED


@pytest.mark.django_db
@pytest.mark.usefixtures("real_second_factor")
def test_roles_without_the_permission_are_refused_before_reauthentication(client, make_user, make_project, settings):
    """The permission check comes first: a finance officer (second factor, not
    an officer) gets the plain 403, not a password prompt."""
    project = make_project("published")
    finance = make_user("finance_officer", username="finance")
    verified_but_stale(client, finance, settings)
    url = reverse("projects:cancel", args=[project.ref])
    response = client.post(url, {"cancel-reason": "x", "cancel-confirm": "on"})
    assert response.status_code == 403
    assert "marketplace/core/reauth.html" not in [t.name for t in response.templates]
    project.refresh_from_db()
    assert project.state == Project.State.PUBLISHED
