"""Issue 12, finding 7: sign-up told whether an e-mail address or mobile
number has an account ("An account with this e-mail address … already
exists").  An attacker could test a list of addresses.

Now a taken and a new identifier get the same answer (status, next page, no
sign-in, same page text), and the owner of the taken one is told by message."""

import pytest
from django.contrib.auth import SESSION_KEY

from marketplace.core import accounts, sms
from marketplace.models import User

GOOD_PASSWORD = "Tianxin-Lu-2026!"
SIGNUP = "/accounts/signup/"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _post(client, identifier, **extra):
    return client.post(
        SIGNUP, {"identifier": identifier, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, **extra}
    )


def _answer(client, identifier, capture):
    with capture(execute=True):
        response = _post(client, identifier)
    signed_in = SESSION_KEY in client.session
    follow = client.get(response["Location"]) if response.status_code == 302 else response
    page = follow.content.decode()
    page = page[page.index("<main") : page.index("</main>")]
    client.logout()
    client.cookies.clear()
    return response.status_code, response.get("Location"), signed_in, follow.status_code, page


@pytest.mark.django_db
def test_a_taken_email_gets_the_same_answer_as_a_new_one(
    client, site, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user(username="owner", email="zhang.li@example.cn", verified_at=None)
    taken = _answer(client, "Zhang.Li@Example.CN", django_capture_on_commit_callbacks)
    new = _answer(client, "zhang.lu@example.cn", django_capture_on_commit_callbacks)
    # Same status, same next page, nobody signed in, same text (the masked address is the typed one's).
    assert taken[:4] == new[:4] == (302, "/accounts/signup/sent/", False, 200)
    assert taken[4] == new[4]  # z***@example.cn for both
    assert "already exists" not in taken[4]
    assert User.objects.filter(email__iexact="zhang.li@example.cn").count() == 1
    # The owner is told by e-mail; the new address gets its confirmation link.
    owner_mail = [mail for mail in mailoutbox if mail.to == ["zhang.li@example.cn"]]
    assert len(owner_mail) == 1
    assert "/accounts/login/" in owner_mail[0].body and "/accounts/password-reset/" in owner_mail[0].body
    assert "/accounts/verify/email/" not in owner_mail[0].body
    assert [mail.to for mail in mailoutbox if "/accounts/verify/email/" in mail.body] == [["zhang.lu@example.cn"]]


@pytest.mark.django_db
def test_a_taken_mobile_gets_the_same_answer_and_the_owner_a_text(
    client, site, make_user, django_capture_on_commit_callbacks
):
    make_user(username="owner-phone", email="", phone="13800138000")
    taken = _answer(client, "+86 138-0013-8000", django_capture_on_commit_callbacks)
    new = _answer(client, "13800138001", django_capture_on_commit_callbacks)
    assert taken[:4] == new[:4] == (302, "/accounts/signup/sent/", False, 200)
    assert taken[4].replace("138****8000", "X") == new[4].replace("138****8001", "X")
    assert [text["to"] for text in sms.outbox] == ["13800138000", "13800138001"]
    assert "/accounts/login/" in sms.outbox[0]["text"] and not any(c.isdigit() for c in sms.outbox[0]["text"][:6])
    assert User.objects.filter(phone="13800138000").count() == 1


@pytest.mark.django_db
def test_a_weak_password_is_refused_alike_for_taken_and_new(client, site, make_user):
    make_user(username="owner", email="wang@example.cn")
    answers = []
    for identifier in ("wang@example.cn", "wang2@example.cn"):
        response = client.post(SIGNUP, {"identifier": identifier, "password1": "12345678", "password2": "12345678"})
        answers.append((response.status_code, list(response.context["form"].errors)))
    assert answers[0] == answers[1] == (200, ["password1"])


@pytest.mark.django_db
def test_the_owner_is_not_flooded(site, make_user, mailoutbox, django_capture_on_commit_callbacks):
    make_user(username="owner", email="li@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(10):
            assert accounts.sign_up(identifier="li@example.cn", password=GOOD_PASSWORD, ip=f"10.0.0.{n}") is None
    assert len(mailoutbox) == accounts.OWNER_NOTICE_PER_IDENTIFIER.limit


@pytest.mark.django_db
def test_throttling_stays_and_keeps_what_was_typed(client, site):
    for _n in range(accounts.SIGNUP_PER_IP.limit):
        accounts.SIGNUP_PER_IP.hit("127.0.0.1")
    response = _post(client, "keep.me@example.cn")
    assert response.status_code == 429 and not User.objects.exists()
    html = response.content.decode()
    assert 'value="keep.me@example.cn"' in html and GOOD_PASSWORD not in html
