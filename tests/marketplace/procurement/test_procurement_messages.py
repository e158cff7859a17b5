"""The procurement domain's notifications (procurement/messages.py): the
same wording as before, in each reader's language, titles as typed."""

import pytest
from django.utils import translation

from marketplace.core import digests, languages, notifications
from marketplace.models import Notice
from marketplace.procurement import messages
from marketplace.procurement.services.projects import format_when

TITLE = "助老 & 助残 <试点> “一期”"


def text(language, message, **values):
    with translation.override(language):
        return translation.gettext(message) % values


@pytest.mark.django_db
def test_approval_and_publication_reach_each_officer_in_their_language(
    make_project, officer, second_officer, mailoutbox, django_capture_on_commit_callbacks
):
    languages.remember(officer, "zh-hans")  # the author
    languages.remember(second_officer, "en")  # the one who approves
    digests.choose(officer, False)  # routine messages by e-mail at once (officers' default: the daily digest)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        project = make_project(title=TITLE)
    values = {"ref": project.ref, "title": TITLE}
    # Asked to approve: the second officer, in English.
    asked = Notice.objects.get(user=second_officer)
    assert asked.subject == f"Project {project.ref} awaits your approval"
    assert asked.body == (
        f"{officer.display_name} sent “{TITLE}” for approval. A second officer must check and approve it."
    )
    # Published: the author, in Chinese, the title as typed (no "&amp;" in a plain-text message).
    published = Notice.objects.get(user=officer)
    deadline = format_when(project.deadline)
    message = "“%(title)s” was approved by %(who)s and is open for bids until %(deadline)s."
    assert published.subject == text("zh-hans", "Project %(ref)s is published", **values)
    assert published.body == text("zh-hans", message, title=TITLE, who=second_officer.display_name, deadline=deadline)
    mail = next(mail for mail in mailoutbox if mail.to == [officer.email])
    assert mail.body.startswith(published.body) and TITLE in mail.body and "&amp;" not in mail.body
    assert mail.body.endswith(f"/work/projects/{project.ref}/")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("must_confirm", [True, False])
def test_the_addendum_message_keeps_both_wordings(language, must_confirm):
    values = {"ref": "SFQ-2026-0007", "title": "t", "number": 2, "deadline": "2026-05-01 09:00"}
    subject, body = notifications.render(messages.ADDENDUM, {**values, "must_confirm": must_confirm}, language)
    if must_confirm:
        wording = (
            "Addendum %(number)s changed the call; the deadline is now %(deadline)s. Your submitted bid "
            "counts only if you confirm it again (submit it again) before the deadline."
        )
    else:
        wording = "Addendum %(number)s changed the call; the deadline is now %(deadline)s."
    assert subject == text(language, "Addendum to %(ref)s", **values)
    assert body == text(language, wording, **values)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_opening_messages_keep_their_wording(language):
    values = {"ref": "SFQ-2026-0007", "title": TITLE, "min": 3}
    failed = "“%(title)s” received fewer valid bids than the %(min)s required (流标). The opening record is public."
    opened = "The bids for “%(title)s” were opened at the deadline; the opening record is public."
    assert notifications.render(messages.CALL_FAILED, values, language) == (
        text(language, "%(ref)s: too few valid bids, the call failed", **values),
        text(language, failed, **values),
    )
    assert notifications.render(messages.BIDS_OPENED, values, language)[1] == text(language, opened, **values)
