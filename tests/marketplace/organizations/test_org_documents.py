"""Organization documents: uploads are sniffed by content, size-limited and
stored privately; only members and reviewing officers see them; files are
served with safe headers."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone, translation

from marketplace.models import AuditEvent, Membership, Organization, OrganizationDocument, StaffMember
from marketplace.organizations.services import documents
from marketplace.organizations.services.organizations import OrganizationError
from tests.org_fixtures import JPEG_BYTES, PNG_BYTES, pdf_bytes

pytestmark = pytest.mark.django_db


def _upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _stored_files():
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def translation_en():
    # The new messages are asserted on their English msgids (the zh-hans
    # catalogue is compiled later).
    with translation.override("en"):
        yield


@pytest.fixture
def org(make_org, org_admin):
    return make_org("draft", admin=org_admin, documents=[])


# --- accepted uploads --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("章程.pdf", pdf_bytes("charter"), "application/pdf"),
        # The browser's content type and the extension are ignored both ways.
        ("scan.bin", JPEG_BYTES, "image/jpeg"),
        ("photo.jpg", PNG_BYTES, "image/png"),
    ],
)
def test_good_files_are_accepted_with_their_sniffed_type(org, org_admin, name, content, expected):
    upload = _upload(name, content, content_type="text/html")
    document = documents.upload_document(org, by=org_admin, kind="charter", file=upload, title="  2025  章程 ")
    document.refresh_from_db()
    assert document.content_type == expected
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == name
    assert document.title == "2025 章程"
    assert document.uploaded_by == org_admin
    assert document.replaced_by is None
    with document.file.open("rb") as stored:
        assert stored.read() == content


def test_file_is_stored_under_private_media_root_with_an_opaque_name(org, org_admin):
    document = documents.upload_document(org, by=org_admin, kind="charter", file=_upload("张三的章程.pdf", pdf_bytes()))
    path = Path(document.file.path).resolve()
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert path.is_file()
    assert path.is_relative_to(private_root)
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.BASE_DIR).resolve() / "static")
    # The stored name says nothing about the file or its owner.
    assert "张三" not in document.file.name and "章程" not in document.file.name
    assert document.file.name.startswith(f"organizations/{org.pk}/")


def test_audit_event_records_ids_and_hash_but_no_personal_data(org, org_admin):
    person = org.staff.first()
    document = documents.upload_document(
        org,
        by=org_admin,
        kind="qualification",
        staff_member=person,
        title="张三 13800138000 社工证",
        file=_upload("张三.pdf", pdf_bytes()),
    )
    event = AuditEvent.objects.get(action="organization.document_upload")
    assert event.actor == org_admin
    assert event.object_id == str(org.pk)
    assert event.details["document"] == document.pk
    assert event.details["kind"] == "qualification"
    assert event.details["sha256"] == document.sha256
    assert event.details["replaced"] == []
    flat = str(event.details) + event.reason
    assert "张三" not in flat and "13800138000" not in flat


# --- refused uploads -------------------------------------------------------------------


def _assert_refused(org, by, *, field="file", match=None, **kwargs):
    before_rows = OrganizationDocument.objects.count()
    before_files = _stored_files()
    before_events = AuditEvent.objects.filter(action="organization.document_upload").count()
    kwargs.setdefault("kind", "charter")
    with pytest.raises(OrganizationError) as info:
        documents.upload_document(org, by=by, **kwargs)
    assert info.value.field == field
    assert info.value.message
    if match:
        assert match in info.value.message
    assert OrganizationDocument.objects.count() == before_rows
    assert _stored_files() == before_files
    assert AuditEvent.objects.filter(action="organization.document_upload").count() == before_events
    return info.value


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200,
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode.",
        b"just some text %PDF-1.4 %%EOF",  # the signature must open the file
        b"GIF89a" + b"\x00" * 40,
    ],
    ids=["html", "elf", "windows-exe", "text", "gif"],
)
def test_files_named_pdf_that_are_not_pdf_are_refused(org, org_admin, translation_en, content):
    error = _assert_refused(org, org_admin, file=_upload("certificate.pdf", content))
    assert "not a PDF, JPEG or PNG" in error.message


def test_empty_file_is_refused(org, org_admin, translation_en):
    _assert_refused(org, org_admin, file=_upload("empty.pdf", b""), match="empty")


def test_oversize_file_is_refused_with_the_limit_in_mb(org, org_admin, translation_en):
    with override_settings(ORGANIZATION_DOCUMENT_MAX_BYTES=2 * 1024 * 1024):
        big = pdf_bytes() + b"0" * (2 * 1024 * 1024)
        _assert_refused(org, org_admin, file=_upload("big.pdf", big), match="at most 2 MB")
    with override_settings(ORGANIZATION_DOCUMENT_MAX_BYTES=100):
        _assert_refused(org, org_admin, file=_upload("big.pdf", pdf_bytes("x" * 200)), match="MB")


def test_a_file_exactly_at_the_limit_is_accepted(org, org_admin):
    content = pdf_bytes()
    with override_settings(ORGANIZATION_DOCUMENT_MAX_BYTES=len(content)):
        document = documents.upload_document(org, by=org_admin, kind="charter", file=_upload("a.pdf", content))
    assert document.size == len(content)


def test_truncated_pdf_is_refused(org, org_admin, translation_en):
    truncated = pdf_bytes()[:-20]
    assert b"%%EOF" not in truncated
    _assert_refused(org, org_admin, file=_upload("cut.pdf", truncated), match="incomplete")


def test_expiry_in_the_past_is_refused_but_today_is_accepted(org, org_admin, translation_en):
    today = timezone.localdate()
    _assert_refused(
        org,
        org_admin,
        field="expires_on",
        match="expired on",
        file=_upload("a.pdf", pdf_bytes()),
        expires_on=today - datetime.timedelta(days=1),
    )
    document = documents.upload_document(
        org, by=org_admin, kind="charter", file=_upload("a.pdf", pdf_bytes()), expires_on=today
    )
    assert document.expires_on == today


def test_unknown_kind_is_refused(org, org_admin):
    _assert_refused(org, org_admin, field="kind", kind="passport", file=_upload("a.pdf", pdf_bytes()))


def test_non_member_is_refused(org, make_user, translation_en):
    stranger = make_user("organization_member", verified_at=timezone.now())
    _assert_refused(org, stranger, field=None, match="Only members", file=_upload("a.pdf", pdf_bytes()))


def test_anonymous_is_refused(org):
    _assert_refused(org, AnonymousUser(), field=None, file=_upload("a.pdf", pdf_bytes()))


def test_member_of_another_organization_is_refused(org, make_org):
    other = make_org("approved", documents=[])
    other_admin = other.memberships.get().user
    _assert_refused(org, other_admin, field=None, file=_upload("a.pdf", pdf_bytes()))


def test_officer_cannot_upload_for_an_organization(org, officer_user):
    _assert_refused(org, officer_user, field=None, file=_upload("a.pdf", pdf_bytes()))


def test_blacklisted_organization_is_refused(make_org, org_admin, translation_en):
    org = make_org("blacklisted", admin=org_admin, documents=[])
    _assert_refused(org, org_admin, field=None, match="blacklisted", file=_upload("a.pdf", pdf_bytes()))


def test_suspended_organization_may_still_upload(make_org, org_admin):
    org = make_org("suspended", admin=org_admin, documents=[])
    document = documents.upload_document(org, by=org_admin, kind="charter", file=_upload("a.pdf", pdf_bytes()))
    assert document.organization_id == org.pk


def test_qualification_needs_a_person_of_the_same_organization(org, make_org, org_admin):
    _assert_refused(org, org_admin, field="staff_member", kind="qualification", file=_upload("a.pdf", pdf_bytes()))
    outsider = make_org("draft", documents=[]).staff.first()
    _assert_refused(
        org,
        org_admin,
        field="staff_member",
        kind="qualification",
        staff_member=outsider,
        file=_upload("a.pdf", pdf_bytes()),
    )


def test_staff_member_is_ignored_for_other_kinds(org, org_admin):
    person = org.staff.first()
    document = documents.upload_document(
        org, by=org_admin, kind="charter", staff_member=person, file=_upload("a.pdf", pdf_bytes())
    )
    assert document.staff_member is None


def test_database_failure_removes_the_stored_file(org, org_admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(documents, "record_event", broken)
    before = _stored_files()
    with pytest.raises(RuntimeError):
        documents.upload_document(org, by=org_admin, kind="charter", file=_upload("a.pdf", pdf_bytes()))
    assert OrganizationDocument.objects.filter(organization=org).count() == 0
    assert _stored_files() == before


def test_original_name_is_the_base_name_trimmed(org, org_admin):
    document = documents.upload_document(
        org, by=org_admin, kind="charter", file=_upload("C:\\Users\\张三\\登记证书.pdf", pdf_bytes())
    )
    assert document.original_name == "登记证书.pdf"
    long_name = "章" * 300 + ".pdf"
    document = documents.upload_document(org, by=org_admin, kind="other", file=_upload(long_name, pdf_bytes()))
    assert len(document.original_name) == 200
    assert document.original_name.endswith(".pdf")


# --- one current document per kind ---------------------------------------------------------


def test_new_upload_replaces_the_current_document_of_its_kind(org, org_admin):
    first = documents.upload_document(org, by=org_admin, kind="charter", file=_upload("v1.pdf", pdf_bytes("1")))
    certificate = documents.upload_document(
        org, by=org_admin, kind="certificate", file=_upload("c.pdf", pdf_bytes("c"))
    )
    second = documents.upload_document(org, by=org_admin, kind="charter", file=_upload("v2.pdf", pdf_bytes("2")))
    first.refresh_from_db()
    certificate.refresh_from_db()
    assert first.replaced_by == second
    assert certificate.replaced_by is None
    assert second.replaced_by is None
    event = AuditEvent.objects.filter(action="organization.document_upload").order_by("-pk").first()
    assert event.details["replaced"] == [first.pk]
    current = documents.current_documents(org)
    assert [doc.pk for doc in current] == [certificate.pk, second.pk]  # by kind


def test_qualifications_are_replaced_per_person_and_other_documents_never(org, org_admin):
    zhang, li = list(org.staff.all()[:2])
    zhang_1 = documents.upload_document(
        org, by=org_admin, kind="qualification", staff_member=zhang, file=_upload("z1.pdf", pdf_bytes("z1"))
    )
    li_1 = documents.upload_document(
        org, by=org_admin, kind="qualification", staff_member=li, file=_upload("l1.pdf", pdf_bytes("l1"))
    )
    zhang_2 = documents.upload_document(
        org, by=org_admin, kind="qualification", staff_member=zhang, file=_upload("z2.pdf", pdf_bytes("z2"))
    )
    other_1 = documents.upload_document(org, by=org_admin, kind="other", file=_upload("o1.png", PNG_BYTES))
    other_2 = documents.upload_document(org, by=org_admin, kind="other", file=_upload("o2.jpg", JPEG_BYTES))
    for document in (zhang_1, li_1, other_1):
        document.refresh_from_db()
    assert zhang_1.replaced_by == zhang_2
    assert li_1.replaced_by is None
    assert other_1.replaced_by is None
    current = {doc.pk for doc in documents.current_documents(org)}
    assert current == {li_1.pk, zhang_2.pk, other_1.pk, other_2.pk}


def test_current_documents_are_ordered_by_kind_newest_first(org, org_admin):
    older = documents.upload_document(org, by=org_admin, kind="other", file=_upload("1.pdf", pdf_bytes("1")))
    newer = documents.upload_document(org, by=org_admin, kind="other", file=_upload("2.pdf", pdf_bytes("2")))
    charter = documents.upload_document(org, by=org_admin, kind="charter", file=_upload("3.pdf", pdf_bytes("3")))
    kinds_order = [doc.pk for doc in documents.current_documents(org)]
    assert kinds_order == [charter.pk, newer.pk, older.pk]


# --- who may see a document ------------------------------------------------------------------


@pytest.fixture
def document(org, org_admin):
    return documents.upload_document(org, by=org_admin, kind="charter", file=_upload("章程.pdf", pdf_bytes()))


def test_members_and_officers_may_view(document, org, org_admin, officer_user, make_user):
    plain_member = make_user("organization_member")
    Membership.objects.create(organization=org, user=plain_member, role=Membership.Role.MEMBER)
    assert documents.can_view(org_admin, document)
    assert documents.can_view(plain_member, document)
    # Officers see documents once the organization has been submitted for review.
    assert not documents.can_view(officer_user, document)
    Organization.objects.filter(pk=org.pk).update(submitted_at=timezone.now())
    document.organization.refresh_from_db()
    assert documents.can_view(officer_user, document)
    superuser = make_user(is_superuser=True, is_staff=True)
    assert documents.can_view(superuser, document)


@pytest.mark.parametrize("role", ["editor", "platform_admin", "community_worker", "evaluator", "finance_officer"])
def test_other_roles_may_not_view(document, make_user, role):
    assert not documents.can_view(make_user(role), document)


def test_anonymous_and_other_organizations_may_not_view(document, make_org):
    assert not documents.can_view(AnonymousUser(), document)
    assert not documents.can_view(None, document)
    other = make_org("approved")
    assert not documents.can_view(other.memberships.get().user, document)


def test_platform_admin_who_is_also_an_officer_may_view(document, make_user):
    Organization.objects.filter(pk=document.organization_id).update(submitted_at=timezone.now())
    document.organization.refresh_from_db()
    assert documents.can_view(make_user("platform_admin", "procurement_officer"), document)


def test_deactivated_member_may_not_view(document, org_admin):
    org_admin.is_active = False
    org_admin.save()
    assert not documents.can_view(org_admin, document)


# --- serving the file -----------------------------------------------------------------------------


def _body(response):
    return b"".join(response.streaming_content)


def test_file_response_headers_attachment_with_a_chinese_name(document):
    # Uploaded files are never shown inline (issue 12): an attachment, in an empty sandbox.
    response = documents.file_response(document)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E7%AB%A0%E7%A8%8B.pdf" in disposition
    assert int(response["Content-Length"]) == document.size
    assert _body(response) == document.file.open("rb").read()


def test_file_response_as_attachment(org, org_admin):
    document = documents.upload_document(org, by=org_admin, kind="other", file=_upload("scan.png", PNG_BYTES))
    response = documents.file_response(document)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="scan.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _body(response) == PNG_BYTES


def test_file_response_name_gets_the_extension_of_the_real_type(org, org_admin):
    # A PNG uploaded as "page.html" is served as PNG, named page.html.png.
    document = documents.upload_document(org, by=org_admin, kind="other", file=_upload("page.html", PNG_BYTES))
    response = documents.file_response(document)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="page.html.png"'


def test_file_response_for_a_qualification(org, org_admin):
    person = StaffMember.objects.filter(organization=org).first()
    document = documents.upload_document(
        org, by=org_admin, kind="qualification", staff_member=person, file=_upload("cert.jpeg", JPEG_BYTES)
    )
    response = documents.file_response(document)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="cert.jpeg"'


def test_private_documents_have_no_public_url(make_org):
    """Stored under PRIVATE_MEDIA_ROOT and never given a URL under MEDIA_URL."""
    from tests.org_fixtures import add_document

    document = add_document(make_org("draft"), "other")
    with pytest.raises(ValueError):
        _ = document.file.url
