"""The public resident form (/needs/report/): no account, and spam-resistant
through a honeypot, a signed minimum-fill-time token and a per-address rate
limit."""

import datetime
import secrets

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from marketplace.models import ResidentReport
from marketplace.needs.forms import TOKEN_SALT

URL = "/needs/report/"


def _token(seconds_ago=10):
    # Each token is good for one report (issue 12): a fresh nonce each time, as each page load gets.
    issued = int(timezone.now().timestamp()) - seconds_ago
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{issued}.{secrets.token_urlsafe(8)}")


def _post(place, **overrides):
    data = {
        "community": place.pk,
        "title": "楼里老人吃饭难",
        "description": "三位独居老人做饭困难，希望有送餐服务。",
        "name": "钱阿姨",
        "phone": "13900001111",
        "website": "",
        "token": _token(),
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_url_is_served_by_django_before_the_wagtail_page(site):
    assert reverse("resident_report") == URL


@pytest.mark.django_db
def test_anonymous_resident_reports_a_need(client, site, community, worker):
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="token"' in html and 'name="website"' in html and "绝不公开" in html
    response = client.post(URL, _post(community))
    assert response.status_code == 302 and response["Location"] == reverse("resident_report_thanks")
    report = ResidentReport.objects.get()
    assert (report.community, report.name, report.phone, report.state) == (community, "钱阿姨", "13900001111", "new")
    assert "感谢您的报告" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_report_lands_with_that_communitys_worker_only(client, site, community, worker, other_worker):
    client.post(URL, _post(community))
    client.force_login(worker)
    assert "楼里老人吃饭难" in client.get(reverse("work:reports")).content.decode()
    client.force_login(other_worker)
    assert "楼里老人吃饭难" not in client.get(reverse("work:reports")).content.decode()


@pytest.mark.django_db
def test_honeypot_filled_creates_nothing_but_looks_successful(client, site, community):
    response = client.post(URL, _post(community, website="http://spam.example"))
    assert response.status_code == 302
    assert not ResidentReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token,message",
    [
        ("", "表单已过期"),
        ("forged:token", "表单已过期"),
        (None, "提交过快"),  # signed just now
    ],
)
def test_token_must_be_signed_and_old_enough(client, site, community, token, message):
    if token is None:
        token = _token(seconds_ago=0)
    response = client.post(URL, _post(community, token=token))
    assert response.status_code == 200 and message in response.content.decode()
    assert not ResidentReport.objects.exists()


@pytest.mark.django_db
def test_expired_token_is_refused(client, site, community):
    old = _token()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        response = client.post(URL, _post(community, token=old))
    assert "表单已过期" in response.content.decode()
    assert not ResidentReport.objects.exists()


@pytest.mark.django_db
def test_rate_limit_per_address(client, site, community, settings):
    settings.NEEDS_REPORT_RATE_LIMIT = 3
    for n in range(3):
        assert client.post(URL, _post(community, title=f"需求{n}")).status_code == 302
    refused = client.post(URL, _post(community, title="第四条"))
    assert refused.status_code == 429 and "提交的报告过多" in refused.content.decode()
    assert ResidentReport.objects.count() == 3
    # another address is not affected
    other = client.post(URL, _post(community, title="另一地址"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302 and ResidentReport.objects.count() == 4


@pytest.mark.django_db
def test_rate_limit_also_counts_failed_and_trapped_posts(client, site, community, settings):
    settings.NEEDS_REPORT_RATE_LIMIT = 2
    client.post(URL, _post(community, website="spam"))
    client.post(URL, _post(community, phone="bad"))
    assert client.post(URL, _post(community)).status_code == 429
    assert not ResidentReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"community": ""}, "请选择所在社区"),
        ({"community": "999999"}, "请选择所在社区"),
        ({"title": ""}, "请简要说明需要什么服务"),
        ({"description": ""}, "请描述需求"),
        ({"name": ""}, "请留下姓名"),
        ({"phone": ""}, "请留下联系电话"),
        ({"phone": "12345"}, "请输入11位手机号码"),
        ({"title": "长" * 201}, "200"),
    ],
)
def test_bad_input_shows_chinese_error_and_keeps_nothing(client, site, community, overrides, message):
    response = client.post(URL, _post(community, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ResidentReport.objects.exists()
