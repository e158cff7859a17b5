"""Every role has a workspace (issue 14): the header's 工作台 entry leads
there, and sign-in lands there when no ``next`` is given (and goes back to a
safe ``next`` when one is)."""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from marketplace.core.workspace import workspace_url

PASSWORD = "pw-test-2026"


def zh(msgid):
    """Simplified Chinese (the default); the words are in locale/zh_Hans."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


WORKSPACE = zh("Workspace")  # 工作台


def _officer_workspace():
    try:
        return reverse("workspace:todo")
    except NoReverseMatch:
        return reverse("projects:index")


def _sign_in(client, username, **extra):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD, **extra})
    assert response.status_code == 302, response.status_code
    return response["Location"]


@pytest.fixture
def people(make_user, make_org, community):
    member = make_user("organization_member", username="member", verified_at=timezone.now())
    organization = make_org("approved", admin=member, name="阳光社工服务中心")
    several = make_user("organization_member", username="several", verified_at=timezone.now())
    make_org("approved", admin=several, name="甲组织")
    make_org("submitted", admin=several, name="乙组织")
    return {
        "officer": (make_user("procurement_officer", username="officer1"), _officer_workspace()),
        "evaluator": (make_user("evaluator", username="expert"), "/evaluate/"),
        "member": (member, f"/org/{organization.pk}/"),
        "several": (several, "/org/"),
        "worker without a community": (make_user("community_worker", username="worker"), "/accounts/"),
        "worker": (make_user("community_worker", username="worker2", community=community), "/work/needs/"),
        "editor": (make_user("editor", username="editor1"), "/admin/"),
        # the contracts app's workspace slot: finance officers land on their payments
        "finance": (make_user("finance_officer", username="finance9"), "/work/payments/"),
        "nobody": (make_user(username="plain"), "/accounts/"),
    }


@pytest.mark.django_db
def test_sign_in_lands_in_each_role_s_workspace(client, site, people):
    for key, (user, expected) in people.items():
        client.logout()
        assert _sign_in(client, user.username) == expected, key
        assert workspace_url(user) == expected, key


@pytest.mark.django_db
def test_sign_in_goes_back_to_a_safe_next(client, site, people):
    user, expected = people["member"]
    assert _sign_in(client, user.username, next="/projects/SFQ-2026-0001/") == "/projects/SFQ-2026-0001/"
    client.logout()
    assert _sign_in(client, user.username, next="https://evil.example/") == expected
    client.logout()
    assert _sign_in(client, user.username, next="//evil.example/x") == expected
    client.logout()
    # ``next`` in the address (the link from a call) works the same
    response = client.post("/accounts/login/?next=/projects/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/projects/"


@pytest.mark.django_db
def test_the_header_has_a_workspace_entry_for_the_signed_in(client, site, people):
    assert "header-workspace" not in client.get("/").content.decode()
    for key, (user, expected) in people.items():
        client.force_login(user)
        html = client.get("/").content.decode()
        assert f'class="header-link header-workspace" href="{expected}"' in html, key
        assert f">{WORKSPACE}</a>" in html, key


@pytest.mark.django_db
def test_an_already_signed_in_person_at_the_sign_in_page_goes_to_the_workspace(client, site, people):
    user, expected = people["evaluator"]
    client.force_login(user)
    response = client.get("/accounts/login/")
    assert response.status_code == 302 and response["Location"] == expected


@pytest.mark.django_db
def test_the_sign_in_page_offers_sign_up_keeping_next(client, site):
    html = client.get("/accounts/login/?next=/projects/SFQ-2026-0001/").content.decode()
    assert 'href="/accounts/signup/?next=/projects/SFQ-2026-0001/"' in html and zh("No account yet?") in html
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' in html
    html = client.get("/accounts/login/?next=https://evil.example/").content.decode()
    assert 'href="/accounts/signup/"' in html and "signup/?next=" not in html
    assert '<input type="hidden" name="next" value="">' in html
