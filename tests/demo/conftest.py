"""One ``seed_demo`` shared by the demo tests that only read (or re-seed) a
seeded database, instead of one per test.

The shared seed runs once inside an outer transaction that stays open; each
test that asks for ``seeded_demo`` runs in a savepoint inside it, so what a
test changes is rolled back and the next one sees the seed as it was made.
Tests that need an empty database (the refusal in production, a seed that
fails part-way) run first, before the shared seed exists; should one run
after it all the same, the shared seed is rolled back before it.
"""

import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

SHARED = "seeded_demo"

# The override below replaces pytest-django's own autouse fixture of the same
# name and asks for its ``_django_db_helper``: both are private.  pytest-django
# is pinned in requirements.txt; should an upgrade rename either, stop here
# with the reason instead of silently running the demo tests unseeded.
from pytest_django import plugin as _pytest_django  # noqa: E402

if not all(hasattr(_pytest_django, name) for name in ("_django_db_marker", "_django_db_helper")):
    raise RuntimeError(
        "tests/demo/conftest.py overrides pytest-django's _django_db_marker/_django_db_helper fixtures, "
        "which this pytest-django version no longer has: update the override."
    )


@dataclass
class _Seed:
    atomic: object = None
    output: str = ""


_seed = _Seed()


def _open(blocker):
    if _seed.atomic is not None:
        return
    with blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            with override_settings(DEBUG=True):
                call_command("seed_demo", stdout=out)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        _seed.atomic, _seed.output = atomic, out.getvalue()


def _close(blocker):
    if _seed.atomic is None:
        return
    with blocker.unblock():
        transaction.set_rollback(True)
        _seed.atomic.__exit__(None, None, None)
    _seed.atomic, _seed.output = None, ""


def pytest_collection_modifyitems(items):
    """Shared-seed tests last (stable order otherwise), all demo tests on one
    xdist worker."""
    demo = [item for item in items if "/tests/demo/" in str(item.path).replace("\\", "/")]
    if not demo:
        return
    shared = [item for item in demo if SHARED in getattr(item, "fixturenames", ())]
    others = [item for item in demo if item not in shared]
    start = items.index(demo[0])
    rest = [item for item in items if item not in demo]
    items[:] = rest[:start] + others + shared + rest[start:]
    for item in demo:
        item.add_marker(pytest.mark.xdist_group("demo"))


@pytest.fixture(autouse=True)
def _django_db_marker(request, django_db_blocker):
    """pytest-django's fixture of this name, with the shared seed opened
    (or closed) before the test's own transaction begins."""
    if SHARED in request.fixturenames:
        request.getfixturevalue("django_db_setup")
        request.getfixturevalue("_demo_seed_package")
        _open(django_db_blocker)
    elif _seed.atomic is not None:
        _close(django_db_blocker)
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")


@pytest.fixture(scope="package")
def _demo_seed_package(django_db_blocker):
    yield
    _close(django_db_blocker)


@pytest.fixture
def seeded_demo(db):
    """The database as one ``seed_demo`` (with DEBUG on) left it; ``.output``
    is what that run printed."""
    return _seed
