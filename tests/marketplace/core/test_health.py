import pytest
from django.db.backends.utils import CursorWrapper

from config.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_503_when_broker_is_down(client, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its config.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


@pytest.mark.django_db
def test_healthz_503_when_database_is_down(client, monkeypatch):
    def broken(self, sql, params=None):
        raise OSError("database went away")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_healthz_asks_the_broker_at_most_every_few_seconds(client, monkeypatch, settings):
    """A connection to the broker per request cost ten times a bare page (issue 18): the answer is
    kept HEALTHZ_BROKER_CHECK_SECONDS per process, for the broker configured now."""
    from marketplace.core import account_views

    asked = []
    monkeypatch.setattr(account_views, "_check_broker", lambda: asked.append(1) or True)
    monkeypatch.setattr(account_views, "_broker_answer", None)
    clock = [1000.0]
    monkeypatch.setattr(account_views.time, "monotonic", lambda: clock[0])
    settings.HEALTHZ_BROKER_CHECK_SECONDS = 5
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert len(asked) == 1
    clock[0] += 5
    assert client.get("/healthz").json()["broker"] == "ok"
    assert len(asked) == 2
    # Another broker (e.g. reconfigured) is asked at once.
    before = celery_app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:2/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:2/0")
    assert celery_app.conf.broker_url != before
    client.get("/healthz")
    assert len(asked) == 3
