import pytest
from django.db import transaction

from marketplace.core import notifications


@pytest.mark.django_db
def test_notification_leaves_only_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(to=["a@example.test", "", "a@example.test"], subject="主题", body="正文")
        assert mailoutbox == []
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["a@example.test"] and mailoutbox[0].subject == "主题"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_sends_nothing(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.notify(to=["a@example.test"], subject="s", body="b")
        raise RuntimeError
    assert mailoutbox == []


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
