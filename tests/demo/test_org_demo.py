"""The demo social organizations: every state and both tracks, documents
(one expiring soon), idempotent; and no personal data of theirs on any
public page."""

import datetime
import hashlib
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import ric, uscc

from cms.models import SectionPage
from demo import organizations as demo_orgs
from demo import seed as demo
from marketplace.core.audit import verify_chain
from marketplace.models import (
    AuditEvent,
    CatalogueItem,
    Community,
    Membership,
    Need,
    Notice,
    Organization,
    OrganizationDocument,
    ServiceCategory,
    StaffMember,
    User,
)
from marketplace.organizations.services import documents as document_services
from marketplace.organizations.services import organizations as services


@pytest.fixture
def prerequisites(district, make_user):
    """What seed_demo has made before the organizations: the communities,
    the officer, the "org" account (not yet marked verified) and the major
    service categories."""
    for code, street, name in demo.COMMUNITIES:
        Community.objects.create(district=district, code=code, street=street, name=name)
    for order, (code, name) in enumerate([("A", "养老服务"), ("B", "儿童青少年与家庭服务"), ("C", "助残与社会救助")]):
        ServiceCategory.objects.create(code=code, name=name, sort_order=order)
    ServiceCategory.objects.create(code="D", name="社区治理与公共服务", sort_order=9)
    officer = make_user("procurement_officer", username="officer")
    org = make_user("organization_member", username="org", password=demo.DEMO_PASSWORD)
    return {"officer": officer, "org": org}


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Organization,
            StaffMember,
            Membership,
            OrganizationDocument,
            User,
            AuditEvent,
            Notice,
        )
    }


@pytest.mark.django_db
def test_demo_covers_every_state_and_both_tracks(prerequisites):
    created = demo_orgs.seed_organizations()
    organizations = list(Organization.objects.all())
    assert created == len(organizations) + len(demo_orgs.ORG_ACCOUNTS)
    assert len(organizations) >= 12
    states = Counter(o.state for o in organizations)
    assert states["draft"] >= 2 and states["submitted"] >= 2 and states["returned"] >= 1
    assert states["approved"] >= 5 and states["suspended"] >= 1 and states["blacklisted"] >= 1
    approved_tracks = {o.track for o in organizations if o.state == "approved"}
    assert approved_tracks == {"filed", "registered"}

    returned = Organization.objects.get(state="returned")
    assert returned.return_reasons and set(returned.return_reasons) <= set(services.RETURN_SECTIONS)
    blacklisted = Organization.objects.get(state="blacklisted")
    ahead = (blacklisted.blacklisted_until - timezone.localdate()).days
    assert 150 <= ahead <= 200 and blacklisted.blacklist_reason
    suspended = Organization.objects.get(state="suspended")
    assert suspended.suspension_reason

    # Filed first, registered later: an approved organization that upgraded.
    assert Organization.objects.filter(state="approved", track="registered", upgraded_at__isnull=False).exists()
    for organization in organizations:
        if organization.track == "registered":
            assert uscc.is_valid(organization.credit_code)
            services.validate_id_number(organization.legal_representative_id_number)
        assert organization.staff.count() >= 5 or organization.state == "draft"
    # Every decision went through the services: the audit chain holds them.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    for action in (
        "organization.submit",
        "organization.approve",
        "organization.return_for_changes",
        "organization.suspend",
        "organization.blacklist",
        "organization.upgrade",
        "organization.document_upload",
    ):
        assert action in actions, action
    assert verify_chain().ok
    # Members were told of each decision.
    assert Notice.objects.filter(user=prerequisites["org"]).exists()


@pytest.mark.django_db
def test_demo_accounts_administer_their_organizations(client, prerequisites):
    demo_orgs.seed_organizations()
    org = User.objects.get(username="org")
    assert org.verified_at is not None
    administered = Organization.objects.filter(memberships__user=org, memberships__role="admin")
    assert administered.filter(state="approved", track="filed").exists()
    assert administered.filter(state="draft").exists()
    for username, full_name in demo_orgs.ORG_ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.full_name == full_name and user.verified_at is not None
        assert user.groups.filter(name="organization_member").exists()
        assert client.login(username=username, password=demo.DEMO_PASSWORD)
        client.logout()
    lines = "\n".join(demo_orgs.accounts_lines())
    assert all(username in lines for username, _name in demo_orgs.ORG_ACCOUNTS)


