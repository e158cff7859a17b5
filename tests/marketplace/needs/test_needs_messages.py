"""The demand list's notifications (needs/messages.py): by e-mail, in each
reader's language, the need's state named in it."""

import pytest
from django.utils import translation

from marketplace.core import languages
from marketplace.models import Notice
from marketplace.needs import services


def text(language, message, **values):
    with translation.override(language):
        return translation.gettext(message) % values if values else translation.gettext(message)


@pytest.mark.django_db
def test_the_filer_hears_the_decision_in_their_language(
    make_need, officer, worker, mailoutbox, django_capture_on_commit_callbacks
):
    need = make_need("assessed", title="助餐 & 送餐")
    languages.remember(worker, "en")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.decline_need(need, by=officer, public_answer="不属于<购买>范围")
    (mail,) = mailoutbox
    assert mail.to == [worker.email]
    assert mail.subject == "Your need “助餐 & 送餐”: Declined"
    assert mail.body == "不属于<购买>范围"
    assert not Notice.objects.exists()  # e-mail only, as before


@pytest.mark.django_db
def test_workers_hear_of_a_report_in_their_language(
    worker, make_user, community, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = make_user("community_worker", username="colleague", community=community)
    languages.remember(worker, "en")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.report_need(
            community=community, title="需要助餐", description="老人多", name="钱七", phone="13811112222"
        )
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert mails[worker.email].subject == "New resident report: 需要助餐"
    assert mails[colleague.email].subject == text("zh-hans", "New resident report: %(title)s", title="需要助餐")
    body = "A resident of %(community)s reported a need. Open the workbench to answer it."
    assert mails[colleague.email].body == text("zh-hans", body, community=community)
