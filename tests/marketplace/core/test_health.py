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
