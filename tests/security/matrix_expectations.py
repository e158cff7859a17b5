"""What every role must get from every route (read by test_matrix_routes).

One entry per route of the URL conf, keyed by its pattern as the resolver
prints it (a family, like the bulk actions or the page types, has one entry
per member: ``"<pattern> [<member>]"``; the public page tree has one entry
per page type and per routable sub-route: ``"page:<section>:<pattern>"``).

An entry is ``R({role: answer, ..., "*": answer}, post={...})``: the GET
answer for each role, ``"*"`` for the roles not named.  ``post`` lists the
roles that are also sent an empty POST (only refused roles: nothing may
change), ``"*"`` again for the rest; a route without ``post`` is only
fetched.  The ids in the URLs name objects that belong to somebody (see
``matrix_world``): ``member``'s organization and bid, ``worker``'s
community's need, the project ``officer`` wrote, a superuser's account, a
statutory announcement page.

Answers:
  OK          200
  REDIRECT    302 to another page of the same app (a form's next step, the record's page)
  LOGIN       302 to a sign-in page (/accounts/login/, /admin/login/)
  ADMIN_HOME  302 to the Wagtail dashboard: Wagtail's "permission denied"
  FORBIDDEN   403
  NOT_FOUND   404
  NOT_ALLOWED 405 (a POST-only route asked with GET)
  BAD_REQUEST 400
"""

ROLES = (
    "anonymous",
    "resident",
    "worker",
    "worker_other",
    "member",
    "member_other",
    "evaluator",
    "evaluator_off",
    "officer",
    "officer2",
    "finance",
    "editor",
    "platform_admin",
    "superuser",
)

OK = "200"
REDIRECT = "302 same app"
LOGIN = "302 sign-in"
ADMIN_HOME = "302 admin home (refused)"
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
BAD_REQUEST = "400"
REFUSALS = {LOGIN, ADMIN_HOME, FORBIDDEN, NOT_FOUND}
# With post=REFUSED a view that takes no POST at all may answer 405 instead of the GET's refusal.


def redirect_to(path):
    """A 302 to a page outside the route's own app."""
    return f"302 {path}"


class redirect_under(str):  # noqa: N801 - used like redirect_to
    """A 302 to a page under ``prefix``, outside the route's own app, whose
    path names a row of the world (an organization's workspace /org/<pk>/)."""

    def __new__(cls, prefix):
        return super().__new__(cls, f"302 {prefix}<…>")

    def __init__(self, prefix):
        self.prefix = f"302 {prefix}"

    def __eq__(self, other):
        return isinstance(other, str) and other.startswith(self.prefix)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


ANON = ("anonymous", "resident")
NON_ADMIN = ("worker", "worker_other", "member", "member_other", "evaluator", "evaluator_off", "finance")
ADMIN = ("officer", "officer2", "editor", "platform_admin", "superuser")
OFFICERS = ("officer", "officer2", "superuser")  # manage_procurement (a superuser holds every permission)
# Wagtail's door (``require_admin_access``) sends every account without admin access to the admin's
# sign-in page whatever the method: behind the door's GETs (all roles), two of them test its POSTs.
ADMIN_DOOR_SAMPLE = ("anonymous", "finance")
REFUSED = "refused"  # post=REFUSED: every role refused on GET is sent an empty POST and must be refused alike


class R:
    """``get``: role → answer (``"*"`` for the others).  ``post``: ``REFUSED``
    (the default: each role refused on GET sends an empty POST and gets the
    same refusal), a dict like ``get`` (``None`` for a role that does not
    POST), or ``None`` (no POST at all)."""

    def __init__(self, get, post=REFUSED, post_data=None, admin_door=False):
        self.get = dict(get)
        self.admin_door = admin_door
        self.post_data = post_data  # name → a function of the world giving the POST's body (default: empty)
        self.post = dict(post) if isinstance(post, dict) else post
        unknown = (set(self.get) | set(self.post if isinstance(self.post, dict) else ())) - set(ROLES) - {"*"}
        assert not unknown, f"unknown roles {unknown}"

    def get_expected(self, role):
        if role in self.get:
            return self.get[role]
        assert "*" in self.get, f"no answer for {role}"
        return self.get["*"]

    def post_expected(self, role):
        if self.post is None:
            return None
        if self.post == REFUSED:
            answer = self.get_expected(role)
            if answer == LOGIN and self.admin_door and role not in ADMIN_DOOR_SAMPLE:
                return None
            return answer if answer in REFUSALS else None
        return self.post.get(role, self.post.get("*"))


# --- shorthands ---------------------------------------------------------------------------------------


def everyone(answer=OK):
    """A public route: every role, signed in or not, gets ``answer``."""
    return R({"*": answer}, post=None)


def signed_in(answer=OK, **roles):
    """Any account; anonymous visitors go to the sign-in page."""
    return R({"anonymous": LOGIN, "resident": LOGIN, "*": answer, **roles})


def officers(answer=OK, refused=FORBIDDEN, **roles):
    """Procurement officers' workbench (``officer_required``): others 403."""
    return R({"anonymous": LOGIN, "resident": LOGIN, **dict.fromkeys(OFFICERS, answer), "*": refused, **roles})


def admin(answer=ADMIN_HOME, **roles):
    """A Wagtail admin view: only roles with ``wagtailadmin.access_admin`` get
    past the admin's door (the others are sent to its sign-in page); inside,
    ``answer`` for every admin role unless named."""
    return R({**dict.fromkeys(ANON + NON_ADMIN, LOGIN), **dict.fromkeys(ADMIN, answer), **roles}, admin_door=True)


def cms(answer=OK, **roles):
    """The CMS side of the admin (pages, images, documents): editors, platform
    administrators and superusers; procurement officers are refused."""
    return admin(answer, officer=ADMIN_HOME, officer2=ADMIN_HOME, **roles)


def procurement(answer=OK, **roles):
    """The officers' admin (catalogue, entry standards, methods, evaluators)."""
    return admin(answer, editor=ADMIN_HOME, platform_admin=ADMIN_HOME, **roles)


def superuser_only(answer=OK, **roles):
    return admin(ADMIN_HOME, superuser=answer, **roles)


def post_only(refused, *, allowed=(), anonymous=LOGIN, get=NOT_ALLOWED, **roles):
    """A POST-only route (405 on GET): every role not in ``allowed`` sends an
    empty POST and must get ``refused`` (anonymous visitors ``anonymous``)."""
    post = {"anonymous": anonymous, "resident": anonymous, "*": refused, **roles}
    for role in allowed:
        post[role] = None
    return R({"*": get}, post=post)


def rules_for(key):
    try:
        return RULES[key]
    except KeyError:
        raise AssertionError(f"No entry for {key!r} in tests/security/matrix_expectations.py") from None


def _member_only(answer=OK, **roles):
    """The organization workspace: members of the organization the URL names;
    everybody else gets 404 (an organization's existence is not told)."""
    return R({"anonymous": LOGIN, "resident": LOGIN, "member": answer, "*": NOT_FOUND, **roles})


