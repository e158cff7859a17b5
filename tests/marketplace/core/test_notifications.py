"""Notifications: message types, one dispatcher, rendered in each
recipient's language, handed to the in-site, e-mail and SMS adapters."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.template.loader import get_template
from django.utils import translation
from wagtail.users.models import UserProfile

from marketplace.core import languages, notifications, sms
from marketplace.core import messages as core_messages
from marketplace.models import Notice, OutgoingMessage
from marketplace.procurement import messages as procurement_messages

SIGN_IN = {"sign_in": "http://testserver/accounts/login/", "reset": "http://testserver/accounts/password-reset/"}


def text(language, message, **values):
    """What the old code wrote: ``_(message) % values`` in ``language``."""
    with translation.override(language):
        return translation.gettext(message) % values


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def readers(make_user):
    """One member who chose English, one who chose Chinese, one who never chose."""
    english = make_user(username="english", email="english@example.test")
    chinese = make_user(username="chinese", email="chinese@example.test")
    unset = make_user(username="unset", email="unset@example.test")
    languages.remember(english, "en")
    languages.remember(chinese, "zh-hans")
    return english, chinese, unset


# --- delivery after commit ----------------------------------------------------------------------


@pytest.mark.django_db
def test_notification_leaves_only_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(
            core_messages.SIGNUP_ATTEMPT, ["a@example.test", "", "a@example.test"], SIGN_IN, language="zh-hans"
        )
        assert mailoutbox == []
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["a@example.test"]
    assert mailoutbox[0].subject == text("zh-hans", "Someone tried to sign up with your e-mail address")


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_sends_nothing(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.send(core_messages.SIGNUP_ATTEMPT, ["a@example.test"], SIGN_IN, language="en")
        raise RuntimeError
    assert mailoutbox == []
    assert not OutgoingMessage.objects.exists()


class Broken:
    def send(self, **kwargs):
        raise OSError("mail server down")


class Recorder:
    sent = []

    def send(self, **kwargs):
        Recorder.sent.append(kwargs)


def test_a_failing_adapter_does_not_stop_the_others(settings):
    settings.NOTIFICATION_ADAPTERS = [
        "tests.marketplace.core.test_notifications.Broken",
        "tests.marketplace.core.test_notifications.Recorder",
    ]
    Recorder.sent = []
    assert notifications.deliver(recipients=["x@example.test"], subject="s", body="b") == 1
    assert Recorder.sent == [{"recipients": ["x@example.test"], "subject": "s", "body": "b"}]


# --- each recipient's language --------------------------------------------------------------------

WITHDRAWN = ("Bid on %(ref)s withdrawn", "Your bid was withdrawn. You may submit again before the deadline.")
PROJECT = {"ref": "SFQ-2026-0001", "title": "居家养老上门服务"}


@pytest.mark.django_db
def test_each_reader_gets_the_notice_and_the_mail_in_their_own_language(
    readers, mailoutbox, django_capture_on_commit_callbacks
):
    english, chinese, unset = readers
    link = "/org/1/bids/SFQ-2026-0001/"
    # One event, sent while the page (and the person acting) is in Chinese.
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        notifications.send(procurement_messages.BID_WITHDRAWN, [english, chinese, unset], PROJECT, link=link)
    subject, body = WITHDRAWN
    expected = {
        "en": (text("en", subject, ref="SFQ-2026-0001"), text("en", body)),
        "zh-hans": (text("zh-hans", subject, ref="SFQ-2026-0001"), text("zh-hans", body)),
    }
    assert expected["en"] == ("Bid on SFQ-2026-0001 withdrawn", body) and expected["en"] != expected["zh-hans"]
    # The one who never chose reads the language of the moment (Wagtail's fallback): Chinese here.
    languages_by_user = {english: "en", chinese: "zh-hans", unset: "zh-hans"}
    notices = {notice.user: notice for notice in Notice.objects.all()}
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert len(notices) == 3 and len(mails) == 3
    for reader, language in languages_by_user.items():
        assert (notices[reader].subject, notices[reader].body, notices[reader].link) == (*expected[language], link)
        mail = mails[reader.email]
        assert mail.subject == expected[language][0]
        assert mail.body == f"{expected[language][1]}\n\n{notifications.absolute_url(link)}"
    # The same readers, an event sent from an English page: only the unset one follows the page.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notifications.send(procurement_messages.BID_WITHDRAWN, [english, chinese, unset], PROJECT, link=link)
    latest = {notice.user: notice.subject for notice in Notice.objects.order_by("pk")}
    assert latest == {english: expected["en"][0], chinese: expected["zh-hans"][0], unset: expected["en"][0]}


@pytest.mark.django_db
def test_an_address_without_an_account_gets_the_language_passed(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with translation.override("zh-hans"):
            notifications.send(core_messages.SIGNUP_ATTEMPT, ["en@example.test"], SIGN_IN, language="en")
        with translation.override("en"):
            notifications.send(
                core_messages.SIGNUP_ATTEMPT,
                [notifications.Address(email="zh@example.test")],
                SIGN_IN,
                language="zh-hans",
            )
    subject = "Someone tried to sign up with your e-mail address"
    assert {mail.to[0]: mail.subject for mail in mailoutbox} == {
        "en@example.test": subject,
        "zh@example.test": text("zh-hans", subject),
    }
    assert text("zh-hans", subject) != subject
    assert SIGN_IN["reset"] in mailoutbox[0].body and SIGN_IN["reset"] in mailoutbox[1].body


@pytest.mark.django_db
def test_an_address_needs_an_explicit_language(make_user):
    for language in (None, "", "fr"):
        with pytest.raises(TypeError, match="language="):
            notifications.send(core_messages.SIGNUP_ATTEMPT, ["x@example.test"], SIGN_IN, language=language)
    # Users alone need none: each has their own.
    notifications.send(procurement_messages.BID_WITHDRAWN, [make_user(username="alone")], PROJECT)
    assert OutgoingMessage.objects.count() == 1


@pytest.mark.django_db
def test_context_values_are_rendered_in_the_readers_language(readers):
    """A lazy text in the context (a choice's label) is translated for each reader, not for the sender."""
    from marketplace.models import Membership

    english, chinese, _unset = readers
    with translation.override("zh-hans"):
        notifications.send(
            "organizations.role_changed",  # a key names a declared type too
            [english, chinese],
            {"name": "阳光社工服务中心", "role": Membership.Role.ADMIN.label},
        )
    bodies = {notice.user: notice.body for notice in Notice.objects.all()}
    message = "Your role in %(name)s is now: %(role)s."
    assert bodies[english] == "Your role in 阳光社工服务中心 is now: Organization administrator."
    with translation.override("zh-hans"):
        role = str(Membership.Role.ADMIN.label)
    assert bodies[chinese] == text("zh-hans", message, name="阳光社工服务中心", role=role)
    assert role != "Organization administrator"


# --- plain text ------------------------------------------------------------------------------------

TITLE = "Tom & Jerry <助老> \"上门\" 'O'Neil'"


@pytest.mark.django_db
def test_a_title_arrives_unescaped_in_the_notice_and_the_mail(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from marketplace.needs import messages as needs_messages

    reader = make_user(username="reader")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notifications.send(
            procurement_messages.PROJECT_CANCELLED, [reader], {**PROJECT, "title": TITLE, "reason": "A&B"}
        )
        notifications.send(needs_messages.RESIDENT_REPORT, [reader], {"title": TITLE, "community": "<和平社区>"})
    notice = Notice.objects.get()
    assert notice.body == f"“{TITLE}” was cancelled: A&B"
    report, cancelled = sorted(mailoutbox, key=lambda mail: "resident" not in mail.subject)
    assert cancelled.body.startswith(f"“{TITLE}” was cancelled: A&B")
    assert report.subject == f"New resident report: {TITLE}"
    assert "A resident of <和平社区> reported a need." in report.body
    for text_ in (notice.subject, notice.body, cancelled.body, report.subject, report.body):
        for entity in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;"):
            assert entity not in text_


@pytest.mark.django_db
def test_a_subject_stays_on_one_line_and_a_notice_subject_within_200(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from marketplace.needs import messages as needs_messages

    reader = make_user(username="reader")
    long_ref = "R" * 300
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notifications.send(needs_messages.RESIDENT_REPORT, [reader], {"title": "送餐\nBcc: x@evil.example  \r\n 二"})
        notifications.send(procurement_messages.BID_WITHDRAWN, [reader], {"ref": long_ref})
    report = next(mail for mail in mailoutbox if "送餐" in mail.subject)
    assert report.subject == "New resident report: 送餐 Bcc: x@evil.example 二"
    notice = Notice.objects.get()
    assert len(notice.subject) == 200 and notice.subject.startswith("Bid on RRR")


def test_every_message_type_has_plain_text_templates_with_translated_subjects():
    types = notifications.message_types()
    assert len(types) >= 50
    for key, message_type in types.items():
        names = [message_type.body_template]
        if message_type.subject_template:
            names.append(message_type.subject_template)
        else:
            assert message_type.channels == {notifications.SMS}, key  # only a text message has no subject
        for name in names:
            # templates/<app>/<domain>/…/messages/ (marketplace's domains, and the contracts app's)
            app = "marketplace" if name.startswith("marketplace/") else "contracts"
            assert name.startswith(f"{app}/") and "/messages/" in name, name
            if app == "marketplace":
                assert name.startswith(f"marketplace/{key.split('.')[0]}/messages/"), name
            source = Path(get_template(name).origin.name).read_text()
            assert source.startswith("{% load i18n %}{% autoescape off %}"), name
            assert source.rstrip().endswith("{% endautoescape %}"), name
        if message_type.subject_template:
            english = notifications.render(message_type, {}, "en")[0]
            chinese = notifications.render(message_type, {}, "zh-hans")[0]
            assert english and chinese and english != chinese, key


# --- text messages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_text_message_leaves_after_commit_to_users_with_a_number(make_user, django_capture_on_commit_callbacks):
    with_phone = make_user(username="13912345678", email="", phone="13912345678")
    without = make_user(username="nophone", phone="")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        notifications.send(core_messages.VERIFICATION_CODE, [with_phone, without], {"code": "123456"})
        # Queued with its channel, nothing sent yet; no notice, no e-mail for a text-only type.
        assert sms.outbox == []
        assert list(OutgoingMessage.objects.values_list("channel", "address")) == [("sms", "13912345678")]
        assert not Notice.objects.exists()
    message = "Your verification code is %(code)s, valid for 15 minutes. Do not tell anyone."
    assert sms.outbox == [{"to": "13912345678", "text": text("zh-hans", message, code="123456")}]
    assert not OutgoingMessage.objects.exists()


@pytest.mark.django_db
def test_no_text_message_for_a_type_that_does_not_declare_it(make_user, django_capture_on_commit_callbacks):
    reader = make_user(username="reader", phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(procurement_messages.BID_WITHDRAWN, [reader], PROJECT)
    assert sms.outbox == []
    assert Notice.objects.filter(user=reader).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_step_texts_nothing(make_user):
    person = make_user(username="13912345678", email="", phone="13912345678")
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.send(core_messages.VERIFICATION_CODE, [person], {"code": "123456"})
        raise RuntimeError
    assert sms.outbox == []
    assert not OutgoingMessage.objects.exists()


@pytest.mark.django_db
def test_a_queued_text_goes_to_the_sms_backend_not_the_mail_adapters(settings):
    settings.NOTIFICATION_ADAPTERS = ["tests.marketplace.core.test_notifications.Recorder"]
    Recorder.sent = []
    row = OutgoingMessage.objects.create(channel="sms", address="13912345678", subject="", body="验证码 123456")
    assert notifications.deliver_outgoing([row.pk]) == 1
    assert sms.outbox == [{"to": "13912345678", "text": "验证码 123456"}] and Recorder.sent == []


# --- message types ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_message_type_fails_loudly(make_user):
    reader = make_user(username="reader")
    with pytest.raises(notifications.UnknownMessageTypeError, match="procurement.no_such_message"):
        notifications.send("procurement.no_such_message", [reader], PROJECT)
    with pytest.raises(notifications.UnknownMessageTypeError):
        notifications.get_message_type("bid_withdrawn")
    undeclared = notifications.MessageType("procurement.x", "a.txt", "b.txt", frozenset({notifications.EMAIL}))
    with pytest.raises(notifications.UnknownMessageTypeError):
        notifications.send(undeclared, [reader], PROJECT)
    assert not Notice.objects.exists() and not OutgoingMessage.objects.exists()
    # Declaring wrongly fails as loudly.
    with pytest.raises(ImproperlyConfigured):
        notifications.declare("procurement.bid_withdrawn", channels=(notifications.SMS,))  # a second, different one
    with pytest.raises(ImproperlyConfigured):
        notifications.declare("no_domain")
    with pytest.raises(ImproperlyConfigured):
        notifications.declare("procurement.by_fax", channels=("fax",))
    assert notifications.declare("procurement.bid_withdrawn") is not None  # the same again is harmless
    assert notifications.get_message_type("procurement.bid_withdrawn") == procurement_messages.BID_WITHDRAWN


# --- recording the reader's language -------------------------------------------------------------

GOOD_PASSWORD = "Tianxin-Lu-2026!"


def _profile_language(user):
    return UserProfile.objects.filter(user=user).values_list("preferred_language", flat=True).first()


@pytest.mark.django_db
def test_the_language_switcher_records_a_signed_in_persons_choice(client, site, make_user):
    person = make_user(username="switcher")
    client.force_login(person)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/needs/"})
    # Django's behaviour: the redirect and the cookie.
    assert response.status_code == 302 and response["Location"] == "/needs/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _profile_language(person) == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert _profile_language(person) == "zh-hans"
    # A language the platform does not offer is not recorded; a GET changes nothing.
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    client.get("/i18n/setlang/", {"language": "en", "next": "/"})
    assert _profile_language(person) == "zh-hans"
    # The interface language of a request is still the cookie's, not the profile's.
    languages.remember(person, "en")
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    assert client.get("/")["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_the_language_switcher_records_nothing_for_a_visitor(client, site):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not UserProfile.objects.exists()


@pytest.mark.django_db
def test_signing_up_records_the_language_of_the_page(client, site, mailoutbox, django_capture_on_commit_callbacks):
    from marketplace.core import accounts
    from marketplace.models import User

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {"identifier": "li.ming@example.cn", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
        )
    assert response.status_code == 302
    person = User.objects.get(username="li.ming@example.cn")
    assert _profile_language(person) == "en"
    assert [mail.subject for mail in mailoutbox] == ["Confirm your e-mail address"]
    # Later messages follow the recorded choice, whatever the language of the moment.
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        accounts.resend_verification(person)
    assert [mail.subject for mail in mailoutbox][-1] == "Confirm your e-mail address"
    assert f"within {settings.SIGNUP_VERIFICATION_HOURS} hours:" in mailoutbox[-1].body
