"""Browser journeys (issue 14): Playwright's sync API driving Debian's
chromium against pytest-django's ``live_server``.

- One browser for the whole package: started before the first journey and
  closed after the last, so the xdist worker that runs them (every journey
  is in the ``e2e`` xdist group) gets its event loop back for the tests it
  runs afterwards.  While Playwright's loop runs in this thread, Django
  would refuse every ORM call from the test ("async context"), so
  DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time: the test thread
  only builds data and reads outboxes while the browser waits.
- Without playwright or /usr/bin/chromium the journeys are skipped with the
  reason; in CI (``CI=true``, set by .ci/run) they fail instead.
- ``live_server`` makes each journey transactional; tests/conftest.py puts
  the session baseline (roles, methods, the page tree) back after its flush.
- Sign-in without typing: ``sign_in(context, user)`` makes a session with the
  test client (second factor marked done by tests/auth_fixtures.py) and
  hands its cookie to the browser.
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def browser_missing():
    """Why the journeys cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements.txt)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no browser at {CHROMIUM} (apt-get install chromium; `playwright install` is never used)"
    return None


def pytest_collection_modifyitems(items):
    """Every test that drives the browser is marked ``e2e`` and runs on one
    xdist worker (the pure helper tests here, e.g. test_contrast.py, do not
    need either).  The journeys say so themselves too (``pytestmark``), so
    ``-m e2e`` selects them whatever the order of the hooks."""
    for item in items:
        in_e2e = "/tests/e2e/" in str(item.path).replace("\\", "/")
        if in_e2e and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


def _with_cjk_font(tmp_path_factory):
    """The browser's environment with a fontconfig file that adds the Noto
    Sans CJK font the PDFs embed (a Python package, so every machine has it).
    A machine without a Chinese font draws each character as an empty box,
    narrower than the character: the width, overflow and touch-target checks
    would then measure text of the wrong size (a receipt 663 px wide on a
    phone passed them that way)."""
    import cvttf_NotoSansCJK_Regular

    directory = tmp_path_factory.mktemp("fonts")
    font_directory = os.path.dirname(cvttf_NotoSansCJK_Regular.get_TTF_path())
    config = directory / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font_directory}</dir>\n  <cachedir>{directory / 'cache'}</cachedir>\n</fontconfig>\n"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


@pytest.fixture(scope="package")
def browser(tmp_path_factory):
    reason = browser_missing()
    if reason:
        if in_ci():
            pytest.fail(f"browser journeys cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=_with_cjk_font(tmp_path_factory)
            )
            try:
                yield launched
            finally:
                launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser, live_server):
    """``new_context(viewport=PHONE)``: a fresh browser profile (no cookies)
    on the live server, in Chinese, closed after the test."""
    contexts = []

    def make(viewport=DESKTOP):
        # The site's CSP allows no inline script; axe-core is injected as a
        # script element, so the pages are loaded with the CSP bypassed (the
        # CSP itself is tested in tests/security).
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            bypass_csp=True,
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a new desktop-sized context."""
    return new_context().new_page()


@pytest.fixture
def sign_in(live_server, settings):
    """``sign_in(context, user)``: the browser context is signed in as
    ``user`` (second factor and re-authentication done, as for the test
    client).  ``fresh_reauth=False`` leaves the re-authentication stale, so
    an irreversible step asks for password and code."""

    def do(context, user, *, fresh_reauth=True):
        from django.test import Client

        from marketplace.core import reauth

        client = Client()
        client.force_login(user)  # tests/auth_fixtures.py marks the second factor done
        if not fresh_reauth:
            session = client.session
            session[reauth.SESSION_KEY] = 0
            session.save()
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
        return context

    return do


@pytest.fixture
def audit():
    """Accessibility checks on every page a journey visits, collected and
    asserted together at the end (``audit.assert_clean()``), so one page's
    contrast problem does not hide the rest of the journey."""
    from tests.e2e.checks import PageAudit

    return PageAudit()