def _committee_only(answer=OK, **roles):
    """The evaluators' workspace: members of the project's committee; other
    evaluators (and superusers, who are on no committee) get 404, accounts
    without the evaluator role 403."""
    return R(
        {
            "anonymous": LOGIN,
            "resident": LOGIN,
            "evaluator": answer,
            "evaluator_off": NOT_FOUND,
            "superuser": NOT_FOUND,
            "*": FORBIDDEN,
            **roles,
        }
    )


def _workers(answer=OK, **roles):
    return R({"anonymous": LOGIN, "resident": LOGIN, "worker": answer, "worker_other": answer, "*": FORBIDDEN, **roles})


def _own_community(answer=OK, **roles):
    """A community's record: its own workers; workers of another community 404."""
    return R(
        {"anonymous": LOGIN, "resident": LOGIN, "worker": answer, "worker_other": NOT_FOUND, "*": FORBIDDEN, **roles}
    )


_NOT_ADMIN_POST = dict.fromkeys(ANON + NON_ADMIN, LOGIN)
# A POST-only step of a milestone evaluation sheet: accounts without the evaluator role 403; an evaluator
# the sheet is not assigned to (and a superuser) 404; the assigned evaluator is not sent an empty POST.
_NOT_ASSIGNED_POST = {
    **dict.fromkeys(ANON, LOGIN),
    "evaluator": None,
    "evaluator_off": NOT_FOUND,
    "superuser": NOT_FOUND,
    "*": FORBIDDEN,
}
SIGNED_IN_REDIRECT = {role: REDIRECT for role in ROLES if role not in ANON}
# Where sign-in lands without ``next`` (issue 14): each role's workspace, the account page for the others.
WORKSPACES = {
    **dict.fromkeys(("member", "member_other"), redirect_under("/org/")),
    **dict.fromkeys(("evaluator", "evaluator_off"), redirect_to("/evaluate/")),
    **dict.fromkeys(OFFICERS, redirect_to("/work/")),
    **dict.fromkeys(("worker", "worker_other"), redirect_to("/work/needs/")),
    "editor": redirect_to("/admin/"),
    "finance": redirect_to("/work/payments/"),  # the contracts app's workspace slot
}
SECOND_FACTOR_ROLES = ("officer", "officer2", "finance", "platform_admin", "superuser")


def _user_bulk(platform_admin_post, post_data=None):
    """A bulk action on a superuser's account (issue 12, finding 2): a platform
    administrator sees the confirmation, which lists the account among those
    it may not touch; its POST acts on nothing (``platform_admin_post`` is
    the answer, and nothing may change)."""
    return R(
        admin(ADMIN_HOME, platform_admin=OK, superuser=OK).get,
        post={
            **dict.fromkeys(ANON + NON_ADMIN, LOGIN),
            **dict.fromkeys(("officer", "officer2", "editor"), ADMIN_HOME),
            "platform_admin": platform_admin_post,
        },
        post_data=post_data,
    )


# A page, document or image bulk action on a statutory announcement page, the platform's
# document or image: the confirmation (200) lists what the role may act on; an empty POST by a
# role without the right changes nothing (the action runs on no object, Wagtail redirects).
# (An action with a form — move, tags, collection — shows its form again: 200.)
PAGE_BULK = R(admin(OK).get, post={**_NOT_ADMIN_POST, "officer": REDIRECT, "officer2": REDIRECT})
PAGE_BULK_STATUTORY = R(admin(OK).get, post={**_NOT_ADMIN_POST, **dict.fromkeys(ADMIN, REDIRECT)})
PAGE_BULK_MOVE = R(admin(OK).get, post={**_NOT_ADMIN_POST, **dict.fromkeys(ADMIN, OK)})
MEDIA_BULK = R(admin(OK).get, post={**_NOT_ADMIN_POST, "officer": REDIRECT, "officer2": REDIRECT})
MEDIA_BULK_FORM = R(admin(OK).get, post={**_NOT_ADMIN_POST, "officer": OK, "officer2": OK})

