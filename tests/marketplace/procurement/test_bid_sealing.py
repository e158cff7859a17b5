"""The leak matrix: before the deadline, nobody but the bidding
organization's members learns anything about a bid, not even that it
exists.  Every role × every place a bid could show: the public call page and
its PDF, the opening record, the officers' workbench, the organizations'
workspace, the Wagtail admin (explorer, edit form, search), a Django admin,
search, exports, e-mails, in-site notices and error pages.

The strongest check: each page is fetched before the bid exists and again
after it was submitted, at the same frozen instant, and must be identical
(but for CSRF tokens).  A count, a name or a changed badge would differ."""

import difflib
import re
import shutil
import subprocess

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.utils import timezone

from cms.models import CallAnnouncementPage
from marketplace.models import Bid, BidDocument, BidVersion, Notice
from tests.project_fixtures import open_now, submit_bid

SECRET_PRICE = "123456.78"
SECRET_TEAM = "SEALED-TEAM-MARKER"
TOKEN = re.compile(rb'(csrfmiddlewaretoken" value="|"CSRF_TOKEN": "|csrf_token" content=")[^"]+')


# Wagtail's edit form: its editing-session ids and the rich-text editor's random block keys.
SESSION = re.compile(rb"/admin/editing-sessions/[\w/]+")
BLOCK_KEY = re.compile(rb"&quot;key&quot;: &quot;\w{5}&quot;")


def _normalise(body):
    body = SESSION.sub(b"/admin/editing-sessions/-", TOKEN.sub(rb"\1-", body))
    return BLOCK_KEY.sub(b"key", body)


@pytest.fixture
def setting(make_project, make_org, make_user, officer, second_officer, bidder, org_admin, site):
    project = make_project()
    rival = make_org("approved", name="另一家社会组织")
    readers = {
        "anonymous": None,
        "other organization": rival.memberships.get().user,
        "officer (author)": officer,
        "officer (approver)": second_officer,
        "evaluator": make_user("evaluator"),
        "editor": make_user("editor"),
        "community worker": make_user("community_worker"),
        "superuser": make_user(username="root", is_superuser=True, is_staff=True),
    }
    return project, rival, readers


def _places(project, rival, bidder, bid=None, version=None, document=None):
    page = CallAnnouncementPage.objects.get(project=project)
    places = [
        ("public list", "/projects/"),
        ("public search by bidder", f"/projects/?q={bidder.name}"),
        ("public call page", f"/projects/{project.ref}/"),
        ("opening record", f"/projects/{project.ref}/opening/"),
        ("officer workbench", "/work/projects/"),
        ("officer project page", f"/work/projects/{project.ref}/"),
        ("officer search by bidder", f"/work/projects/?q={bidder.name}"),
        ("rival's calls", f"/org/{rival.pk}/calls/"),
        ("rival's bids", f"/org/{rival.pk}/bids/"),
        ("rival's bid page", f"/org/{rival.pk}/bids/{project.ref}/"),
        ("bidder's bids", f"/org/{bidder.pk}/bids/"),
        ("bidder's bid page", f"/org/{bidder.pk}/bids/{project.ref}/"),
        ("wagtail dashboard", "/admin/"),
        ("wagtail explorer", f"/admin/pages/{page.get_parent().pk}/"),
        ("wagtail edit", f"/admin/pages/{page.pk}/edit/"),
        ("wagtail search", f"/admin/pages/search/?q={bidder.name}"),
        ("django admin", "/django-admin/"),
        ("opening pdf", f"/projects/{project.ref}/opening/pdf/"),
    ]
    if bid is not None:
        places += [
            ("officer bid page", f"/work/projects/{project.ref}/bids/{bid.pk}/"),
            ("receipt", f"/org/{bidder.pk}/bids/{project.ref}/receipts/{version.number}/"),
            ("receipt pdf", f"/org/{bidder.pk}/bids/{project.ref}/receipts/{version.number}/receipt.pdf"),
            ("receipt json", f"/org/{bidder.pk}/bids/{project.ref}/receipts/{version.number}/receipt.json"),
            ("bid document", f"/org/{bidder.pk}/bids/{project.ref}/documents/{document.pk}/"),
        ]
    return places


def _diff(old, new):
    lines = difflib.unified_diff(
        old.decode(errors="replace").splitlines(), new.decode(errors="replace").splitlines(), lineterm="", n=0
    )
    return "\n".join(line[:300] for line in list(lines)[:12])


