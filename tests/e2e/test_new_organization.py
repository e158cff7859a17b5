"""Journey b: a new organization, from sign-up to approval, on a phone
(390 px wide).

In the browser: sign-up with a mobile number, sign-in, the texted code
(read from ``marketplace.core.sms.outbox``: the live server runs in a
thread of this process), the organization wizard's three steps, the
charter as a PDF, the submission; then a procurement officer approves it
and the member sees it approved.  Only the community and the officer come
from the factories.
"""

import re

import pytest

from marketplace.core import sms
from marketplace.models import Organization
from tests.e2e.conftest import PHONE
from tests.e2e.pages import (
    OrganizationDocumentsPage,
    OrganizationStepPage,
    OrganizationSubmitPage,
    OrganizationWorkspacePage,
    Page,
    ReviewPage,
    SignupPage,
    VerifyPage,
    shows,
    zh,
)
from tests.factories import STAFF, CommunityFactory, UserFactory, pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

MOBILE = "13912345678"
SECRET = "He-ping-2026!"
NAME = "和平社区银龄互助队"


@pytest.fixture
def texts():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_a_new_organization_from_sign_up_to_approval_on_a_phone(new_context, sign_in, audit, site, texts):
    community = CommunityFactory()
    officer = UserFactory(username="e2e-reviewer", roles=("procurement_officer",))
    page = new_context(viewport=PHONE).new_page()

    # Sign up with a mobile number; sign in; enter the texted code.
    signup = SignupPage(page, audit).open()
    sent = signup.sign_up(MOBILE, SECRET)
    assert sent.heading() == zh("Check your messages")
    sign_in_page = sent.to_sign_in()
    verify = sign_in_page.sign_in(MOBILE, SECRET, next_page=VerifyPage)
    assert "/accounts/verify/" in page.url
    assert verify.heading() == zh("Confirm your account")
    assert len(texts) == 1 and texts[0]["to"] == MOBILE
    code = re.search(r"\b\d{6}\b", texts[0]["text"]).group(0)
    done = verify.enter_code(code)
    assert zh("Your mobile number is confirmed.") in done.messages()

    # The wizard: the organization, people and office, the founding date.
    step = OrganizationStepPage(page, audit).open()
    step.fill(name=NAME, description="组织社区低龄老人结对探访高龄独居老人。")
    step.choose("track", "filed").choose("kind", "public_service").select("community", community.pk)
    step = step.save()
    assert shows(step.messages(), "Draft saved. Next: people and office.")
    step.fill(contact_name="张三", contact_phone=MOBILE, contact_email="", staff="\n".join(STAFF))
    step.choose("office", "community")
    step = step.save()
    assert shows(step.messages(), "Saved. Next: %(step)s."), step.text()[:2000]
    step.fill(founded_on="2021-03-01")
    workspace = step.save(next_page=OrganizationWorkspacePage)
    assert zh("All three steps are saved. Upload the documents, then submit for review.") in workspace.messages()
    organization = Organization.objects.get(name=NAME)

    # The charter, as a PDF; then the submission.
    documents = Page(page, audit).open(f"/org/{organization.pk}/documents/")
    documents = OrganizationDocumentsPage(page, audit)
    documents = documents.upload(kind="charter", title="组织章程", file_name="章程.pdf", content=pdf_bytes("章程"))
    assert "组织章程" in documents.text()
    submit = OrganizationSubmitPage(page, audit).open(f"/org/{organization.pk}/submit/")
    workspace = submit.submit()
    assert zh("Submitted for review. You will get a message when a procurement officer has decided.") in (
        workspace.messages()
    )
    organization.refresh_from_db()
    assert organization.state == Organization.State.SUBMITTED

    # A procurement officer approves it.
    officer_page = sign_in(new_context(), officer).new_page()
    queue = Page(officer_page, audit).open("/work/organizations/")
    assert NAME in queue.text()
    review = queue.follow(queue.main.get_by_role("link", name=NAME).first, ReviewPage)
    form = review.approve_form()
    form.locator('input[name="approve-confirm"]').check()
    review = review.follow(form.locator("button[type=submit]"), ReviewPage)
    organization.refresh_from_db()
    assert organization.state == Organization.State.APPROVED

    # The member sees it approved.
    workspace = OrganizationWorkspacePage(page, audit).open(f"/org/{organization.pk}/")
    assert zh("Approved") in workspace.text()
    audit.assert_clean()