RULES = {
    # --- accounts ---------------------------------------------------------------------------------
    "healthz": everyone(),
    "i18n/setlang/": everyone(redirect_to("/")),
    "accounts/": signed_in(),
    "accounts/login/": R({"anonymous": OK, "resident": OK, **SIGNED_IN_REDIRECT, **WORKSPACES}, post=None),
    "accounts/second-factor/": signed_in(REDIRECT),
    "accounts/second-factor/setup/": signed_in(REDIRECT),
    "accounts/confirm-identity/": signed_in(REDIRECT, **dict.fromkeys(SECOND_FACTOR_ROLES, OK)),
    "accounts/logout/": everyone(NOT_ALLOWED),
    "accounts/signup/": R({"anonymous": OK, "resident": OK, **SIGNED_IN_REDIRECT}, post=None),
    "accounts/signup/sent/": everyone(REDIRECT),
    "accounts/verify/": signed_in(),
    "accounts/verify/resend/": post_only(None, allowed=ROLES[2:]),
    "accounts/verify/email/<str:token>/": everyone(BAD_REQUEST),
    "accounts/notices/": signed_in(),
    "accounts/notices/read-all/": post_only(None, allowed=ROLES[2:]),
    "accounts/notices/<int:pk>/open/": post_only(NOT_FOUND, allowed=("member",)),
    "accounts/password-reset/": everyone(),
    "accounts/password-reset/sent/": everyone(),
    "accounts/reset/<uidb64>/<token>/": everyone(),
    "accounts/reset/done/": everyone(),
    "accounts/password-change/": signed_in(),
    "accounts/password-change/done/": signed_in(),
    # --- officers: the to-do page (issue 14) --------------------------------------------------------
    "work/": officers(),
    # --- officers: review of organizations ----------------------------------------------------------
    "work/organizations/": officers(),
    "work/organizations/<int:pk>/": officers(),
    "work/organizations/<int:pk>/documents/<int:doc_pk>/": officers(),
    "work/organizations/<int:pk>/return/": officers(REDIRECT),
    "work/organizations/<int:pk>/approve/": officers(REDIRECT),
    "work/organizations/<int:pk>/suspend/": officers(REDIRECT),
    "work/organizations/<int:pk>/reinstate/": officers(REDIRECT),
    "work/organizations/<int:pk>/confirm-registration/": officers(REDIRECT),
    "work/organizations/<int:pk>/blacklist/": officers(REDIRECT),
    # --- officers: the project workbench ------------------------------------------------------------
    "work/projects/": officers(),
    # --- officers: announcement timeliness (issue 17) --------------------------------------------------
    "work/disclosure/": officers(),
    "work/projects/new/": officers(),
    "work/projects/challenges/": officers(),
    "work/projects/<str:ref>/": officers(),
    "work/projects/<str:ref>/edit/": officers(REDIRECT),
    "work/projects/<str:ref>/submit/": officers(REDIRECT),
    "work/projects/<str:ref>/approve/": officers(REDIRECT),
    "work/projects/<str:ref>/intention/": officers(REDIRECT),
    "work/projects/<str:ref>/return/": officers(REDIRECT),
    "work/projects/<str:ref>/cancel/": officers(REDIRECT),
    "work/projects/<str:ref>/documents/": officers(REDIRECT),
    "work/projects/<str:ref>/documents/<int:pk>/": officers(),
    "work/projects/<str:ref>/documents/<int:pk>/remove/": officers(REDIRECT),
    "work/projects/<str:ref>/addendum/": officers(REDIRECT),
    "work/projects/<str:ref>/questions/<int:pk>/answer/": officers(REDIRECT),
    "work/projects/<str:ref>/retender/": officers(REDIRECT),
    "work/projects/<str:ref>/bids/<int:bid_pk>/": officers(),
    "work/projects/<str:ref>/bids/<int:bid_pk>/documents/<int:doc_pk>/": officers(),
    "work/projects/<str:ref>/evaluation/": officers(),
    "work/projects/<str:ref>/committee/": officers(REDIRECT),
    "work/projects/<str:ref>/committee/appoint/": officers(REDIRECT),
    "work/projects/<str:ref>/committee/chair/": officers(REDIRECT),
    "work/projects/<str:ref>/qualification/": officers(REDIRECT),
    "work/projects/<str:ref>/report/<int:number>/report.pdf": officers(),
    "work/projects/<str:ref>/award/": officers(REDIRECT),
    "work/projects/<str:ref>/bids/<int:bid_pk>/decline/": officers(REDIRECT),
    "work/projects/<str:ref>/bids/<int:bid_pk>/disqualify/": officers(REDIRECT),
    "work/projects/<str:ref>/challenges/<int:pk>/": officers(),
    "work/projects/<str:ref>/challenges/<int:pk>/answer/": officers(REDIRECT),
    "work/projects/<str:ref>/challenges/<int:pk>/decide/": officers(REDIRECT),
    "work/projects/<str:ref>/challenges/<int:pk>/documents/<int:doc_pk>/": officers(),
    # --- community workers, and officers' assessment of needs -------------------------------------------
    "work/needs/": _workers(),
    "work/needs/new/": _workers(),
    "work/needs/<int:pk>/": _own_community(**dict.fromkeys(OFFICERS, OK)),
    "work/reports/": _workers(),
    "work/reports/<int:pk>/": _own_community(),
    "work/reports/<int:pk>/triage/": _own_community(),
    "work/reports/<int:pk>/decline/": _own_community(),
    "work/assessment/": officers(),
    "work/assessment/<int:pk>/assess/": officers(),
    "work/assessment/<int:pk>/decide/": officers(REDIRECT),
    # --- the organization workspace ---------------------------------------------------------------------
    "org/": signed_in(),
    "org/new/": signed_in(),
    "org/<int:pk>/": _member_only(),
    "org/<int:pk>/step/<int:step>/": _member_only(REDIRECT),
    "org/<int:pk>/submit/": _member_only(REDIRECT),
    "org/<int:pk>/upgrade/": _member_only(),
    "org/<int:pk>/staff/<int:staff_pk>/": _member_only(),
    "org/<int:pk>/documents/": _member_only(),
    # officers read an organization's documents for the review
    "org/<int:pk>/documents/<int:doc_pk>/": _member_only(**dict.fromkeys(OFFICERS, OK)),
    "org/<int:pk>/members/": _member_only(),
    "org/<int:pk>/members/invite/": post_only(NOT_FOUND, allowed=("member",)),
    "org/<int:pk>/members/invitations/<int:invitation_pk>/revoke/": post_only(NOT_FOUND, allowed=("member",)),
    "org/<int:pk>/members/<int:membership_pk>/": post_only(NOT_FOUND, allowed=("member",)),
    # the invitation's secret token is the key; accepting needs an account
    "org/invitations/<str:token>/": everyone(),
    "org/<int:pk>/calls/": _member_only(),
    "org/<int:pk>/bids/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/question/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/submit/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/withdraw/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/documents/<int:doc_pk>/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/documents/<int:doc_pk>/remove/": post_only(NOT_FOUND, allowed=("member",)),
    "org/<int:pk>/bids/<str:ref>/result/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/result/letter.pdf": _member_only(),
    "org/<int:pk>/bids/<str:ref>/challenge/": _member_only(REDIRECT),
    "org/<int:pk>/bids/<str:ref>/challenge/documents/<int:doc_pk>/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/receipts/<int:number>/": _member_only(),
    "org/<int:pk>/bids/<str:ref>/receipts/<int:number>/receipt.pdf": _member_only(),
    "org/<int:pk>/bids/<str:ref>/receipts/<int:number>/receipt.json": _member_only(),
    # --- delivery and supervision (issue 15): milestones, reports, evidence, supervision records ---------
    # The ids name the world's contract in force (``matrix_world._active_contract``): ``member``'s
    # organization's, serving ``worker``'s community; its first milestone (report submitted, under
    # evaluation), the report's evidence file, ``worker``'s supervision record and its photo.
    # The organization's pages: its members (the report form shows why it takes no report now; the record
    # is not answered yet); everybody else 404.
    "org/<int:org_id>/milestones/": _member_only(),
    "org/<int:org_id>/milestones/<int:pk>/": _member_only(),
    "org/<int:org_id>/milestones/<int:pk>/report/": _member_only(),
    "org/<int:org_id>/milestones/evidence/<int:pk>/": _member_only(),
    "org/<int:org_id>/milestones/photos/<int:pk>/": _member_only(),
    "org/<int:org_id>/milestones/supervision/<int:pk>/respond/": _member_only(),
    # Community workers of a community the contract serves; a worker of another community 404.
    "community/contracts/": _workers(),
    "community/contracts/<int:pk>/": _own_community(),
    "community/contracts/<int:pk>/supervision/new/": _own_community(),
    "community/contracts/<int:pk>/milestones/<int:milestone_pk>/opinion/": _own_community(),
    "community/contracts/photos/<int:pk>/": _own_community(),
    # Officers' lights and milestone page.  The evidence file: officers, the organization's members and
    # the milestone's evaluator (who declared no relationship); the photo: officers, the organization's
    # members and the served community's workers; anybody else 404.
    "work/delivery/": officers(),
    "work/delivery/milestones/<int:pk>/": officers(),
    "work/delivery/evidence/<int:pk>/": signed_in(NOT_FOUND, member=OK, evaluator=OK, **dict.fromkeys(OFFICERS, OK)),
    "work/delivery/photos/<int:pk>/": signed_in(NOT_FOUND, member=OK, worker=OK, **dict.fromkeys(OFFICERS, OK)),
    # --- the evaluators' workspace ----------------------------------------------------------------------
    "evaluate/": R(
        {"anonymous": LOGIN, "resident": LOGIN, "evaluator": OK, "evaluator_off": OK, "superuser": OK, "*": FORBIDDEN}
    ),
    "evaluate/<str:ref>/": _committee_only(),
    "evaluate/<str:ref>/declare/": _committee_only(REDIRECT),
    "evaluate/<str:ref>/bids/<int:bid_pk>/": _committee_only(),
    "evaluate/<str:ref>/bids/<int:bid_pk>/documents/<int:doc_pk>/": _committee_only(),
    "evaluate/<str:ref>/sheets/<int:sheet_pk>/reopen/": _committee_only(REDIRECT),
    "evaluate/<str:ref>/sheets/<int:sheet_pk>/confirm-deviation/": _committee_only(REDIRECT),
    "evaluate/<str:ref>/report/generate/": _committee_only(REDIRECT),
    "evaluate/<str:ref>/report/confirm/": _committee_only(REDIRECT),
    "evaluate/<str:ref>/report/<int:number>/report.pdf": _committee_only(),
    # --- residents ----------------------------------------------------------------------------------
    "needs/report/": everyone(),
    "needs/report/thanks/": everyone(),
    "help/bid-receipts/": everyone(),
    # --- the site search (issue 17: cms/search/) --------------------------------------------------------
    "search/": everyone(),
    # open data (issue 17, 3 and 5): the annual purchase list, its downloads and the statistics
    "purchase-list/": everyone(),
    "purchase-list/<int:year>/": everyone(),
    "purchase-list/<int:year>/download.<str:fmt>": everyone(),
    "statistics/": everyone(),
    "statistics/<int:year>.csv": everyone(),
    # --- open data, OCDS 1.1.5 (issue 17): the world's opened project's packages, the feed, the bulk file ---
    "ocds/": everyone(),
    "ocds/releases/<str:ocid>.json": everyone(),
    "ocds/records/<str:ocid>.json": everyone(),
    "ocds/changes.json": everyone(),
    "ocds/bulk/releases.jsonl": everyone(),
    # --- the public audit head (issue 17): the signed daily heads, each day's JSON, the feed ------------
    "audit/": everyone(),
    "audit/feed/": everyone(),
    # (the matrix world publishes no head: the filled-in day is unknown to everyone)
    "audit/<str:day>.json": everyone(NOT_FOUND),
    # --- signing in (one lockout, one second factor) ----------------------------------------------------
    "admin/login/": R({**dict.fromkeys(ANON + NON_ADMIN, OK), **dict.fromkeys(ADMIN, ADMIN_HOME)}, post=None),
    "_util/login/": R(
        {"anonymous": OK, "resident": OK, **dict.fromkeys(ROLES[2:], redirect_to("/accounts/")), **WORKSPACES},
        post=None,
    ),
}

