"""Routine messages once a day (issue 14): held for the users who chose the
daily digest, the in-site notice at once, one digest e-mail per user in their
language, each held message sent once."""

import pytest
from django.urls import reverse
from django.utils import translation

from marketplace.core import digests, languages, notifications
from marketplace.core.tasks import send_daily_digests
from marketplace.models import HeldMessage, Notice, NotificationPreference, OutgoingMessage
from marketplace.organizations import messages as org_messages

pytestmark = pytest.mark.django_db


def subject_in(language, message_type, context):
    return notifications.render(message_type, context, language)[0]


@pytest.fixture
def member(make_user):
    return make_user("organization_member", username="member", email="member@example.test")


def test_routine_types_are_declared_so():
    assert org_messages.SUBMITTED.routine
    assert not org_messages.APPROVED.routine
    assert notifications.get_message_type("procurement.question_asked").routine


def test_officers_get_the_digest_by_default_others_at_once(officer, member):
    assert digests.wants_digest([officer, member]) == {officer.pk}
    digests.choose(officer, False)
    digests.choose(member, True)
    assert digests.wants_digest([officer, member]) == {member.pk}
    assert NotificationPreference.objects.count() == 2


def test_routine_e_mail_is_held_the_notice_is_written_at_once(
    officer, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(org_messages.SUBMITTED, [officer, member], {"name": "和平社区服务中心"}, link="/work/")
    # The member (at once) is mailed; the officer's e-mail waits for the digest.
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert Notice.objects.filter(user=officer).count() == 1 and Notice.objects.filter(user=member).count() == 1
    held = HeldMessage.objects.get()
    assert held.user == officer and "和平社区服务中心" in held.subject and held.body.endswith("/work/")
    assert not OutgoingMessage.objects.exists()


def test_urgent_messages_are_mailed_at_once_even_to_digest_users(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(org_messages.APPROVED, [officer], {"name": "和平社区服务中心"})
    assert [message.to for message in mailoutbox] == [[officer.email]]
    assert not HeldMessage.objects.exists()


def test_one_digest_per_user_in_their_language_sent_once(
    officer, second_officer, mailoutbox, django_capture_on_commit_callbacks
):
    languages.remember(officer, "en")
    languages.remember(second_officer, "zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("组织甲", "组织乙"):
            notifications.send(org_messages.SUBMITTED, [officer, second_officer], {"name": name})
    assert mailoutbox == [] and HeldMessage.objects.count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 2
    assert sorted(message.to[0] for message in mailoutbox) == sorted([officer.email, second_officer.email])
    for user, language in ((officer, "en"), (second_officer, "zh-hans")):
        (mail,) = [message for message in mailoutbox if message.to == [user.email]]
        with translation.override(language):
            expected = translation.ngettext(
                "Your daily summary: %(counter)s message", "Your daily summary: %(counter)s messages", 2
            ) % {"counter": 2}
        assert mail.subject == expected
        for name in ("组织甲", "组织乙"):
            # each held message, as rendered in the reader's language
            assert subject_in(language, org_messages.SUBMITTED, {"name": name}) in mail.body
        assert reverse("account") in mail.body
    assert not HeldMessage.objects.exists() and not OutgoingMessage.objects.exists()

    # A second run (or a redelivered task) finds nothing left to send.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 0
    assert len(mailoutbox) == 2


def test_the_digest_task_is_scheduled_daily(settings):
    entries = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].endswith("send_daily_digests")
    ]
    assert len(entries) == 1
    from marketplace import tasks

    assert tasks.send_daily_digests.name == "marketplace.tasks.send_daily_digests"


def test_the_account_page_sets_the_choice(client, officer, member):
    client.force_login(officer)
    response = client.get(reverse("account"))
    assert response.context["digest_form"].initial == {"routine": "daily"}  # the officers' default
    assert reverse("workspace:todo") in response.content.decode()

    response = client.post(reverse("account"), {"routine": "at_once"}, follow=True)
    assert response.redirect_chain == [(reverse("account"), 302)]
    assert not NotificationPreference.objects.get(user=officer).digest
    assert [str(m) for m in response.context["messages"]]
    assert response.context["digest_form"].initial == {"routine": "at_once"}

    client.force_login(member)
    response = client.get(reverse("account"))
    assert response.context["digest_form"].initial == {"routine": "at_once"}
    assert reverse("workspace:todo") not in response.content.decode()
    client.post(reverse("account"), {"routine": "daily"})
    assert NotificationPreference.objects.get(user=member).digest
    # A choice that is not offered changes nothing.
    response = client.post(reverse("account"), {"routine": "never"})
    assert response.status_code == 200 and NotificationPreference.objects.get(user=member).digest
