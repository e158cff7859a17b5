"""The announcements index (issue 17, 1-2): a project's whole story as
announcements, each with its event, deadline (Chinese working days) and
publication time; written after the domain's commit (a receiver, or the
scheduler's minute run), once each; the public pages, the Atom feeds and
the PDF; the officers' timeliness dashboard.  No person in any of them."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from cms import announcements
from cms.models import Announcement
from cms.tasks import publish_announcements
from contracts.payments import services
from contracts.payments.models import Payment
from marketplace.core.workdays import DayCount, add_days
from tests.contracts.payments.conftest import released

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _pay(payment, finance, paid_on=None):
    released(payment, finance)
    services.process(payment.pk)
    return services.record_paid(
        Payment.objects.get(pk=payment.pk), by=finance, reference="BANK-1", paid_on=paid_on or timezone.localdate()
    )


def test_the_whole_story_is_announced_once_with_its_deadlines(payment, account, finance, contract, site):
    paid = _pay(payment, finance)
    written = announcements.publish_due()
    kinds = set(Announcement.objects.values_list("kind", flat=True))
    assert {"opening", "result", "contract", "acceptance", "payment"} <= kinds, kinds
    assert written == Announcement.objects.count()
    # Once each: a second run (the scheduler's) writes nothing.
    assert announcements.publish_due() == 0 and publish_announcements() == 0

    row = Announcement.objects.get(kind="payment")
    assert row.key == str(paid.pk) and row.contract_number == contract.number
    assert row.facts["amount"] == str(paid.amount) and row.published_at == paid.paid_at
    # Due at the end of the 2nd working day after the bank's payment day.
    due_day = add_days(timezone.localdate(), 2, DayCount.WORKING)
    assert timezone.localtime(row.due_at).date() == due_day and timezone.localtime(row.due_at).hour == 23
    assert not row.late
    result = Announcement.objects.get(kind="contract")
    assert result.facts["organization"] == contract.organization.name


def test_a_payment_is_announced_when_its_transaction_commits(
    payment, account, finance, django_capture_on_commit_callbacks
):
    released(payment, finance)
    services.process(payment.pk)
    assert not Announcement.objects.filter(kind="payment").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_paid(
            Payment.objects.get(pk=payment.pk), by=finance, reference="BANK-2", paid_on=timezone.localdate()
        )
    assert Announcement.objects.filter(kind="payment", key=str(payment.pk)).exists()


def test_a_failing_publication_never_rolls_the_payment_back(
    payment, account, finance, django_capture_on_commit_callbacks, monkeypatch
):
    released(payment, finance)
    services.process(payment.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("the CMS is down")

    monkeypatch.setattr(announcements, "publish_due", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_paid(
            Payment.objects.get(pk=payment.pk), by=finance, reference="BANK-3", paid_on=timezone.localdate()
        )
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PAID
    assert not Announcement.objects.filter(kind="payment").exists()
    # The dashboard shows it owed; the scheduler's next run publishes it.
    monkeypatch.undo()
    owed = [item for item, _due in announcements.pending()]
    assert any(item["kind"] == "payment" for item in owed)
    publish_announcements()
    assert Announcement.objects.filter(kind="payment").exists()
    assert not announcements.pending()


def test_a_late_payment_is_marked_late(payment, account, finance, client, site):
    long_ago = timezone.localdate() - datetime.timedelta(days=20)  # the bank paid weeks before it was recorded
    released(payment, finance)
    services.process(payment.pk)
    Payment.objects.filter(pk=payment.pk).update(released_at=timezone.now() - datetime.timedelta(days=30))
    services.record_paid(Payment.objects.get(pk=payment.pk), by=finance, reference="BANK-4", paid_on=long_ago)
    announcements.publish_due()
    row = Announcement.objects.get(kind="payment")
    assert row.late
    html = client.get(f"/disclosure/a/{row.pk}/").content.decode()
    assert "逾期" in html or "late" in html


def test_the_index_filters_and_pages_feeds_and_pdf(payment, account, finance, contract, award_over, client, site):
    _pay(payment, finance)
    announcements.publish_due()
    index = client.get("/disclosure/")
    assert index.status_code == 200
    html = index.content.decode()
    for row in Announcement.objects.all():
        assert f"/disclosure/a/{row.pk}/" in html
    only = client.get("/disclosure/?kind=payment").content.decode()
    payment_row = Announcement.objects.get(kind="payment")
    contract_row = Announcement.objects.get(kind="contract")
    assert f"/disclosure/a/{payment_row.pk}/" in only and f"/disclosure/a/{contract_row.pk}/" not in only
    # A bad filter is shown as an error with the whole list, never a 500.
    bad = client.get("/disclosure/?kind=nonsense&q=%01")
    assert bad.status_code == 200 and "form-errors" in bad.content.decode()
    assert client.get("/disclosure/?page=999").status_code in (200, 404)

    page = client.get(f"/disclosure/a/{payment_row.pk}/").content.decode()
    assert contract.number in page and contract.organization.name in page
    # The event, the deadline and the publication are on the page.
    assert timezone.localtime(payment_row.due_at).strftime("%Y-%m-%d") in page
    pdf = client.get(f"/disclosure/a/{payment_row.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert client.get("/disclosure/a/999999/").status_code == 404
    assert client.get("/disclosure/a/x1/").status_code == 404

    for url, expected in (("/disclosure/feed/", Announcement.objects.count()), ("/disclosure/feed/payment/", 1)):
        response = client.get(url)
        assert response.status_code == 200 and "atom" in response["Content-Type"]
        entries = ET.fromstring(response.content).findall(f"{ATOM}entry")  # noqa: S314 (our own feed, in a test)
        assert len(entries) == expected, url
    assert client.get("/disclosure/feed/nonsense/").status_code == 404

    # No person anywhere: not the signers, the finance officer or their contacts.
    for user in (finance, award_over.org_admin):
        for private in filter(None, (user.username, user.email, getattr(user, "phone", ""))):
            assert private not in html and private not in page


def test_the_timeliness_dashboard_is_for_officers(payment, account, finance, officer, client, site):
    _pay(payment, finance)
    url = "/work/disclosure/"
    assert client.get(url).status_code == 302  # to the sign-in
    client.force_login(finance)
    assert client.get(url).status_code == 403
    client.force_login(officer)
    owed = client.get(url)
    assert owed.status_code == 200 and len(owed.context["pending"]) >= 5
    announcements.publish_due()
    done = client.get(url)
    assert (
        done.context["pending"] == []
        and done.context["total"] == Announcement.objects.filter(published_at__year=timezone.localdate().year).count()
    )
    assert client.get(url + "?year=abc").status_code == 200