# --- the Wagtail admin ------------------------------------------------------------------------------------
# The ids: a statutory call announcement page, the platform's document and image, a superuser's
# account, the procurement officers' group, the default workflow and task, the default site.

_API_ACTIONS = ("convert_alias", "copy", "copy_for_translation", "create_alias", "delete", "move", "publish")
_API_ACTIONS += ("revert_to_page_revision", "unpublish")
_PAGE_TYPES = ("cms/callannouncementpage", "cms/homepage", "cms/openingrecordpage", "cms/resultannouncementpage")
_PAGE_TYPES += ("cms/sectionpage", "wagtailcore/page")
_NOT_ADMIN = dict.fromkeys(ANON + NON_ADMIN, LOGIN)


def _admin_post_only(**roles):
    """A POST-only admin view: outsiders are sent to the admin's sign-in
    page; the admin roles named must be refused (``FORBIDDEN`` unless said)."""
    return R({**_NOT_ADMIN, **dict.fromkeys(ADMIN, NOT_ALLOWED)}, post={**_NOT_ADMIN, **roles})


RULES.update(
    {
        "admin/": admin(OK),
        "admin/test404/": admin(OK),
        "admin/api/main/^pages/": admin(OK),
        "admin/api/main/^pages/<int:pk>/": admin(NOT_FOUND),
        "admin/api/main/^pages/find/": admin(REDIRECT, officer=NOT_FOUND, officer2=NOT_FOUND),
        # the admin API's page actions: officers see no pages (404); nobody deletes, unpublishes
        # or moves a statutory announcement (issue 12, finding 6)
        **{
            f"admin/api/main/^pages/<int:pk>/action/<str:action_name>/ [{action}]": _admin_post_only(
                officer=NOT_FOUND,
                officer2=NOT_FOUND,
                **(dict.fromkeys(ADMIN[2:], FORBIDDEN) if action in ("delete", "unpublish") else {}),
                # an empty body names no destination: 400, and nothing moves
                **(dict.fromkeys(ADMIN[2:], BAD_REQUEST) if action == "move" else {}),
            )
            for action in _API_ACTIONS
        },
        "admin/api/main/^documents/": admin(OK),
        "admin/api/main/^documents/<int:pk>/": admin(NOT_FOUND),
        "admin/api/main/^documents/find/": admin(REDIRECT),
        "admin/api/main/^images/": admin(OK),
        "admin/api/main/^images/<int:pk>/": admin(NOT_FOUND),
        "admin/api/main/^images/find/": admin(REDIRECT),
        "admin/failwhale/": admin("500"),  # Wagtail's deliberate error page
        # pages
        "admin/pages/": cms(),
        "admin/pages/<int:parent_page_id>/": cms(),
        "admin/pages/<int:parent_page_id>/results/": cms(),
        **{
            "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/"
            f" [{t}]": (
                admin(ADMIN_HOME, editor=OK, platform_admin=OK, superuser=OK)
                if t == "cms/sectionpage"
                else admin(ADMIN_HOME)
            )
            for t in _PAGE_TYPES
        },
        "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/preview/": (
            admin(ADMIN_HOME)
        ),
        "admin/pages/usage/<slug:content_type_app_name>/<slug:content_type_model_name>/": cms(),
        # Wagtail's "choose a parent": sent on to the add form when one page may be the parent, the
        # chooser (200) when several may: the sections for a call, the two projects' call pages (the
        # world's and the one its contract in force was made on) for an opening record or a result
        **{
            f"admin/pages/create/<slug:app_label>/<slug:model_name> [{t}]": (
                admin(OK)
                if t in ("cms/callannouncementpage", "cms/openingrecordpage", "cms/resultannouncementpage")
                else admin(OK, editor=REDIRECT, platform_admin=REDIRECT, superuser=REDIRECT)
            )
            for t in _PAGE_TYPES
        },
        "admin/pages/usage/<slug:content_type_app_name>/<slug:content_type_model_name>/results/": cms(),
        "admin/pages/<int:page_id>/usage/": cms(),
        "admin/pages/<int:page_id>/edit/": cms(),
        "admin/pages/<int:page_id>/edit/preview/": cms(),
        "admin/pages/<int:page_id>/view_draft/": cms(),
        "admin/pages/<int:parent_page_id>/add_subpage/": admin(ADMIN_HOME),
        # statutory announcements are never deleted, unpublished or moved (issue 12, finding 6)
        "admin/pages/<int:page_id>/delete/": admin(ADMIN_HOME),
        "admin/pages/<int:page_id>/unpublish/": admin(ADMIN_HOME),
        "admin/pages/<int:page_id>/convert_alias/": admin(NOT_FOUND),
        "admin/pages/search/": cms(),
        "admin/pages/search/results/": cms(),
        "admin/pages/<int:page_to_move_id>/move/": admin(ADMIN_HOME),
        "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/": admin(ADMIN_HOME),
        "admin/pages/<int:page_to_move_id>/set_position/": _admin_post_only(**dict.fromkeys(ADMIN, ADMIN_HOME)),
        "admin/pages/<int:page_id>/copy/": admin(ADMIN_HOME),  # no copy of a statutory announcement
        "admin/pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/": admin(NOT_FOUND),
        "admin/pages/workflow/collect_action_data/<int:page_id>/<slug:action_name>/<int:task_state_id>/": admin(
            NOT_FOUND
        ),
        "admin/pages/workflow/confirm_cancellation/<int:page_id>/": admin(OK),
        "admin/pages/workflow/preview/<int:page_id>/<int:task_id>/": admin(ADMIN_HOME),
        "admin/pages/<int:page_id>/privacy/": admin(ADMIN_HOME),  # nor making it private
        "admin/pages/<int:page_id>/lock/": _admin_post_only(officer=ADMIN_HOME, officer2=ADMIN_HOME),
        "admin/pages/<int:page_id>/unlock/": _admin_post_only(officer=ADMIN_HOME, officer2=ADMIN_HOME),
        "admin/pages/<int:page_id>/revisions/": admin(REDIRECT),
        "admin/pages/<int:page_id>/revisions/<int:revision_id>/view/": cms(),
        "admin/pages/<int:page_id>/revisions/<int:revision_id>/revert/": cms(),
        "admin/pages/<int:page_id>/revisions/<int:revision_id>/unschedule/": admin(ADMIN_HOME),
        "admin/pages/^(?P<pk>\\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\."
        "(?P<revision_id_b>live|latest|\\d+)/$": cms(),
        "admin/pages/<int:page_id>/workflow_history/": cms(),
        "admin/pages/<int:page_id>/workflow_history/detail/<int:workflow_state_id>/": cms(NOT_FOUND),
        "admin/pages/<int:page_id>/history/": cms(),
        "admin/pages/<int:page_id>/history/results/": cms(),
        # bulk actions: one entry per registered action
        # the POST asks for the procurement officer role / deactivation: it must act on nothing
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [marketplace/user/assign_role]": _user_bulk(
            REDIRECT, post_data=lambda w: {"role": w.group.pk}
        ),
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [marketplace/user/delete]": _user_bulk(REDIRECT),
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [marketplace/user/set_active_state]": _user_bulk(
            OK, post_data=lambda w: {"mark_as_active": ""}
        ),
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailcore/page/delete]": PAGE_BULK_STATUTORY,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailcore/page/move]": PAGE_BULK_MOVE,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailcore/page/publish]": PAGE_BULK,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailcore/page/unpublish]": PAGE_BULK_STATUTORY,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtaildocs/document/add_tags]": MEDIA_BULK_FORM,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtaildocs/document/add_to_collection]": (
            MEDIA_BULK_FORM
        ),
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtaildocs/document/delete]": MEDIA_BULK,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailimages/image/add_tags]": MEDIA_BULK_FORM,
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailimages/image/add_to_collection]": (
            MEDIA_BULK_FORM
        ),
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [wagtailimages/image/delete]": MEDIA_BULK,
        # choosers
        "admin/choose-page/": admin(OK),
        "admin/choose-page/<int:parent_page_id>/": admin(OK),
        "admin/choose-page/search/": admin(OK),
        "admin/choose-page/chosen-multiple/": admin(OK),
        "admin/choose-external-link/": admin(OK),
        "admin/choose-email-link/": admin(OK),
        "admin/choose-phone-link/": admin(OK),
        "admin/choose-anchor-link/": admin(OK),
        "admin/tag-autocomplete/": admin(OK),
        "admin/tag-autocomplete/<slug:app_name>/<slug:model_name>/": admin(NOT_FOUND),
        # collections, workflows: superusers
        "admin/collections/": superuser_only(),
        "admin/collections/add/": superuser_only(),
        "admin/collections/<int:pk>/": superuser_only(NOT_FOUND),  # the root collection is not edited
        "admin/collections/<int:pk>/delete/": admin(NOT_FOUND),
        "admin/collections/<int:collection_id>/privacy/": superuser_only(),
        "admin/workflows/list/": superuser_only(),
        "admin/workflows/list/results/": superuser_only(),
        "admin/workflows/add/": superuser_only(),
        "admin/workflows/enable/<int:pk>/": _admin_post_only(**dict.fromkeys(ADMIN[:-1], ADMIN_HOME)),
        "admin/workflows/disable/<int:pk>/": superuser_only(),
        "admin/workflows/edit/<int:pk>/": superuser_only(),
        "admin/workflows/usage/<int:pk>/": superuser_only(),
        "admin/workflows/usage/<int:pk>/results/": superuser_only(),
        "admin/workflows/remove/<int:page_pk>/": _admin_post_only(**dict.fromkeys(ADMIN[:-1], ADMIN_HOME)),
        "admin/workflows/remove/<int:page_pk>/<int:workflow_pk>/": _admin_post_only(
            **dict.fromkeys(ADMIN[:-1], ADMIN_HOME)
        ),
        "admin/workflows/tasks/add/<str:app_label>/<str:model_name>/": superuser_only(),
        "admin/workflows/tasks/select_type/": superuser_only(),
        "admin/workflows/tasks/index/": superuser_only(),
        "admin/workflows/tasks/index/results/": superuser_only(),
        "admin/workflows/tasks/edit/<int:pk>/": superuser_only(),
        "admin/workflows/tasks/disable/<int:pk>/": superuser_only(),
        "admin/workflows/tasks/enable/<int:pk>/": _admin_post_only(**dict.fromkeys(ADMIN[:-1], ADMIN_HOME)),
        "admin/workflows/task_chooser/": admin(OK),
        "admin/workflows/task_chooser/results/": admin(OK),
        "admin/workflows/task_chooser/create/": admin(OK),
        "admin/workflows/task_chooser/<int:task_id>/": admin(OK),
        # reports
        "admin/reports/locked/": cms(),
        "admin/reports/locked/results/": cms(),
        "admin/reports/workflow/": cms(),
        "admin/reports/workflow/results/": cms(),
        "admin/reports/workflow_tasks/": cms(),
        "admin/reports/workflow_tasks/results/": cms(),
        "admin/reports/site-history/": admin(OK),
        "admin/reports/site-history/results/": admin(OK),
        "admin/reports/aging-pages/": cms(),
        "admin/reports/aging-pages/results/": cms(),
        "admin/reports/page-types-usage/": cms(),
        "admin/reports/page-types-usage/results/": cms(),
        # the admin's own account pages
        "admin/account/": admin(OK),
        "admin/logout/": R({**_NOT_ADMIN, **dict.fromkeys(ADMIN, NOT_ALLOWED)}, post=None),
        "admin/dismissibles/": admin(OK),
        "admin/editing-sessions/ping/<str:app_label>/<str:model_name>/<str:object_id>/<int:session_id>/": (
            _admin_post_only(officer=NOT_FOUND, officer2=NOT_FOUND)
        ),
        # releases only the caller's own editing sessions
        "admin/editing-sessions/release/<int:session_id>/": _admin_post_only(officer=OK, officer2=OK),
        "admin/block-preview/": admin(NOT_FOUND),
        # the service catalogue (marketplace.catalogue.admin_views, marketplace.wagtail_hooks)
        "admin/catalogue/": procurement(),
        "admin/catalogue/new/": procurement(),
        "admin/catalogue/<int:pk>/": procurement(),
        "admin/catalogue/<int:pk>/publish/": procurement(),
        "admin/catalogue/<int:pk>/import/": procurement(),
        "admin/catalogue/^(?P<pk>\\d+)/export\\.(?P<fmt>xlsx|pdf)$": procurement(),
        "admin/catalogue/imports/<int:pk>/": procurement(),
        "admin/catalogue/items/<int:pk>/retire/": procurement(),
        # Wagtail's forms and redirects
        "admin/forms/": cms(),
        "admin/forms/results/": cms(),
        "admin/forms/submissions/<int:page_id>/": admin(NOT_FOUND),
        "admin/forms/submissions/<int:page_id>/results/": admin(NOT_FOUND),
        "admin/forms/submissions/<int:page_id>/delete/": admin(ADMIN_HOME),
        "admin/redirects/": superuser_only(),
        "admin/redirects/results/": superuser_only(),
        "admin/redirects/add/": superuser_only(),
        "admin/redirects/<int:redirect_id>/": superuser_only(),
        "admin/redirects/<int:redirect_id>/delete/": superuser_only(),
        "admin/redirects/import/": superuser_only(),
        "admin/redirects/import/process/": superuser_only(NOT_ALLOWED),
        "admin/settings/<slug:app_name>/<slug:model_name>/": admin(NOT_FOUND),
        "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/": admin(NOT_FOUND),
        "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/preview/": admin(NOT_FOUND),
        "admin/embeds/chooser/": admin(OK),
        "admin/embeds/chooser/upload/": admin(OK),
        # the contract clauses (issue 15) are a snippet: superusers see the snippet types
        "admin/snippets/": admin(ADMIN_HOME, superuser=OK, editor=OK),
        # documents and images
        "admin/documents/": cms(),
        "admin/documents/results/": cms(),
        "admin/documents/add/": cms(),
        "admin/documents/edit/<int:document_id>/": cms(),
        "admin/documents/delete/<int:document_id>/": cms(),
        "admin/documents/multiple/add/": cms(),
        "admin/documents/multiple/<int:doc_id>/": _admin_post_only(officer=ADMIN_HOME, officer2=ADMIN_HOME),
        "admin/documents/multiple/create_from_uploaded_document/<int:uploaded_file_id>/": _admin_post_only(
            officer=ADMIN_HOME, officer2=ADMIN_HOME
        ),
        "admin/documents/multiple/<int:doc_id>/delete/": _admin_post_only(officer=ADMIN_HOME, officer2=ADMIN_HOME),
        "admin/documents/multiple/delete_upload/<int:uploaded_file_id>/": _admin_post_only(
            officer=ADMIN_HOME, officer2=ADMIN_HOME
        ),
        "admin/documents/usage/<int:document_id>/": cms(),
        "admin/images/": cms(),
        "admin/images/results/": cms(),
        "admin/images/<int:image_id>/": cms(),
        "admin/images/<int:image_id>/delete/": cms(),
        "admin/images/<int:image_id>/generate_url/": cms(NOT_FOUND),  # no image serve view configured
        "admin/images/<int:image_id>/generate_url/output/": cms(NOT_FOUND),
        "admin/images/<int:image_id>/preview/<str:filter_spec>/": cms(),
        "admin/images/add/": cms(),
        "admin/images/usage/<int:image_id>/": cms(),
        "admin/images/multiple/add/": cms(),
        "admin/images/multiple/<int:image_id>/": _admin_post_only(officer=ADMIN_HOME, officer2=ADMIN_HOME),
        "admin/images/multiple/create_from_uploaded_image/<int:uploaded_file_id>/": _admin_post_only(
            officer=ADMIN_HOME, officer2=ADMIN_HOME
        ),
        "admin/images/multiple/<int:image_id>/delete/": _admin_post_only(officer=ADMIN_HOME, officer2=ADMIN_HOME),
        "admin/images/multiple/delete_upload/<int:uploaded_file_id>/": _admin_post_only(
            officer=ADMIN_HOME, officer2=ADMIN_HOME
        ),
        # catalogue items (a draft version's item), categories, funds
        "admin/catalogue-items/": procurement(),
        "admin/catalogue-items/results/": procurement(),
        "admin/catalogue-items/new/": procurement(),
        "admin/catalogue-items/edit/<int:pk>/": procurement(),
        "admin/catalogue-items/delete/<int:pk>/": procurement(),
        "admin/catalogue-items/history/<int:pk>/": procurement(),
        "admin/catalogue-items/history-results/<int:pk>/": procurement(),
        "admin/catalogue-items/usage/<int:pk>/": procurement(),
        "admin/catalogue-items/inspect/<int:pk>/": procurement(),
        "admin/service-categories/": admin(OK, editor=ADMIN_HOME),
        "admin/service-categories/results/": admin(OK, editor=ADMIN_HOME),
        "admin/service-categories/new/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/service-categories/edit/<int:pk>/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/service-categories/delete/<int:pk>/": superuser_only(),
        "admin/service-categories/history/<int:pk>/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/service-categories/history-results/<int:pk>/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/service-categories/usage/<int:pk>/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        # announcements: editors add a note; nobody adds or deletes one (issue 17)
        "admin/announcements/": admin(ADMIN_HOME, editor=OK, superuser=OK),
        "admin/announcements/results/": admin(ADMIN_HOME, editor=OK, superuser=OK),
        "admin/announcements/new/": admin(ADMIN_HOME),
        "admin/announcements/edit/<int:pk>/": admin(ADMIN_HOME, editor=OK, superuser=OK),
        "admin/announcements/delete/<int:pk>/": admin(ADMIN_HOME),
        "admin/announcements/history/<int:pk>/": admin(ADMIN_HOME, editor=OK, superuser=OK),
        "admin/announcements/history-results/<int:pk>/": admin(ADMIN_HOME, editor=OK, superuser=OK),
        "admin/announcements/usage/<int:pk>/": admin(ADMIN_HOME, editor=OK, superuser=OK),
        "admin/community-funds/": admin(OK, editor=ADMIN_HOME),
        "admin/community-funds/results/": admin(OK, editor=ADMIN_HOME),
        "admin/community-funds/new/": admin(OK, editor=ADMIN_HOME),
        "admin/community-funds/edit/<int:pk>/": admin(OK, editor=ADMIN_HOME),
        "admin/community-funds/delete/<int:pk>/": superuser_only(),
        "admin/community-funds/history/<int:pk>/": admin(OK, editor=ADMIN_HOME),
        "admin/community-funds/history-results/<int:pk>/": admin(OK, editor=ADMIN_HOME),
        "admin/community-funds/usage/<int:pk>/": admin(OK, editor=ADMIN_HOME),
        # entry standards, purchase methods, the evaluator pool: officers; nobody deletes a method
        **{
            f"admin/{prefix}/{view}": procurement()
            for prefix in ("entry-standards", "purchase-methods", "evaluators")
            for view in ("", "results/", "new/", "edit/<int:pk>/", "history/<int:pk>/", "history-results/<int:pk>/")
            + ("usage/<int:pk>/", "inspect/<int:pk>/")
        },
        "admin/entry-standards/delete/<int:pk>/": superuser_only(),
        "admin/purchase-methods/delete/<int:pk>/": admin(ADMIN_HOME),
        "admin/evaluators/delete/<int:pk>/": superuser_only(),
        # sites
        **{
            f"admin/sites/{view}": superuser_only()
            for view in ("", "results/", "new/", "edit/<int:pk>/", "delete/<int:pk>/", "history/<int:pk>/")
            + ("history-results/<int:pk>/", "usage/<int:pk>/", "copy/<int:pk>/")
        },
        # users (the ids: a superuser's account) and groups (the procurement officers')
        "admin/users/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/users/results/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/users/new/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/users/edit/<int:pk>/": superuser_only(),
        "admin/users/delete/<int:pk>/": admin(ADMIN_HOME),  # nobody deletes a superuser, not even one
        "admin/users/history/<int:pk>/": superuser_only(),
        "admin/users/history-results/<int:pk>/": superuser_only(),
        "admin/users/usage/<int:pk>/": superuser_only(),
        "admin/groups/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/groups/results/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        **{
            f"admin/groups/{view}": superuser_only()
            for view in ("new/", "edit/<int:pk>/", "delete/<int:pk>/", "history/<int:pk>/")
            + ("history-results/<int:pk>/", "usage/<int:pk>/")
        },
        # choosers of documents and images
        "admin/documents/chooser/": admin(OK),
        "admin/documents/chooser/results/": admin(OK),
        "admin/documents/chooser/chosen/<str:pk>/": cms(),
        "admin/documents/chooser/chosen-multiple/": admin(OK),
        "admin/documents/chooser/create/": cms(),
        "admin/images/chooser/": admin(OK),
        "admin/images/chooser/results/": admin(OK),
        "admin/images/chooser/chosen/<str:pk>/": cms(),
        "admin/images/chooser/chosen-multiple/": admin(OK),
        "admin/images/chooser/create/": cms(),
        "admin/images/chooser/<int:image_id>/select_format/": cms(),
        # static parts of the admin, its password reset (off: the site's is used) and the rest
        "admin/sprite/": everyone(),
        "admin/password_reset/": everyone(NOT_FOUND),
        "admin/password_reset/done/": everyone(NOT_FOUND),
        "admin/password_reset/confirm/<uidb64>/<token>/": everyone(NOT_FOUND),
        "admin/password_reset/complete/": everyone(NOT_FOUND),
        "admin/jsi18n/": everyone(),
        "admin/^.*/$": admin(NOT_FOUND),
        # Wagtail's document serving and private-page passwords
        # public (no role is refused); under the test settings the file lives in memory and Wagtail's
        # sendfile finds nothing on disk, so every role gets the same 404
        "documents/^(\\d+)/(.*)$": everyone(NOT_FOUND),
        "documents/authenticate_with_password/<int:restriction_id>/": everyone(NOT_FOUND),
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": everyone(NOT_FOUND),
    }
)

