import re

import pytest
from django.contrib.auth import SESSION_KEY


@pytest.mark.django_db
def test_sign_in_and_out(client, make_user, site):
    user = make_user("evaluator", username="zhao")
    response = client.post("/accounts/login/", {"username": "zhao", "password": "pw-test-2026"})
    # an evaluator lands in the evaluation workspace (issue 14)
    assert response.status_code == 302 and response["Location"] == "/evaluate/"
    assert client.session[SESSION_KEY] == str(user.pk)
    page = client.get("/accounts/").content.decode()
    assert "评审专家" in page or "Evaluator" in page
    assert "退出" in page
    assert client.get("/accounts/logout/").status_code == 405  # sign-out is a POST, never a link
    client.post("/accounts/logout/")
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_wrong_password_shows_a_chinese_error_and_signs_nobody_in(client, make_user, site):
    make_user(username="zhao")
    response = client.post("/accounts/login/", {"username": "zhao", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert SESSION_KEY not in client.session
    # the user name typed is kept, the password is not echoed back
    html = response.content.decode()
    assert 'value="zhao"' in html and "wrong" not in html


@pytest.mark.django_db
def test_empty_sign_in_form_shows_field_errors(client, site):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    assert response.content.decode().count("必需字段") == 2


@pytest.mark.django_db
def test_account_page_needs_sign_in(client, site):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/")


@pytest.mark.django_db
def test_account_page_lists_roles_and_console_only_for_admin_roles(client, make_user, site):
    make_user("community_worker", "evaluator", username="multi")
    client.login(username="multi", password="pw-test-2026")
    html = client.get("/accounts/").content.decode()
    assert "社区工作者" in html and "评审专家" in html
    assert "/admin/" not in html
    client.logout()
    make_user("editor", username="ed")
    client.login(username="ed", password="pw-test-2026")
    assert 'href="/admin/"' in client.get("/accounts/").content.decode()


@pytest.mark.django_db
def test_password_reset_by_email(client, make_user, site, mailoutbox):
    make_user(username="li", email="li@example.test")
    response = client.post("/accounts/password-reset/", {"email": "li@example.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "li" in body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a-new-Passw0rd-2026", "new_password2": "a-new-Passw0rd-2026"})
    assert done.status_code == 302
    assert client.login(username="li", password="a-new-Passw0rd-2026")


@pytest.mark.django_db
def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(client, site, mailoutbox):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302  # same answer as for a known address
    assert mailoutbox == []


@pytest.mark.django_db
def test_password_reset_with_bad_email_shows_error(client, site, mailoutbox):
    response = client.post("/accounts/password-reset/", {"email": "not-an-email"})
    assert response.status_code == 200
    assert "输入一个有效的 Email 地址" in response.content.decode()
    assert mailoutbox == []


@pytest.mark.django_db
def test_sign_in_is_throttled_after_repeated_failures(client, make_user, site, settings):
    from axes.models import AccessAttempt

    make_user(username="zhao")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "zhao", "password": "wrong"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "zhao", "password": "wrong"}).status_code == 429
    blocked = client.post("/accounts/login/", {"username": "zhao", "password": "pw-test-2026"})
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.content.decode()
    assert SESSION_KEY not in client.session
    AccessAttempt.objects.all().delete()  # the cool-off has passed (sign-in lockout, issue 12)
    assert client.post("/accounts/login/", {"username": "zhao", "password": "pw-test-2026"}).status_code == 302
