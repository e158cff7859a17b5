"""Journey c: an approved organization bids on an open call: fills the bid,
attaches a PDF, saves, submits and keeps the receipt, whose digest is the
SHA-256 of the exact text offered for download.

The call and the organization come from the factories; the browser walks
the bid from the organization's list of calls to the receipt.
"""

import hashlib

import pytest

from marketplace.models import Bid
from marketplace.procurement.services.bids import digest_of
from tests.e2e.pages import BidPage, Page, ReceiptPage, shows, zh
from tests.factories import OrganizationFactory, ProjectFactory, pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def call_and_bidder(site):
    project = ProjectFactory(published=True, title="和平社区助餐配送服务")
    organization = OrganizationFactory(approved=True, name="阳光社工服务中心", community=project.communities.first())
    return project, organization


def test_an_organization_bids_and_keeps_the_receipt(new_context, sign_in, audit, call_and_bidder):
    project, organization = call_and_bidder
    context = sign_in(new_context(), organization.created_by)
    page = context.new_page()

    calls = Page(page, audit).open(f"/org/{organization.pk}/calls/")
    assert project.title in calls.text()
    bid = calls.follow(calls.main.locator(f'a[href$="/bids/{project.ref}/"]').first, BidPage)
    assert bid.heading() == project.title
    assert zh("Your organization may bid on this call") in bid.text()

    bid = bid.start()
    assert zh("Your draft bid is ready. It is saved as you go; nobody else can see it.") in bid.messages()
    criteria = list(project.criteria.filter(is_price=False).order_by("position"))
    typed = {
        "price": "118000.00",
        "team": "持证社工3名，护理员5名",
        "experience": "三年居家养老上门服务经验",
    }
    bid.fill_bid(responses={c: f"我们的{c.name}：每周上门两次" for c in criteria}, **typed)

    # Attaching a PDF posts the whole page: what was typed is kept.
    plan = pdf_bytes("服务方案")
    bid = bid.attach(title="服务方案", file_name="方案.pdf", content=plan)
    assert shows(bid.messages(), "Attached: %(title)s.")
    assert bid.documents().count() == 1
    assert "方案.pdf" in bid.documents().first.inner_text()
    assert hashlib.sha256(plan).hexdigest() in bid.documents().first.inner_text()
    assert bid.typed() == typed

    bid = bid.save()
    assert shows(bid.messages(), "Draft saved at %(time)s.")
    assert bid.typed() == typed
    assert zh("Nothing is missing. Check the bid once more, then submit it.") in bid.text()

    receipt = bid.submit()
    assert isinstance(receipt, ReceiptPage)
    assert receipt.heading() == zh("Bid receipt")
    assert shows(receipt.messages(), "Your bid was received at %(time)s (version %(number)s). Keep this receipt.")
    assert zh("The stored text gives this digest and names the stored documents.") in receipt.text()

    digest = receipt.digest()
    name, canonical = receipt.download_canonical()
    assert name.endswith(".json")
    assert hashlib.sha256(canonical).hexdigest() == digest
    assert canonical.decode("utf-8") == receipt.canonical()
    version = Bid.objects.get(project=project, organization=organization).current_version
    assert (version.digest, digest_of(version.canonical)) == (digest, digest)
    # Format sfq-bid/2: the request's arrival, stamped by the server, and the recording are both shown.
    assert version.received_at is not None and '"format":"sfq-bid/2"' in version.canonical
    assert zh("Received (server time)") in receipt.text() and zh("Recorded (server time)") in receipt.text()
    assert "118000" in canonical.decode("utf-8") and hashlib.sha256(plan).hexdigest() in canonical.decode("utf-8")
    audit.assert_clean()