# --- the public page tree (Wagtail's catch-all) ----------------------------------------------------------
# Every live page type, and each routable sub-route of each section page.  A section without a
# download or a detail view answers 404.
_INDEX, _DOWNLOAD = "", "^download/(?P<fmt>xlsx|pdf)/$"
_DETAIL, _PART = "^(?P<key>[\\w\\-]+)/$", "^(?P<key>[\\w\\-]+)/(?P<part>[\\w\\-]+(?:/[\\w\\-]+){0,2})/$"
_PUBLIC_OK = {
    "catalogue": (_INDEX, _DOWNLOAD, _DETAIL),
    "needs": (_INDEX, _DETAIL),
    "projects": (_INDEX, _DETAIL, _PART),
    "results": (_INDEX,),
    "organizations": (_INDEX, _DETAIL),
    "disclosure": (_INDEX,),
}
RULES.update(
    {
        "page:homepage": everyone(),
        "page:callannouncementpage": everyone(),
        "page:openingrecordpage": everyone(),
        "page:resultannouncementpage": everyone(),
        **{
            f"page:{section}:{route}": everyone(OK if route in answered else NOT_FOUND)
            for section, answered in _PUBLIC_OK.items()
            for route in (_INDEX, _DOWNLOAD, _DETAIL, _PART)
        },
    }
)

