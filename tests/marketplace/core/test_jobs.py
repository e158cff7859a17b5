import pytest
from django.db import transaction

from marketplace import tasks
from marketplace.core.jobs import enqueue_on_commit


@pytest.mark.django_db
def test_job_is_queued_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.ping, "delay", lambda *a, **kw: sent.append(a))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(tasks.ping, 21)
        assert sent == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert sent == [(21,)]


@pytest.mark.django_db(transaction=True)
def test_job_is_dropped_when_the_transaction_rolls_back(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.ping, "delay", lambda *a, **kw: sent.append(a))
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(tasks.ping, 1)
        raise RuntimeError
    assert sent == []
    with transaction.atomic():
        enqueue_on_commit(tasks.ping, 2)
    assert sent == [(2,)]


@pytest.mark.django_db
def test_nightly_audit_check_is_scheduled_and_reports(settings, mailoutbox):
    from marketplace.core.audit import record_event

    assert settings.CELERY_BEAT_SCHEDULE["verify-audit-chain-nightly"]["task"] == "marketplace.tasks.verify_audit_chain"
    record_event("test.one")
    result = tasks.verify_audit_chain.delay().get()
    assert result == {"ok": True, "checked": 1, "broken_event_id": None}
    assert mailoutbox == []
