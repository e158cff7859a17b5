"""Issue 14: the sign-in field says what may be typed (people who signed up
with a mobile number or an e-mail address have no other user name); the
check and the lockout are unchanged."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import translation


def translated(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.mark.django_db
def test_the_sign_in_field_and_its_error_name_mobile_email_or_user_name(client, make_user, site):
    label = translated("Mobile number, e-mail or user name")
    page = client.get("/accounts/login/").content.decode()
    assert label in page
    make_user(username="13912345678", phone="13912345678")
    response = client.post("/accounts/login/", {"username": "139 1234 5678", "password": "wrong"})
    assert response.status_code == 200
    assert label in response.content.decode().split('class="form-errors"', 1)[-1]
    assert SESSION_KEY not in client.session
    response = client.post("/accounts/login/", {"username": "139 1234 5678", "password": "pw-test-2026"})
    assert response.status_code == 302 and SESSION_KEY in client.session
