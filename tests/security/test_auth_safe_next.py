"""The one ``safe_next`` (marketplace/core/web.py): the address a page goes
on to after a form is a path on this site, whatever an attacker puts in
``next`` - used by the sign-up pages and the second-factor and
re-authentication pages alike."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.core import signup_views as signup
from marketplace.core import twofactor, web
from tests.security.test_auth_reauth import RIGHT, verified_but_stale
from tests.security.test_auth_second_factor import code_for

HOSTILE = [
    "//evil.example",
    "//evil.example/accounts/",
    "https://evil.example",
    "https://evil.example/accounts/",
    "http://evil.example@testserver.evil.example/",
    "/\\evil",
    "/\\/evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "///evil.example",
    "https:evil.example",
    "/\t/evil.example",
]


def _get(next_value, secure=False):
    return RequestFactory().get("/accounts/login/", {"next": next_value}, secure=secure)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_next_gives_the_default(value):
    assert web.safe_next(_get(value), "/accounts/") == "/accounts/"
    assert web.safe_next(_get(value)) == ""
    assert web.safe_next(RequestFactory().post("/x/", {"next": value}), "/accounts/") == "/accounts/"
    assert web.safe_next(_get("/fine/"), "/accounts/", value=value) == "/accounts/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/work/projects/", "/work/projects/"),
        ("/work/projects/?state=published&page=2", "/work/projects/?state=published&page=2"),
        ("/org/1/#members", "/org/1/#members"),
        ("http://testserver/accounts/", "/accounts/"),  # this very host: kept, as a path
    ],
)
def test_a_path_on_this_site_is_kept(value, expected):
    assert web.safe_next(_get(value), "/accounts/") == expected


def test_an_absolute_url_of_this_host_with_the_wrong_scheme_is_refused_over_https():
    assert web.safe_next(_get("http://testserver/accounts/", secure=True), "/") == "/"
    assert web.safe_next(_get("https://testserver/accounts/", secure=True), "/") == "/accounts/"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_whatever_is_sent_the_answer_is_a_local_path_or_the_default(value):
    result = web.safe_next(_get("/"), "DEFAULT", value=value)
    assert result == "DEFAULT" or (result.startswith("/") and not result.startswith("//") and "\\" not in result)


def test_there_is_one_safe_next():
    assert signup.safe_next is web.safe_next
    assert not hasattr(twofactor, "safe_next")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)"])
def test_the_sign_up_page_does_not_carry_a_hostile_next(client, value):
    response = client.get(reverse("signup"), {"next": value})
    assert response.status_code == 200
    assert response.context["next"] == ""
    carried = re.findall(r'name="next" value="([^"]*)"', response.content.decode())
    assert all(not value or value.startswith("/") and "evil" not in value for value in carried), carried


@pytest.mark.django_db
@pytest.mark.usefixtures("real_second_factor")
@pytest.mark.parametrize("value", ["//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)"])
def test_the_reauthentication_page_does_not_send_anyone_away(client, officer, settings, value):
    device = verified_but_stale(client, officer, settings)
    url = reverse("reauthenticate")
    data = {"reauth-password": RIGHT, "reauth-code": code_for(device), "next": value}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/accounts/"
