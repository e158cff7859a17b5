import pytest
from django.contrib.auth.models import Group

from cms.setup import ensure_site
from marketplace.core.roles import ROLES_BY_KEY, sync_roles
from marketplace.models import Community, District, User

pytest_plugins = ["tests.catalogue_fixtures"]


def _install_baseline():
    """What every test starts from, made once per session (committed, so each
    test's transaction begins with it): the rows the data migrations made
    (after a transactional test flushed them), the role groups in step with
    ``marketplace.core.roles`` and the public page tree."""
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Page.objects.exists():
        Page.add_root(title="Root", slug="root")
    import_module("marketplace.migrations.0008_purchase_methods").create(apps, None)
    # The contract kinds and the general contract clauses (contracts' data migrations, issue 15).
    import_module("contracts.migrations.0002_contract_kinds").add_kinds(apps, None)
    import_module("contracts.migrations.0006_kind_english_names").fill_english_names(apps, None)
    import_module("contracts.migrations.0003_contracts_domain").add_clauses(apps, None)
    sync_roles()
    # Without the page audit: tests of the audit chain start from an empty log.
    from wagtail.signals import page_published, page_unpublished

    from cms import page_audit

    receivers = [
        (page_published, page_audit.audit_page_published, "cms.page_audit.published"),
        (page_unpublished, page_audit.audit_page_unpublished, "cms.page_audit.unpublished"),
    ]
    for signal, receiver, uid in receivers:
        signal.disconnect(receiver, dispatch_uid=uid)
    try:
        _baseline["home"] = ensure_site().pk
    finally:
        for signal, receiver, uid in receivers:
            signal.connect(receiver, dispatch_uid=uid)


_baseline = {"home": None}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _install_baseline()


def _is_transactional(item):
    names = getattr(item, "fixturenames", ())
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with a flush of every table: put the session
    baseline back for the tests after it."""
    try:
        return (yield)
    finally:
        if _baseline["home"] is not None and _is_transactional(item):
            from pytest_django.plugin import blocking_manager_key

            with item.config.stash[blocking_manager_key].unblock():
                _install_baseline()


@pytest.fixture
def site(db):
    """The home page with its sections (made once per session; see above)."""
    from wagtail.models import Site

    from cms.models import HomePage

    home = HomePage.objects.filter(pk=_baseline["home"]).first()
    if home is None or not Site.objects.filter(is_default_site=True, root_page=home).exists():
        home = ensure_site()
    return home


@pytest.fixture
def district(db):
    return District.objects.create(code="T01", name="测试区")


@pytest.fixture
def community(district):
    return Community.objects.create(district=district, street="东城街道", code="T01-01", name="和平社区")


@pytest.fixture
def make_user(db):
    # The role groups are in the database already (migrations, post_migrate
    # after a flush, and the session baseline); sync only if one is missing.
    if Group.objects.filter(name__in=ROLES_BY_KEY).count() != len(ROLES_BY_KEY):
        sync_roles()
    counter = {"n": 0}

    def make(*roles, username=None, password="pw-test-2026", **fields):
        counter["n"] += 1
        username = username or f"user{counter['n']}"
        fields.setdefault("email", f"{username}@example.test")
        # Like a self sign-up (unverified) unless the test says it is verified;
        # accounts made by administrators are verified on creation.
        fields.setdefault("self_signed_up", fields.get("verified_at") is None)
        user = User.objects.create_user(username=username, password=password, **fields)
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    return make


pytest_plugins += ["tests.needs_fixtures"]  # demand-list fixtures


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the platform's default language: a request through
    the test client activates the request's language in the thread and leaves
    it active, so a test that browsed in English would make the next one's
    lazily translated messages English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Each test starts with Celery's process-wide "a task is running, do not
    wait for results" flag cleared.  Eager tasks (the tests' setting) set it
    around their run and put back what they found; two threads running eager
    tasks at once (the PostgreSQL race tests) can finish in the other order
    and leave it set, after which any ``result.get()`` in that process raises
    "Never call result.get() within a task!" (seen in CI of d8247f5;
    ``test_celery_worker_race.py`` shows it)."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttles, cached exports)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


pytest_plugins += ["tests.org_fixtures"]  # social-organization fixtures
pytest_plugins += ["tests.project_fixtures"]  # purchase projects and bids
pytest_plugins += ["tests.evaluation_fixtures"]  # committees, scores, awards, challenges
pytest_plugins += ["tests.auth_fixtures"]  # second factor marked done for client.login (issue 12)
pytest_plugins += ["tests.contract_fixtures"]  # contracts, milestones (issue 15)
