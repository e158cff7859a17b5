"""Issue 12, finding 7: the resident-report form token could be replayed.

An attacker who got one valid form token (it is in the page) posted it again
and again: each post made a new report.  Now a token makes one report; the
second use is refused with a message and changes nothing, also when both
uses arrive at the same moment (PostgreSQL)."""

import threading
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection, connections
from django.utils import translation

from marketplace.models import AuditEvent, ResidentReport
from marketplace.needs import services
from marketplace.needs.forms import TOKEN_SALT, make_form_token

URL = "/needs/report/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _aged_token():
    """A real form token, as the page hands it out, issued 10 seconds ago."""
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    value = signer.unsign(make_form_token())
    issued, nonce = value.split(".", 1)
    return signer.sign(f"{int(issued) - 10}.{nonce}")


def _data(community, token, **overrides):
    return {
        "community": community.pk,
        "title": "楼里老人吃饭难",
        "description": "三位独居老人做饭困难，希望有送餐服务。",
        "name": "钱阿姨",
        "phone": "13900001111",
        "website": "",
        "token": token,
        **overrides,
    }


@pytest.mark.django_db
def test_a_replayed_token_makes_no_second_report(client, site, community):
    token = _aged_token()
    first = client.post(URL, _data(community, token))
    assert first.status_code == 302
    events = AuditEvent.objects.filter(action="residentreport.create").count()
    # The attacker replays the very same form, even with other text.
    again = client.post(URL, _data(community, token, title="另一个需求"))
    assert again.status_code == 200
    with translation.override("zh-hans"):
        message = str(services.TOKEN_USED_MESSAGE)
    assert message in again.content.decode().replace("&#x27;", "'")
    assert ResidentReport.objects.count() == 1
    assert AuditEvent.objects.filter(action="residentreport.create").count() == events
    # What the resident typed is still in the form.
    assert "另一个需求" in again.content.decode()


@pytest.mark.django_db
def test_each_page_load_gets_its_own_token(client, site, community):
    tokens = {make_form_token() for _ in range(5)}
    assert len(tokens) == 5  # the same second, still five different tokens


@pytest.mark.django_db
def test_the_service_refuses_the_same_token_twice(community):
    token = _aged_token()
    services.report_need(community=community, title="甲", description="乙", name="丙", phone="13900001111", token=token)
    with pytest.raises(services.NeedError):
        services.report_need(
            community=community, title="丁", description="戊", name="己", phone="13900002222", token=token
        )
    assert ResidentReport.objects.count() == 1
    # Only a digest is kept, never the token itself.
    assert ResidentReport.objects.get().token_digest == services.token_digest(token) != token


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_uses_at_the_same_moment_make_one_report(community, monkeypatch):
    token = _aged_token()
    real_record = services.record_event

    def slow_record(*args, **kwargs):
        time.sleep(0.5)  # both inserts are in flight before either commits
        return real_record(*args, **kwargs)

    monkeypatch.setattr(services, "record_event", slow_record)
    barrier = threading.Barrier(2)
    outcomes = []

    def send(n):
        try:
            barrier.wait()
            services.report_need(
                community=community, title=f"需求{n}", description="说明", name="钱", phone="13900001111", token=token
            )
            outcomes.append("made")
        except services.NeedError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["made", "refused"]
    assert ResidentReport.objects.count() == 1
