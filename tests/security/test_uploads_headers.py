"""Issue 12, finding 7 (headers and the development server), from the
attacker's side: ``/static/../`` answered 500 on the development server; no
page had a Content-Security-Policy or Permissions-Policy, so an injected
script or a framing page met no second line of defence; the page after a
resident's report (and other pages with a requester's data) could be kept by
a browser or proxy cache."""

import re
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.test import override_settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _policy(header):
    """A CSP header as {directive: set of sources}."""
    policy = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = set(words[1:])
    return policy


# --- 3. /static/../ on the development server -----------------------------------------------------------


def _dev_server_get(path):
    """GET ``path`` through the WSGI handler ``manage.py runserver`` serves with
    DEBUG on (static files included), as its request handler would call it."""
    command = load_command_class(get_commands()["runserver"], "runserver")
    handler = command.get_handler(use_static_handler=True, insecure_serving=False)
    environ = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    environ["HTTP_HOST"] = "localhost"
    status = {}

    def start_response(line, headers, exc_info=None):
        status["code"] = int(line.split()[0])

    body = b"".join(handler(environ, start_response))
    return status["code"], body


@pytest.mark.django_db
@override_settings(DEBUG=True, ALLOWED_HOSTS=["localhost"])
@pytest.mark.parametrize(
    "path", ["/static/../", "/static/..", "/static/../../etc/passwd", "/static/css/../../config/settings.py"]
)
def test_climbing_out_of_static_is_a_plain_404_on_the_development_server(path):
    code, body = _dev_server_get(path)
    assert code == 404
    assert b"SECRET_KEY" not in body


@pytest.mark.django_db
@override_settings(DEBUG=True, ALLOWED_HOSTS=["localhost"])
def test_static_files_are_still_served_on_the_development_server():
    code, body = _dev_server_get("/static/css/site.css")
    assert code == 200 and b".fund-meter" in body


# --- 5. Content-Security-Policy and Permissions-Policy --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/needs/report/", "/catalogue/", "/no-such-page/"])
def test_site_pages_carry_a_strict_policy(client, site, path):
    response = client.get(path)
    policy = _policy(response["Content-Security-Policy"])
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] <= {"'self'", "'none'"}
    assert policy["style-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["base-uri"] == {"'self'"}
    assert policy["form-action"] == {"'self'"}
    assert policy["img-src"] <= {"'self'", "data:"}
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/no-such-page/", "/healthz"])
def test_every_response_carries_a_permissions_policy(client, site, path):
    response = client.get(path)
    policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert policy[feature] == "()"


@pytest.mark.django_db
def test_the_admin_has_its_own_workable_policy(client, site):
    response = client.get("/admin/login/")
    policy = _policy(response["Content-Security-Policy"])
    assert policy["default-src"] == {"'self'"}
    assert "'self'" in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert not any(source.startswith("http") or source == "*" for sources in policy.values() for source in sources)
    assert policy["object-src"] == {"'none'"}
    assert policy["frame-ancestors"] == {"'self'"}
    assert policy["form-action"] == {"'self'"}


INLINE_STYLE = re.compile(r"""\sstyle\s*=|<style[\s>]""", re.I)
INLINE_SCRIPT = re.compile(r"""<script(?![^>]*\ssrc=)(?![^>]*type=["']application/(?:ld\+)?json)[^>]*>""", re.I)


def _site_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES).as_posix()
        if relative.startswith(("pdf/", "marketplace/catalogue/admin/", "marketplace/procurement/admin/")):
            continue  # rendered by WeasyPrint / inside the Wagtail admin and its own policy
        yield relative, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("relative,text", list(_site_templates()), ids=lambda value: value if "/" in value else "")
def test_no_site_template_needs_inline_styles_or_scripts(relative, text):
    assert not INLINE_STYLE.search(text), f"{relative} has an inline style the site policy blocks"
    assert not INLINE_SCRIPT.search(text), f"{relative} has an inline script the site policy blocks"


@pytest.mark.django_db
def test_rendered_pages_have_no_inline_styles(client, site, community):
    for path in ("/", "/needs/", "/needs/report/", "/accounts/login/", "/accounts/signup/"):
        response = client.get(path)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        assert not INLINE_STYLE.search(html), path
        assert not INLINE_SCRIPT.search(html), path


# --- 6. no caching of pages with a one-time token or the requester's data -----------------------------------


def _no_store(response):
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/needs/report/", "/needs/report/thanks/", "/accounts/signup/", "/accounts/password-reset/", "/accounts/login/"],
)
def test_pages_with_tokens_or_the_requesters_data_are_never_stored(client, site, path):
    assert _no_store(client.get(path)), path


@pytest.mark.django_db
def test_password_reset_confirmation_is_never_stored(client, site, make_user):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = make_user(username="resident")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    with_token = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/")
    assert with_token.status_code == 302 and _no_store(with_token)  # the token moves into the session
    form = client.get(with_token["Location"])
    assert form.status_code == 200 and _no_store(form)


@pytest.mark.django_db
def test_signed_in_pages_are_never_stored(client, site, make_user):
    user = make_user(username="resident")
    client.force_login(user)
    for path in ("/accounts/", "/accounts/notices/", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), path
        assert "private" in response["Cache-Control"], path


@pytest.mark.django_db
def test_public_pages_for_anonymous_readers_may_still_be_cached(client, site, published):
    """The rule for signed-in pages does not reach the public catalogue download."""
    response = client.get("/catalogue/download/xlsx/")
    assert "public" in response["Cache-Control"] and not _no_store(response)