# --- added by the issue-12 work: lockout, four eyes on purchase-method floors ------------------------------
RULES.update(
    {
        "admin/sign-in-attempts/": admin(ADMIN_HOME, platform_admin=OK, superuser=OK),
        "admin/purchase-method-changes/": procurement(),
        # POST only; the proposer's own (empty) decision is turned back and changes nothing
        "admin/purchase-method-changes/<int:pk>/decide/": R(
            procurement(NOT_ALLOWED).get,
            post={**_NOT_ADMIN, "editor": ADMIN_HOME, "platform_admin": ADMIN_HOME, "officer": REDIRECT},
        ),
    }
)

# --- issue 15: milestone evaluation, surveys and acceptance -----------------------------------------------
# The ids name the world's contract in force and its first milestone (under evaluation), the evaluation
# assigned to ``evaluator`` (who declared no relationship; the sheet is not scored) and an unanswered link
# of the survey ``worker`` made for it.  No acceptance record and no survey answer exist (nothing was
# decided): those ids name no row.  The steps are POST only (405 on GET); the steps themselves are tested
# in tests/contracts/evaluation.
RULES.update(
    {
        "work/milestones/": officers(),
        "work/milestones/<int:pk>/": officers(),
        "work/milestones/<int:pk>/assign/": officers(NOT_ALLOWED),
        "work/milestones/<int:pk>/decide/": officers(NOT_ALLOWED),
        "work/milestones/<int:pk>/approve/": officers(NOT_ALLOWED),
        "work/milestones/<int:pk>/records/<int:record_pk>/": officers(NOT_FOUND),
        "work/milestones/contracts/<int:pk>/": officers(),
        "work/milestones/comments/": officers(),
        "work/milestones/comments/<int:pk>/": officers(NOT_ALLOWED),
        # evaluators only (403 for other accounts); the sheet is its evaluator's: another evaluator (and a
        # superuser) 404, also when POSTing a step.  The evaluator opens the lock page (it says the sheet
        # is not complete yet).
        "evaluate/milestones/<int:pk>/": _committee_only(),
        "evaluate/milestones/<int:pk>/declare/": R(
            _committee_only(NOT_ALLOWED, evaluator_off=NOT_ALLOWED, superuser=NOT_ALLOWED).get,
            post=_NOT_ASSIGNED_POST,
        ),
        "evaluate/milestones/<int:pk>/score/": R(
            _committee_only(NOT_ALLOWED, evaluator_off=NOT_ALLOWED, superuser=NOT_ALLOWED).get,
            post=_NOT_ASSIGNED_POST,
        ),
        "evaluate/milestones/<int:pk>/lock/": _committee_only(),
        # community workers; a milestone of a contract not serving their community is 404.  The printable
        # sheet is POST only: an empty POST prints no link (404) for either worker.
        "community/surveys/": _workers(),
        "community/surveys/<int:pk>/": _own_community(),
        "community/surveys/<int:pk>/print/": R(
            _workers(NOT_ALLOWED).get,
            post={**dict.fromkeys(ANON, LOGIN), "worker": NOT_FOUND, "worker_other": NOT_FOUND, "*": FORBIDDEN},
        ),
        # the residents' questionnaire: no account; the link is the key (a used or unknown one is 404)
        "survey/thanks/": everyone(),
        "survey/<str:token>/": everyone(),
    }
)

