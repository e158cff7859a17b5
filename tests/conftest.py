import pytest
from django.contrib.auth.models import Group

from cms.setup import ensure_site
from marketplace.core.roles import sync_roles
from marketplace.models import Community, District, User

pytest_plugins = ["tests.catalogue_fixtures"]


@pytest.fixture
def site(db):
    return ensure_site()


@pytest.fixture
def district(db):
    return District.objects.create(code="T01", name="测试区")


@pytest.fixture
def community(district):
    return Community.objects.create(district=district, street="东城街道", code="T01-01", name="和平社区")


@pytest.fixture
def make_user(db):
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