@pytest.mark.django_db
def test_demo_documents(client, prerequisites):
    demo_orgs.seed_organizations()
    today = timezone.localdate()
    for organization in Organization.objects.exclude(state="draft"):
        # Each submitted organization holds the documents its track requires.
        assert services.missing_items(organization) == [] or organization.state == "returned", organization
        kinds = set(organization.documents.values_list("kind", flat=True))
        assert set(services.REQUIRED_DOCUMENTS[organization.track]) <= kinds
    # Qualified staff have their qualification documents.
    qualified = StaffMember.objects.exclude(qualification="")
    assert qualified.count() >= 5
    for member in qualified.exclude(organization__state="draft"):
        assert member.documents.filter(kind="qualification").exists(), member.name
    documents = list(OrganizationDocument.objects.all())
    assert len(documents) >= 20
    for document in documents:
        with document.file.open("rb") as stored:
            content = stored.read()
        assert content.startswith(b"%PDF-") and b"%%EOF" in content[-1024:]
        assert document.content_type == "application/pdf" and document.size == len(content) < 400_000
        assert hashlib.sha256(content).hexdigest() == document.sha256
    # One document expires within 30 days: the daily task warns, the workspace shows it.
    soon = [d for d in documents if d.expires_on and d.expires_on <= today + datetime.timedelta(days=30)]
    assert len(soon) == 1 and soon[0].expires_on > today
    expiring = soon[0]
    assert expiring.organization.state == "approved"
    assert Membership.objects.filter(organization=expiring.organization, user__username="org").exists()
    assert document_services.check_document_expiry()["warned"] == [expiring.pk]
    client.force_login(User.objects.get(username="org"))
    page = client.get(reverse("orgs:documents", args=[expiring.organization_id]))
    assert page.status_code == 200 and "status-expiring" in page.content.decode()


@pytest.mark.django_db
def test_demo_is_idempotent(prerequisites):
    demo_orgs.seed_organizations()
    counts = _counts()
    assert demo_orgs.seed_organizations() == 0
    assert _counts() == counts


@pytest.mark.django_db
def test_demo_needs_the_officer(district, make_user):
    for code, street, name in demo.COMMUNITIES:
        Community.objects.create(district=district, code=code, street=street, name=name)
    make_user("organization_member", username="org")
    assert demo_orgs.seed_organizations() == 0
    assert not Organization.objects.exists()


def test_markers_are_valid_personal_data():
    assert ric.is_valid(demo_orgs.DEMO_MARKER_ID_NUMBER)
    assert services.validate_id_number(demo_orgs.DEMO_MARKER_ID_NUMBER) == demo_orgs.DEMO_MARKER_ID_NUMBER
    assert services.PHONE.match(demo_orgs.DEMO_MARKER_PHONE)


def _public_urls():
    urls = ["/"]
    urls += [page.url for page in SectionPage.objects.live()]
    for track in ("filed", "registered"):
        urls.append(f"/organizations/?track={track}")
    for area in ServiceCategory.objects.filter(parent__isnull=True):
        urls.append(f"/organizations/?area={area.code}")
    for community in Community.objects.all():
        urls.append(f"/organizations/?community={community.pk}")
    urls += ["/organizations/?q=社区", "/organizations/?q=MA4L"]
    pages = -(-Organization.objects.filter(state="approved").count() // 20)
    urls += [f"/organizations/?page={n}" for n in range(1, pages + 1)]
    urls += [
        f"/organizations/{pk}/" for pk in Organization.objects.filter(state="approved").values_list("pk", flat=True)
    ]
    urls += [f"/catalogue/{code}/" for code in CatalogueItem.objects.values_list("code", flat=True).distinct()]
    urls += [f"/needs/{pk}/" for pk in Need.objects.values_list("pk", flat=True)]
    urls += ["/needs/report/"]
    return urls


@pytest.mark.django_db
def test_no_public_page_shows_personal_data_of_the_demo_organizations(client, settings, seeded_demo):
    settings.DEBUG = True
    assert "org2" in seeded_demo.output  # the extra accounts are printed with the others

    # The markers are planted where they must stay private.
    phone_org = Organization.objects.get(contact_phone=demo_orgs.DEMO_MARKER_PHONE)
    assert phone_org.state == "approved"
    id_org = Organization.objects.get(legal_representative_id_number=demo_orgs.DEMO_MARKER_ID_NUMBER)
    assert id_org.state == "approved" and id_org.track == "registered"

    secrets = {demo_orgs.DEMO_MARKER_PHONE, demo_orgs.DEMO_MARKER_ID_NUMBER}
    for organization in Organization.objects.all():
        secrets |= {organization.contact_name, organization.contact_email, organization.contact_phone}
        secrets |= {organization.legal_representative, organization.legal_representative_id_number}
        secrets |= {organization.office_address}
        secrets |= set(organization.staff.values_list("name", flat=True))
        secrets |= set(organization.memberships.values_list("user__full_name", flat=True))
        secrets |= set(organization.return_reasons.values())
    secrets.discard("")
    assert len(secrets) > 60

    approved = {o.name for o in Organization.objects.filter(state="approved")}
    hidden = {o.name for o in Organization.objects.exclude(state="approved")}
    seen = ""
    for url in _public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in secrets:
            assert secret not in html, (url, secret)
        for name in hidden:
            assert name not in html, (url, name)
        seen += html
    assert all(name in seen for name in approved)
    # The credit code of an approved registered organization is public.
    assert id_org.credit_code in client.get("/organizations/").content.decode()
    assert id_org.credit_code in client.get(f"/organizations/{id_org.pk}/").content.decode()
    for organization in Organization.objects.exclude(state="approved"):
        assert client.get(f"/organizations/{organization.pk}/").status_code == 404


def test_fallback_pdf_is_accepted_as_a_pdf():
    """Without WeasyPrint or its font the demo still uploads valid PDFs."""
    content = demo_orgs._minimal_pdf()
    assert document_services.sniff(content[:16]) == "application/pdf"
    assert content.rstrip().endswith(b"%%EOF") and b"xref" in content