# --- issue 15: the contract domain -------------------------------------------------------------------------
# The world's contract (``matrix_world._contracts``) belongs to ``member``'s organization, was drafted by
# ``officer`` and awaits signatures; no amendment exists (its number names no row).  The officers' pages
# (/work/contracts/) are ``officer_required``; the organization's (/org/<pk>/contracts/) are for its members,
# 404 for everybody else.  The steps are POST only.  Kinds and clauses are kept by superusers in the admin;
# Wagtail's snippet chooser lets any admin account read the published clause text (it is public anyway).
RULES.update(
    {
        "work/contracts/": officers(),
        # the award has its contract already: the page leads to it
        "work/contracts/new/<str:ref>/": officers(REDIRECT),
        "work/contracts/<str:number>/": officers(),
        # sent for signature, so no longer a draft / not active: back to the contract's page
        "work/contracts/<str:number>/edit/": officers(REDIRECT),
        "work/contracts/<str:number>/amendments/new/": officers(REDIRECT),
        "work/contracts/<str:number>/send/": officers(NOT_ALLOWED),
        "work/contracts/<str:number>/sign/": officers(NOT_ALLOWED),
        "work/contracts/<str:number>/changes/": officers(NOT_ALLOWED),
        "work/contracts/<str:number>/terminate/": officers(NOT_ALLOWED),
        "work/contracts/<str:number>/amendments/<int:amendment>/confirm/": officers(NOT_ALLOWED),
        "work/contracts/<str:number>/amendments/<int:amendment>/withdraw/": officers(NOT_ALLOWED),
        "work/contracts/<str:number>/documents/<int:doc_pk>/": officers(),
        "org/<int:pk>/contracts/": _member_only(),
        "org/<int:pk>/contracts/<str:number>/": _member_only(),
        "org/<int:pk>/contracts/<str:number>/sign/": _member_only(NOT_ALLOWED),
        "org/<int:pk>/contracts/<str:number>/changes/": _member_only(NOT_ALLOWED),
        "org/<int:pk>/contracts/<str:number>/amendments/<int:amendment>/confirm/": _member_only(NOT_ALLOWED),
        "org/<int:pk>/contracts/<str:number>/documents/<int:doc_pk>/": _member_only(),
        "admin/contract-kinds/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/results/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/new/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/edit/<int:pk>/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/delete/<int:pk>/": superuser_only(),
        "admin/contract-kinds/history/<int:pk>/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/history-results/<int:pk>/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/usage/<int:pk>/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-kinds/inspect/<int:pk>/": superuser_only(officer=OK, officer2=OK),
        "admin/contract-clauses/": superuser_only(editor=OK),
        "admin/contract-clauses/results/": superuser_only(editor=OK),
        "admin/contract-clauses/add/": superuser_only(editor=OK),
        "admin/contract-clauses/edit/<int:pk>/": superuser_only(editor=OK),
        "admin/contract-clauses/delete/<int:pk>/": superuser_only(),
        "admin/contract-clauses/usage/<int:pk>/": superuser_only(editor=OK),
        "admin/contract-clauses/history/<int:pk>/": superuser_only(editor=OK),
        "admin/contract-clauses/history-results/<int:pk>/": superuser_only(editor=OK),
        "admin/contract-clauses/history/<int:pk>/revisions/<int:revision_id>/revert/": superuser_only(editor=OK),
        "admin/contract-clauses/history/(?P<pk>.+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\."
        "(?P<revision_id_b>live|latest|\\d+)/$": superuser_only(editor=OK),
        "admin/contract-clauses/history/<int:pk>/revisions/<int:revision_id>/unschedule/": superuser_only(editor=OK),
        "admin/contract-clauses/unpublish/<int:pk>/": superuser_only(editor=OK),
        "admin/snippets/choose/contracts/contractclauses/": admin(OK),
        "admin/snippets/choose/contracts/contractclauses/results/": admin(OK),
        "admin/snippets/choose/contracts/contractclauses/chosen/<str:pk>/": admin(OK),
        "admin/snippets/choose/contracts/contractclauses/chosen-multiple/": admin(OK),
        "admin/snippets/choose/contracts/contractclauses/create/": superuser_only(editor=OK),
        # Wagtail's bulk page opens for any admin account and lists only what the user may delete
        # (nothing, but for superusers); its POST deletes nothing it did not list.
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ [contracts/contractclauses/delete]": admin(OK),
    }
)

