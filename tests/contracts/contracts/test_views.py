"""The contract pages (issue 15, 7, 9): who may open them, the officer's list
with filters, the steps through the pages (send, sign with the password
and the IP recorded, ask for changes, amend, terminate), the PDFs behind a
permission check, and the officer's to-do section."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.contracts.models import Amendment, Contract, Signature
from tests.contracts.contracts.helpers import PASSWORD, drafted, org_member, page, sent, sign_as, signed, zh

pytestmark = pytest.mark.django_db


def org_url(contract, name="detail", *args):
    if name == "index":
        return reverse("orgcontracts:index", args=[contract.organization_id])
    return reverse(f"orgcontracts:{name}", args=[contract.organization_id, contract.number, *args])


def test_anonymous_visitors_are_sent_to_sign_in_and_others_are_refused(
    award_over, officer, client, make_user, make_org
):
    contract = sent(award_over, officer)
    document = contract.documents.get()
    officer_urls = [
        reverse("contracts:index"),
        reverse("contracts:detail", args=[contract.number]),
        reverse("contracts:draft", args=[contract.project.ref]),
        reverse("contracts:document", args=[contract.number, document.pk]),
    ]
    org_urls = [org_url(contract, "index"), org_url(contract), org_url(contract, "document", document.pk)]
    for url in officer_urls + org_urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(org_url(contract, "sign"), {"sign-password": PASSWORD, "sign-sha256": document.sha256})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # An organization's member is no officer; a member of another organization sees nothing.
    client.force_login(award_over.org_admin)
    for url in officer_urls:
        assert client.get(url).status_code == 403, url
    other_admin = make_user("organization_member", username="otheradmin", verified_at=timezone.now())
    other = make_org("approved", admin=other_admin, name="别的社工组织")
    client.force_login(other_admin)
    assert client.get(reverse("orgcontracts:index", args=[other.pk])).status_code == 200
    for url in org_urls:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("orgcontracts:detail", args=[other.pk, contract.number])).status_code == 404
    response = client.post(org_url(contract, "sign"), {"sign-password": PASSWORD, "sign-sha256": document.sha256})
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_the_officers_list_filters_and_searches(award_over, officer, client):
    contract = drafted(award_over, officer)
    client.force_login(officer)
    text = page(client.get(reverse("contracts:index")))
    assert contract.number in text
    assert contract.number in page(client.get(reverse("contracts:index"), {"state": "draft"}))
    assert contract.number not in page(client.get(reverse("contracts:index"), {"state": "active"}))
    assert contract.number in page(client.get(reverse("contracts:index"), {"q": contract.project.title[:4]}))
    assert contract.number not in page(client.get(reverse("contracts:index"), {"q": "没有这个合同"}))
    assert client.get(reverse("contracts:index"), {"state": "nonsense", "page": "x"}).status_code == 200


def test_the_contract_is_sent_and_signed_through_the_pages(award_over, officer, second_officer, client):
    contract = drafted(award_over, officer)
    client.force_login(officer)
    detail = reverse("contracts:detail", args=[contract.number])
    assert zh("Send to both parties for signature") in page(client.get(detail))
    response = client.post(reverse("contracts:send", args=[contract.number]))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == Contract.State.AWAITING_SIGNATURES
    document = contract.documents.get()
    # The officer's and the organization's PDF.
    response = client.get(reverse("contracts:document", args=[contract.number, document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The drafter gets no sign form, and a POST is refused on the page.
    assert zh("Sign the contract") not in page(client.get(detail))
    response = client.post(
        reverse("contracts:sign", args=[contract.number]), {"sign-password": PASSWORD, "sign-sha256": document.sha256}
    )
    assert response.status_code == 200 and not Signature.objects.exists()
    # The organization's administrator signs on its page, from its address.
    admin = award_over.org_admin
    client.force_login(admin)
    assert client.get(org_url(contract, "document", document.pk)).status_code == 200
    text = page(client.get(org_url(contract)))
    assert zh("Sign the contract") in text and document.sha256 in text
    response = client.post(org_url(contract, "sign"), {"sign-password": "wrong", "sign-sha256": document.sha256})
    assert response.status_code == 200 and zh("The password is not correct.") in page(response)
    assert not Signature.objects.exists()
    response = client.post(
        org_url(contract, "sign"),
        {"sign-password": PASSWORD, "sign-sha256": document.sha256},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.party == "organization" and signature.ip_address == "203.0.113.7"
    assert signature.sha256 == document.sha256
    # The second officer signs for the purchaser: in force.
    client.force_login(second_officer)
    response = client.post(
        reverse("contracts:sign", args=[contract.number]),
        {"sign-password": PASSWORD, "sign-sha256": document.sha256},
        REMOTE_ADDR="198.51.100.2",
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == Contract.State.ACTIVE
    assert Signature.objects.get(party="purchaser").ip_address == "198.51.100.2"


def test_a_member_who_is_not_the_administrator_sees_but_cannot_sign(award_over, officer, client, make_user):
    contract = sent(award_over, officer)
    document = contract.documents.get()
    member = org_member(make_user, contract.organization)
    client.force_login(member)
    text = page(client.get(org_url(contract)))
    assert contract.number in text and zh("Sign the contract") not in text
    response = client.post(org_url(contract, "sign"), {"sign-password": PASSWORD, "sign-sha256": document.sha256})
    assert response.status_code == 200
    response = client.post(org_url(contract, "request_changes"), {"changes-reason": "请修改"})
    assert response.status_code == 200
    assert not Signature.objects.exists()
    contract.refresh_from_db()
    assert contract.state == Contract.State.AWAITING_SIGNATURES


def test_the_organization_asks_for_changes_on_its_page(award_over, officer, second_officer, client):
    contract = sent(award_over, officer)
    sign_as(contract, second_officer)
    client.force_login(award_over.org_admin)
    # The organization's workspace leads to the contract awaiting its signature.
    workspace = page(client.get(reverse("orgs:workspace", args=[contract.organization_id])))
    assert org_url(contract) in workspace and zh("Our contracts") in workspace
    response = client.post(org_url(contract, "request_changes"), {"changes-reason": ""})
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.state == Contract.State.AWAITING_SIGNATURES
    response = client.post(org_url(contract, "request_changes"), {"changes-reason": "服务地点应增加春晖社区。"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == Contract.State.DRAFT
    assert Signature.objects.get().voided_at is not None
    # A draft that was sent before stays visible to the organization.
    assert client.get(org_url(contract)).status_code == 200


def test_amendment_and_termination_through_the_pages(award_over, officer, second_officer, client):
    contract = signed(award_over, officer, second_officer)
    client.force_login(officer)
    url = reverse("contracts:amend", args=[contract.number])
    assert client.get(url).status_code == 200
    first, second = contract.milestones.order_by("number")
    data = {
        "amendment-reason": "funds",
        "amendment-explanation": "",
        "amendment-amount": str(contract.amount - Decimal("500")),
        "amendment-due_1": first.due_on.isoformat(),
        "amendment-share_1": "40",
        "amendment-due_2": second.due_on.isoformat(),
        "amendment-share_2": "60",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and not Amendment.objects.exists()
    data["amendment-explanation"] = "区财政预算调整。"
    data["amendment-share_2"] = "50"
    response = client.post(url, data)
    assert response.status_code == 200 and not Amendment.objects.exists()
    assert "区财政预算调整。" in page(response)  # nothing typed is lost
    data["amendment-share_2"] = "60"
    assert client.post(url, data).status_code == 302
    amendment = Amendment.objects.get()
    document = amendment.documents.get()
    client.force_login(award_over.org_admin)
    text = page(client.get(org_url(contract)))
    assert zh("Confirm the amendment") in text
    response = client.post(
        org_url(contract, "amendment_confirm", amendment.number),
        {"sign-password": PASSWORD, "sign-sha256": document.sha256},
    )
    assert response.status_code == 302
    client.force_login(second_officer)
    response = client.post(
        reverse("contracts:amendment_confirm", args=[contract.number, amendment.number]),
        {"sign-password": PASSWORD, "sign-sha256": document.sha256},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.version == 2 and contract.amount == award_over.price - Decimal("500")
    text = page(client.get(reverse("contracts:detail", args=[contract.number])))
    assert reverse("contracts:document", args=[contract.number, document.pk]) in text  # each version's PDF
    # Termination: the amount over the sum is refused on the page, then it ends.
    terminate = reverse("contracts:terminate", args=[contract.number])
    today = timezone.localdate().isoformat()
    response = client.post(
        terminate,
        {"terminate-reason": "违约", "terminate-on": today, "terminate-payable": str(contract.amount + 1)},
    )
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.state == Contract.State.ACTIVE
    response = client.post(
        terminate, {"terminate-reason": "违约", "terminate-on": today, "terminate-payable": "100.00"}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == Contract.State.TERMINATED


def test_the_officers_to_do_page_shows_contracts_to_draft_or_sign_with_the_clock(award_over, officer, client):
    client.force_login(officer)
    text = page(client.get(reverse("workspace:todo")))
    assert zh("Contracts to draft or sign") in text
    assert reverse("contracts:draft", args=[award_over.project.ref]) in text
    contract = drafted(award_over, officer)
    text = page(client.get(reverse("workspace:todo")))
    assert reverse("contracts:detail", args=[contract.number]) in text
    deadline = timezone.localdate(award_over.awarded_at) + datetime.timedelta(days=30)
    days = (deadline - timezone.localdate()).days
    assert str(days) in text


def test_my_organizations_says_which_contract_awaits_the_administrators_signature(
    award_over, officer, second_officer, client, make_user
):
    """/org/ (the walk of issue 15: nothing there said a contract waited):
    the line shows for the administrator while the organization's side has
    not signed, never for a plain member, and goes once it has signed."""
    contract = sent(award_over, officer)
    line = zh("Contract %(number)s (%(title)s) awaits your signature") % {
        "number": contract.number,
        "title": contract.project.title,
    }
    client.force_login(award_over.org_admin)
    text = page(client.get(reverse("orgs:mine")))
    assert line in text and f"{org_url(contract)}#signing" in text
    member = org_member(make_user, contract.organization)
    client.force_login(member)
    assert line not in page(client.get(reverse("orgs:mine")))
    sign_as(contract, award_over.org_admin)
    client.force_login(award_over.org_admin)
    assert line not in page(client.get(reverse("orgs:mine")))


def test_the_drafter_is_told_why_there_is_no_signing_form(award_over, officer, second_officer, client):
    four_eyes = zh("The officer who drafted the contract cannot sign it for the purchaser: another officer signs.")
    contract = sent(award_over, officer)
    client.force_login(officer)
    text = page(client.get(reverse("contracts:detail", args=[contract.number])))
    assert four_eyes in text and 'name="sign-password"' not in text
    client.force_login(second_officer)
    text = page(client.get(reverse("contracts:detail", args=[contract.number])))
    assert 'name="sign-password"' in text
    assert four_eyes not in text


def test_the_signing_deadline_is_one_rule_on_every_panel(award_over):
    """The walk found the to-do list saying 10:00 (the award's time of day) and
    the lights 23:59 for the same deadline: now one rule gives the day."""
    import datetime as dt

    from contracts.contracts import services
    from contracts.contracts.hooks import _clock
    from contracts.milestones import lights

    deadline, days, _text = _clock(award_over.awarded_at, timezone.now())
    local = timezone.localtime(deadline)
    assert local.date() == lights.signing_deadline(award_over.awarded_at) == services.signing_deadline(award_over)
    assert local.time() == dt.time(23, 59)
    assert days == services.signing_days_left(award_over)