def _fetch(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, _normalise(body)


@pytest.mark.django_db
def test_nobody_but_the_bidder_learns_anything_before_the_deadline(
    client, setting, bidder, org_admin, django_capture_on_commit_callbacks
):
    project, rival, readers = setting
    with time_machine.travel(timezone.now(), tick=False):
        before = {
            (role, name): _fetch(client, user, url)
            for role, user in readers.items()
            for name, url in _places(project, rival, bidder)
        }
        mail.outbox.clear()
        notices_before = set(Notice.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            version = submit_bid(project, bidder, org_admin, price=SECRET_PRICE)
            from marketplace.procurement.services import bids as bid_services

            bid = Bid.objects.get()
            bid_services.save_bid(
                bid, by=org_admin, price=SECRET_PRICE, responses=bid.responses, team=SECRET_TEAM, experience="x"
            )
        document = BidDocument.objects.get()
        leaks = []
        for role, user in readers.items():
            for name, url in _places(project, rival, bidder, bid, version, document):
                status, body = _fetch(client, user, url)
                if (role, name) in before:
                    if (status, body) != before[(role, name)]:
                        diff = _diff(before[(role, name)][1], body)
                        leaks.append(f"{role} · {name}: the page changed when the bid arrived ({status})\n{diff}")
                elif status == 200:
                    leaks.append(f"{role} · {name}: {url} answered 200")
                for marker in (SECRET_PRICE.encode(), SECRET_TEAM.encode(), version.digest.encode()):
                    if marker in body:
                        leaks.append(f"{role} · {name}: {marker!r} in the page")
        assert not leaks, "\n".join(leaks)

        # The bidder itself sees its bid.
        status, body = _fetch(client, org_admin, f"/org/{bidder.pk}/bids/{project.ref}/receipts/1/")
        assert status == 200 and version.digest.encode() in body

        # E-mails and in-site notices went to the bidder's members only.
        members = {org_admin.email}
        assert mail.outbox and all(set(message.to) <= members for message in mail.outbox)
        new_notices = Notice.objects.exclude(pk__in=notices_before)
        assert set(new_notices.values_list("user_id", flat=True)) == {org_admin.pk}


@pytest.mark.django_db
def test_the_public_pdf_of_the_call_says_nothing_about_bids(client, setting, bidder, org_admin):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    project, _rival, _readers = setting
    submit_bid(project, bidder, org_admin, price=SECRET_PRICE)
    response = client.get(f"/projects/{project.ref}/pdf/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    assert project.ref in text
    for marker in (SECRET_PRICE, bidder.name, BidVersion.objects.get().digest):
        assert marker not in text


def test_no_admin_registers_the_bid_models():
    assert not apps.is_installed("django.contrib.admin")
    from wagtail.snippets.models import get_snippet_models

    sealed = {Bid, BidDocument, BidVersion}
    assert not sealed & set(get_snippet_models())
    for model in sealed:
        # no default permissions: no role can be granted "view bid" in the admin's group editor
        assert model._meta.default_permissions == ()


@pytest.mark.django_db
def test_after_the_opening_officers_read_bids_and_competitors_still_do_not(client, setting, bidder, org_admin):
    project, rival, readers = setting
    version = submit_bid(project, bidder, org_admin, price=SECRET_PRICE)
    open_now(project)
    bid = Bid.objects.get()
    client.force_login(readers["officer (approver)"])
    page = client.get(f"/work/projects/{project.ref}/bids/{bid.pk}/")
    assert page.status_code == 200 and version.digest in page.content.decode()
    client.force_login(readers["other organization"])
    assert client.get(f"/org/{bidder.pk}/bids/{project.ref}/receipts/1/").status_code == 404
    assert client.get(f"/work/projects/{project.ref}/bids/{bid.pk}/").status_code in (403, 404)
    # The opening record is public, with the digest.
    client.logout()
    opening = client.get(f"/projects/{project.ref}/opening/")
    assert opening.status_code == 200 and version.digest in opening.content.decode()


@pytest.mark.django_db
def test_the_matrix_would_catch_an_unsealed_selector(
    client, setting, bidder, org_admin, django_capture_on_commit_callbacks, monkeypatch
):
    """A check that cannot fail is no check: with the selector's sealing
    removed, the matrix above reports the leaks."""
    from django.db.models import Q

    from marketplace.procurement.selectors import bids

    monkeypatch.setattr(bids, "_visible_q", lambda user, prefix="": Q())
    monkeypatch.setattr(
        bids, "opened_bids", lambda user, project: Bid.objects.filter(project=project, current_version__isnull=False)
    )
    with pytest.raises(AssertionError) as error:
        test_nobody_but_the_bidder_learns_anything_before_the_deadline(
            client, setting, bidder, org_admin, django_capture_on_commit_callbacks
        )
    assert "officer (approver) · officer bid page" in str(error.value)