# --- issue 16: payments -----------------------------------------------------------------------------------
# Procurement and finance officers read every payment; the money steps are POST-only (405 on GET for
# them, 403 for everybody else); the voucher (the full account) is finance officers' only, and the
# world's payment has none yet (404; a superuser holds every permission).  An organization's payments
# page is its members'; its account form is POST-only.
_PAYMENT_VIEWERS = dict(finance=OK)
RULES.update(
    {
        "work/payments/": officers(**_PAYMENT_VIEWERS),
        "work/payments/<int:pk>/": officers(**_PAYMENT_VIEWERS),
        "work/payments/funds/": officers(**_PAYMENT_VIEWERS),
        "work/payments/<int:pk>/approve/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/reapprove/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/returned/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/release/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/retry/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/paid/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/cancel/": officers(NOT_ALLOWED, finance=NOT_ALLOWED),
        "work/payments/<int:pk>/voucher.pdf": officers(FORBIDDEN, finance=NOT_FOUND, superuser=NOT_FOUND),
        "org/<int:pk>/payments/": _member_only(),
        "org/<int:pk>/payments/account/": _member_only(NOT_ALLOWED),
        # Stripe's onboarding: POST only; its return and refresh exist only with the Stripe gateway
        # (the matrix runs on the default ledger gateway: 404; tests/contracts/payments/test_onboarding.py)
        "org/<int:pk>/payments/stripe/": _member_only(NOT_ALLOWED),
        "org/<int:pk>/payments/stripe/refresh/": _member_only(NOT_FOUND),
        "org/<int:pk>/payments/stripe/return/": _member_only(NOT_FOUND),
        # Stripe's webhook: POST only, authenticated by Stripe's signature (tests/contracts/payments/test_stripe.py)
        "payments/stripe/webhook/": everyone(NOT_ALLOWED),
    }
)
